"""Every write to API tokens: creation (the secret is returned once and only its hash kept), revocation, last use."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken
from regions.selectors import region_for_official

# What a partner's key starts with: recognisable in a log or a leaked file, and by secret scanners.
SECRET_PREFIX = "onmt_"
# Last use is written at most this often per token: a busy partner does not write a row per request.
LAST_USE_PRECISION = timedelta(minutes=1)


def api_token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor, user, name: str, expires_at: datetime, can_write: bool = False) -> tuple[ApiToken, str]:
    """A new token acting as `user`, and its secret, which is shown once and never stored.

    `user` must be ONMT staff or a CRT official: anybody else would see nothing the public API does not show.
    """
    if not user.is_active or not (user.is_staff or region_for_official(user=user) is not None):
        raise ValidationError(
            {"user": _("Un jeton agit pour un membre de l'ONMT ou un responsable de CRT, avec un compte actif.")}
        )
    if expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("La date d'expiration doit être dans le futur.")})
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        user=user,
        can_write=can_write,
        expires_at=expires_at,
        key_hash=api_token_hash(secret),
        prefix=secret[: len(SECRET_PREFIX) + 4],
        created_by=actor,
    )
    token.full_clean()
    token.save()
    return token, secret


def api_tokens_revoke(*, tokens) -> int:
    """Revoke these tokens at once (those already revoked keep their date); returns how many were revoked now."""
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_token_touch(*, token: ApiToken) -> None:
    """Record that the token was used now (to the minute)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
