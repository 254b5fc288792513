"""The signed value of a one-click unsubscribe link: the address it unsubscribes, nothing else (no writes here)."""

from django.core import signing

UNSUBSCRIBE_SALT = "messaging.unsubscribe"


def unsubscribe_token_make(*, email: str) -> str:
    # No timestamp: the same link in the message's text and in its header, on every attempt.
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(email.strip().lower(), compress=True)


def unsubscribe_token_read(*, token: str) -> str | None:
    """The address a link was made for, or None if the link is forged. It never expires: the RFC expects that."""
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) and "@" in value else None
