"""What the rest of the portal calls to e-mail people; each call queues OutboundMessage rows.

Callers use these inside the transaction that makes the change, so the message is
stored with it and sent after commit (see messaging.services.message_queue).
"""

from django.core import signing

INVITATION_SALT = "meetings.invitation"


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


# The functions below are the messaging issue's to fill in (issue 6); the meetings
# and registration code already calls them at the right places.


def notify_registration_confirmed(*, registration) -> None:
    """Confirmation with the meeting's .ics and the personal manage link."""


def notify_registration_waitlisted(*, registration) -> None:
    """The person is on the waiting list, with their position and manage link."""


def notify_manage_link(*, registration) -> None:
    """A fresh manage link, when the same e-mail registers again for the same meeting."""


def notify_seat_offered(*, registration) -> None:
    """A freed seat is held for a waitlisted person until registration.offer_expires_at."""


def notify_registration_cancelled(*, registration) -> None:
    """The person cancelled (or left the waiting list)."""


def notify_meeting_cancelled(*, meeting) -> None:
    """Staff cancelled the meeting: every active registrant is told, with a cancelling .ics."""


def notify_meeting_postponed(*, meeting) -> None:
    """Staff moved the meeting: every active registrant is told, with an updated .ics."""
