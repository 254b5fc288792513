"""Signed values in the personal links of e-mails: invitations and the satisfaction survey (no writes here)."""

from django.conf import settings
from django.core import signing

# The salts are part of links already sent: changing one breaks them.
INVITATION_SALT = "meetings.invitation"
SURVEY_SALT = "messaging.survey"


def invitation_token_make(*, contact_id: int, meeting_id: int) -> str:
    """The signed value of the `invitation` query parameter in a personal invitation link."""
    return signing.dumps({"c": contact_id, "m": meeting_id}, salt=INVITATION_SALT, compress=True)


def invitation_token_read(*, token: str, meeting_id: int) -> int | None:
    """The contact id a personal invitation link was made for, or None if it is not valid here."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("m") != meeting_id or not isinstance(data.get("c"), int):
        return None
    return data["c"]


def survey_token_make(*, registration_id: int) -> str:
    return signing.dumps(registration_id, salt=SURVEY_SALT)


def survey_token_read(*, token: str) -> int | None:
    """The registration a survey link was made for, or None if the link is forged or too old."""
    try:
        value = signing.loads(token, salt=SURVEY_SALT, max_age=settings.MESSAGING_SURVEY_MAX_AGE)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None
