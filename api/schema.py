"""What drf-spectacular cannot guess from the code: how a token is sent."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token created by ONMT staff in the admin (API tokens), shown once.",
        }


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, in the language asked for."},
        "code": {"type": "string", "description": "A stable code: invalid, not_found, stale, throttled…"},
        "errors": {"type": "object", "description": "Bad input: the messages of each field."},
    },
    "required": ["detail", "code"],
}
ERRORS_OF_EVERY_OPERATION = {
    "400": "Bad input (a parameter or the body).",
    "404": "Nothing here, or nothing this token may see.",
    "429": "Too many requests: wait for the Retry-After seconds.",
}
ERRORS_WITH_A_TOKEN = {
    "401": "No token, or one unknown, expired or revoked.",
    "403": "The token may not do this (read-only, or not ONMT's).",
}


def document_errors(result, generator, request, public):
    """drf-spectacular's postprocessing hook: every operation documents the JSON errors it may answer
    (api.exceptions), so a client, and the schema's property test, can rely on their shape."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            errors = dict(ERRORS_OF_EVERY_OPERATION)
            if any("token" in requirement for requirement in operation.get("security", [])):
                errors |= ERRORS_WITH_A_TOKEN
            responses = operation.setdefault("responses", {})
            for status, description in errors.items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status.startswith("4"):
                    response.setdefault("content", error)
    return result
