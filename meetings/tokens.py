"""Signed values in the personal links of e-mails: invitations, the satisfaction survey, an online
registrant's join link and the CRT's co-signature of the minutes (no writes here)."""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

# The salts are part of links already sent: changing one breaks them.
INVITATION_SALT = "meetings.invitation"
SURVEY_SALT = "messaging.survey"
MINUTES_VALIDATION_SALT = "meetings.minutes_validation"
JOIN_SALT = "meetings.join"


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


def join_token_make(*, public_id: uuid.UUID) -> str:
    """The signed value of an online registrant's personal join link: their registration's public id.

    Not the manage link's secret: whoever is forwarded the join link can join, not change the registration.
    """
    return signing.dumps(str(public_id), salt=JOIN_SALT)


def join_token_read(*, token: str) -> uuid.UUID | None:
    """The registration a join link was made for, or None if the link is forged or damaged."""
    try:
        value = signing.loads(token, salt=JOIN_SALT)
        return uuid.UUID(value) if isinstance(value, str) else None
    except (signing.BadSignature, ValueError):
        return None


def minutes_validation_token_make(*, version_id: int, contact_id: int) -> str:
    """The signed value of the personal link a CRT validator gets for one version of the minutes."""
    return signing.dumps({"v": version_id, "c": contact_id}, salt=MINUTES_VALIDATION_SALT)


@dataclass(frozen=True)
class MinutesValidationLink:
    """What a validation link says: for which version and which validator, and whether it is still valid.

    A genuine link past its days keeps its ids (its signature holds), so the page can say what it was for;
    a forged or damaged one has none.
    """

    version_id: int | None = None
    contact_id: int | None = None
    expired: bool = False

    @property
    def valid(self) -> bool:
        return self.version_id is not None and not self.expired


def _ids(data) -> tuple[int, int] | None:
    if not isinstance(data, dict) or not all(type(data.get(key)) is int for key in ("v", "c")):
        return None
    return data["v"], data["c"]


def minutes_validation_token_read(*, token: str) -> MinutesValidationLink:
    """The version and validator of a validation link, valid for MINUTES_VALIDATION_LINK_DAYS days."""
    max_age = settings.MINUTES_VALIDATION_LINK_DAYS * 24 * 3600
    expired = False
    try:
        data = signing.loads(token, salt=MINUTES_VALIDATION_SALT, max_age=max_age)
    except signing.SignatureExpired:
        expired, data = True, signing.loads(token, salt=MINUTES_VALIDATION_SALT)
    except signing.BadSignature:
        return MinutesValidationLink()
    ids = _ids(data)
    if ids is None:
        return MinutesValidationLink()
    return MinutesValidationLink(version_id=ids[0], contact_id=ids[1], expired=expired)
