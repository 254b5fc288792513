"""What the rest of the portal calls to e-mail people; each call queues OutboundMessage rows.

Callers use these inside the transaction that makes the change, so the message is
stored with it and sent after commit (see messaging.services.messages_queue).
"""

from django.core import signing

from meetings.models import Registration
from messaging import campaigns, content
from messaging.models import OutboundMessage
from messaging.services import messages_queue

INVITATION_SALT = "meetings.invitation"
Kind = OutboundMessage.Kind


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


def notify_registration_confirmed(*, registration) -> None:
    """Confirmation with the meeting's .ics and the personal manage link."""
    messages_queue(
        drafts=[
            content.registration_draft(
                registration, kind=Kind.CONFIRMATION, key=f"confirmation:{registration.pk}", attach_calendar=True
            )
        ]
    )


def notify_registration_waitlisted(*, registration) -> None:
    """The person is on the waiting list; their manage link shows their current position."""
    messages_queue(
        drafts=[content.registration_draft(registration, kind=Kind.WAITLISTED, key=f"waitlisted:{registration.pk}")]
    )


def notify_manage_link(*, registration) -> None:
    """A fresh manage link, when the same e-mail registers again for the same meeting."""
    messages_queue(
        drafts=[
            content.registration_draft(registration, kind=Kind.MANAGE_LINK, key=content.manage_link_key(registration))
        ]
    )


def notify_seat_offered(*, registration) -> None:
    """A freed seat is held for a waitlisted person until registration.offer_expires_at."""
    expires = registration.offer_expires_at.isoformat() if registration.offer_expires_at else ""
    messages_queue(
        drafts=[
            content.registration_draft(
                registration, kind=Kind.SEAT_OFFER, key=f"seat_offer:{registration.pk}:{expires}"
            )
        ]
    )


def notify_registration_cancelled(*, registration) -> None:
    """The person cancelled (or left the waiting list)."""
    messages_queue(
        drafts=[content.registration_draft(registration, kind=Kind.CANCELLATION, key=f"cancellation:{registration.pk}")]
    )


def _notify_registrants(meeting, *, kind: str) -> None:
    registrations = Registration.objects.filter(
        meeting=meeting, status__in=Registration.ACTIVE_STATUSES
    ).select_related("meeting__region")
    messages_queue(
        drafts=[
            content.registration_draft(
                registration,
                kind=kind,
                # The sequence tells a second move of the same meeting apart from a repeat of the first.
                key=f"{kind}:{meeting.pk}:{meeting.sequence}:{registration.pk}",
                attach_calendar=True,
            )
            for registration in registrations
        ]
    )


def notify_meeting_cancelled(*, meeting) -> None:
    """Staff cancelled the meeting: every active registrant is told, with a cancelling .ics."""
    _notify_registrants(meeting, kind=Kind.MEETING_CANCELLED)


def notify_meeting_postponed(*, meeting) -> None:
    """Staff moved the meeting: every active registrant is told, with an updated .ics.

    Reminders already sent for the old date are due again for the new one.
    """
    _notify_registrants(meeting, kind=Kind.MEETING_POSTPONED)
    campaigns.reminders_rearm(meeting=meeting)
