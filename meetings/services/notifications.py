"""What the meetings' services call to e-mail registrants; each call queues OutboundMessage rows.

Callers use these inside the transaction that makes the change, so the message is
stored with it and sent after commit (see messaging.services.messages_queue).
"""

from meetings import drafts as content
from meetings.models import Registration
from messaging.models import OutboundMessage
from messaging.services import messages_queue, messages_render, messages_store, messages_withdraw

Kind = OutboundMessage.Kind


def _confirmation_draft(registration, *, key: str):
    """Confirmation with the meeting's .ics and the personal manage link."""
    return content.registration_draft(registration, kind=Kind.CONFIRMATION, key=key, attach_calendar=True)


def _waitlisted_draft(registration, *, key: str):
    """The person is on the waiting list; their manage link shows their current position."""
    return content.registration_draft(registration, kind=Kind.WAITLISTED, key=key)


def notify_registration_confirmed(*, registration) -> None:
    messages_queue(drafts=[_confirmation_draft(registration, key=f"confirmation:{registration.pk}")])


def notify_mode_switched(*, registration, now) -> None:
    """A new confirmation once the person moved to the other mode: their way in (venue or join link) changed."""
    key = f"confirmation:{registration.pk}:{registration.mode}:{now.isoformat()}"
    messages_queue(drafts=[_confirmation_draft(registration, key=key)])


def registration_welcome_render(*, registration) -> OutboundMessage:
    """The confirmation of a new registration, or its waiting-list message, as its status says, not stored.

    Rendered before the registration is stored, and before its meeting is locked; its key, which names
    the registration's row, is set when it is stored (registration_welcome_store).
    """
    if registration.status == Registration.Status.CONFIRMED:
        draft = _confirmation_draft(registration, key="")
    else:
        draft = _waitlisted_draft(registration, key="")
    [message] = messages_render(drafts=[draft])
    return message


def registration_welcome_store(*, registration, message: OutboundMessage) -> None:
    """Store the message registration_welcome_render made, once the registration is stored."""
    kind = "confirmation" if message.kind == Kind.CONFIRMATION else "waitlisted"
    message.idempotency_key = f"{kind}:{registration.pk}"
    message.registration = registration
    messages_store(rows=[message])


def registration_welcome_replace(*, registration, stored: OutboundMessage) -> None:
    """The welcome stored for a registration whose status (or meeting) its count set right, in the same
    transaction, gives way to the one that says so."""
    messages_withdraw(message_ids=[stored.pk])
    welcome = registration_welcome_render(registration=registration)
    registration_welcome_store(registration=registration, message=welcome)


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
    """Staff moved the meeting: every active registrant is told, with an updated .ics."""
    _notify_registrants(meeting, kind=Kind.MEETING_POSTPONED)
