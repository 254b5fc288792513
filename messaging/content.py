"""What each kind of message says to whom: drafts with their template, context, links and key."""

from messaging.links import absolute_url
from messaging.models import OutboundMessage
from messaging.services import MessageDraft, secret_fingerprint, survey_token_make

Kind = OutboundMessage.Kind


def _meeting_context(meeting) -> dict:
    return {"meeting": meeting, "region": meeting.region, "meeting_url": absolute_url("meetings:detail", meeting.slug)}


def registration_draft(registration, *, kind: str, key: str, template: str | None = None, **options) -> MessageDraft:
    """A message to a registrant, with their personal manage link."""
    meeting = registration.meeting
    secret_args = (registration.public_id, registration.manage_secret)
    context = {
        **_meeting_context(meeting),
        "registration": registration,
        "recipient": " ".join(registration.full_name.split()),
        "manage_url": absolute_url("registrations:manage", *secret_args),
    }
    if kind == Kind.SEAT_OFFER:
        context["accept_url"] = absolute_url("registrations:accept_offer", *secret_args)
        context["decline_url"] = absolute_url("registrations:decline_offer", *secret_args)
    if kind in (Kind.FOLLOW_UP, Kind.FOLLOW_UP_ABSENT):
        # Professionals have no login: the public summary, not the officials' roadmap page.
        context["roadmap_url"] = absolute_url("regions:roadmap_summary", meeting.region.slug)
        context["survey_url"] = absolute_url("messaging:survey", survey_token_make(registration_id=registration.pk))
    return MessageDraft(
        kind=kind,
        idempotency_key=key,
        recipient_email=registration.email,
        recipient_name=registration.full_name,
        language=registration.language,
        template=template or kind,
        context=context,
        meeting=meeting,
        registration=registration,
        **options,
    )


def contact_draft(contact, meeting, *, kind: str, key: str, template: str | None = None, **options) -> MessageDraft:
    """A message to a CRT or association contact, with their personal registration link."""
    from messaging.notifications import invitation_token_make

    context = {
        **_meeting_context(meeting),
        "contact": contact,
        "recipient": " ".join(contact.full_name.split()),
        "invitation_url": absolute_url(
            "registrations:register",
            meeting.slug,
            query={"invitation": invitation_token_make(contact_id=contact.pk, meeting_id=meeting.pk)},
        ),
        "roadmap_url": absolute_url("roadmap:region", meeting.region.slug),
    }
    return MessageDraft(
        kind=kind,
        idempotency_key=key,
        recipient_email=contact.email,
        recipient_name=contact.full_name,
        language=contact.language,
        template=template or kind,
        context=context,
        meeting=meeting,
        contact=contact,
        **options,
    )


def manage_link_key(registration) -> str:
    return f"manage_link:{registration.pk}:{secret_fingerprint(registration.manage_secret)}"
