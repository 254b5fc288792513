"""Every error of the API as JSON, `{"detail": "…", "code": "…"}` (and `"errors"` per field for bad input),
with the status that says what to do; the services' refusals included, so none turns into a server error."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

# A service refusing an edit made on a stale version (core.versioning): the client must read the item again.
STALE_CODE = "stale"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"


def _messages(error: DjangoValidationError) -> tuple[str, dict]:
    if hasattr(error, "error_dict"):
        errors = {field: [str(message) for message in messages] for field, messages in error.message_dict.items()}
        first = next(iter(errors.values()))[0]
        return first, errors
    return " ".join(str(message) for message in error.messages), {}


def _service_refusal(error: DjangoValidationError) -> Response:
    detail, errors = _messages(error)
    stale = any(getattr(part, "code", None) == STALE_CODE for part in error.error_list) if not errors else False
    body = {"detail": detail, "code": STALE_CODE if stale else "invalid"}
    if errors:
        body["errors"] = errors
    return Response(body, status=status.HTTP_412_PRECONDITION_FAILED if stale else status.HTTP_400_BAD_REQUEST)


def api_exception_handler(error, context):
    if isinstance(error, DjangoValidationError):
        return _service_refusal(error)
    if isinstance(error, Http404):
        error = exceptions.NotFound(_("Introuvable."))
    elif isinstance(error, DjangoPermissionDenied):
        error = exceptions.PermissionDenied()
    response = exception_handler(error, context)
    if response is None:
        return None
    data = response.data
    if isinstance(error, exceptions.ValidationError):
        first = next(iter(data.values()))[0] if isinstance(data, dict) and data else data
        if isinstance(first, list):
            first = first[0]
        response.data = {"detail": str(first), "code": "invalid", "errors": data}
    else:
        response.data = {
            "detail": str(error.detail),
            "code": error.get_codes() if isinstance(error.get_codes(), str) else "error",
        }
    return response
