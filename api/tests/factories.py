from datetime import timedelta

from django.utils import timezone

from api.services import api_token_create


def token_secret(user, *, can_write: bool = False, days: int = 30) -> str:
    """The secret of a new token of `user` (created by the service, as staff do in the admin)."""
    _token, secret = api_token_create(
        actor=None,
        user=user,
        name=f"Partenaire de {user.username}",
        expires_at=timezone.now() + timedelta(days=days),
        can_write=can_write,
    )
    return secret


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
