from api.models import ApiToken
from api.services import api_token_hash


def api_token_for_secret(*, secret: str) -> ApiToken | None:
    """The token whose secret this is, with its account, if it is neither revoked nor expired; else None."""
    token = ApiToken.objects.select_related("user").filter(key_hash=api_token_hash(secret)).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    return token
