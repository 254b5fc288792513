"""What each kind of message about a meeting says to whom: drafts with their template, context, links and key."""

from collections.abc import Sequence

from meetings.tokens import invitation_token_make, survey_token_make
from messaging.links import absolute_url
from messaging.models import OutboundMessage
from messaging.services import MessageDraft, secret_fingerprint

Kind = OutboundMessage.Kind


def _draft(person, meeting, *, kind: str, key: str, template: str | None, context: dict, **fields) -> MessageDraft:
    """A message about `meeting` to `person` (a registration or a contact), in their language."""
    return MessageDraft(
        kind=kind,
        idempotency_key=key,
        recipient_email=person.email,
        recipient_name=person.full_name,
        language=person.language,
        template=template or kind,
        context={
            "meeting": meeting,
            "region": meeting.region,
            "meeting_url": absolute_url("meetings:detail", meeting.slug),
            "recipient": " ".join(person.full_name.split()),
            **context,
        },
        meeting=meeting,
        **fields,
    )


def registration_draft(
    registration, *, kind: str, key: str, template: str | None = None, decisions: Sequence[str] = (), **options
) -> MessageDraft:
    """A message to a registrant, with their personal manage link; an attendee's follow-up lists `decisions`
    (the titles of the meeting's public decisions)."""
    meeting = registration.meeting
    secret_args = (registration.public_id, registration.manage_secret)
    context = {"registration": registration, "manage_url": absolute_url("registrations:manage", *secret_args)}
    if kind == Kind.SEAT_OFFER:
        context["accept_url"] = absolute_url("registrations:accept_offer", *secret_args)
        context["decline_url"] = absolute_url("registrations:decline_offer", *secret_args)
    if kind in (Kind.FOLLOW_UP, Kind.FOLLOW_UP_ABSENT):
        # Professionals have no login: the public summary, not the officials' roadmap page.
        context["roadmap_url"] = absolute_url("regions:roadmap_summary", meeting.region.slug)
        context["survey_url"] = absolute_url("meetings:survey", survey_token_make(registration_id=registration.pk))
    if kind == Kind.FOLLOW_UP:
        context["decisions"] = list(decisions)
    return _draft(
        registration,
        meeting,
        kind=kind,
        key=key,
        template=template,
        context=context,
        registration=registration,
        **options,
    )


def contact_draft(contact, meeting, *, kind: str, key: str, template: str | None = None, **options) -> MessageDraft:
    """A message to a CRT or association contact, with their personal registration link."""
    context = {
        "contact": contact,
        "invitation_url": absolute_url(
            "registrations:register",
            meeting.slug,
            query={"invitation": invitation_token_make(contact_id=contact.pk, meeting_id=meeting.pk)},
        ),
        "roadmap_url": absolute_url("roadmap:region", meeting.region.slug),
    }
    return _draft(contact, meeting, kind=kind, key=key, template=template, context=context, contact=contact, **options)


def manage_link_key(registration) -> str:
    return f"manage_link:{registration.pk}:{secret_fingerprint(registration.manage_secret)}"
