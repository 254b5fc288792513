"""What each kind of message about a meeting says to whom: drafts with their template, context, links and key."""

from collections.abc import Sequence

from django.conf import settings

from meetings.models import AttendanceMode
from meetings.tokens import invitation_token_make, join_token_make, minutes_validation_token_make, survey_token_make
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
    if registration.mode == AttendanceMode.ONLINE:
        # In place of the venue and the check-in code: the way in is this link.
        context["join_url"] = join_url(registration)
    if kind == Kind.SEAT_OFFER:
        context["accept_url"] = absolute_url("registrations:accept_offer", *secret_args)
        context["decline_url"] = absolute_url("registrations:decline_offer", *secret_args)
    if kind in (Kind.FOLLOW_UP, Kind.FOLLOW_UP_ABSENT):
        # Professionals have no login: the public summary, not the officials' roadmap page.
        context["roadmap_url"] = absolute_url("regions:roadmap_summary", meeting.region.slug)
        context["survey_url"] = absolute_url("meetings:survey", survey_token_make(registration_id=registration.pk))
    if kind == Kind.FOLLOW_UP:
        context["decisions"] = list(decisions)
    if kind in (Kind.FOLLOW_UP, Kind.FOLLOW_UP_ABSENT):
        context["recording_url"] = meeting.recording_url
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


def join_url(registration) -> str:
    """An online registrant's personal join link (absolute, for e-mails and their pages)."""
    return absolute_url("registrations:join", join_token_make(public_id=registration.public_id))


def manage_link_key(registration) -> str:
    return f"manage_link:{registration.pk}:{secret_fingerprint(registration.manage_secret)}"


def minutes_validated_draft(contact, minutes_version, *, attachment: str, attachment_filename: str) -> MessageDraft:
    """The validated minutes to a CRT contact, the PDF in their language attached (a file already stored)."""
    meeting = minutes_version.minutes.meeting
    return _draft(
        contact,
        meeting,
        kind=Kind.MINUTES_VALIDATED,
        key=f"minutes_validated:{minutes_version.pk}:{contact.pk}",
        template=None,
        context={
            "version": minutes_version,
            "validation": minutes_version.validation,
            "minutes_url": absolute_url("meetings:minutes_pdf", meeting.slug),
        },
        contact=contact,
        attachment=attachment,
        attachment_filename=attachment_filename,
    )


def minutes_validation_draft(version, *, contact, meeting) -> MessageDraft:
    """The request to co-sign a version of the minutes, with the validator's personal single-use link."""
    token = minutes_validation_token_make(version_id=version.pk, contact_id=contact.pk)
    context = {
        "version": version,
        "sign_url": absolute_url("meetings:minutes_sign", token),
        # A validator with a portal login may answer from their account as well.
        "review_url": absolute_url("meetings:minutes_review", meeting.slug) if contact.user_id else "",
        "link_days": settings.MINUTES_VALIDATION_LINK_DAYS,
    }
    key = f"minutes_validation:{version.pk}:{contact.pk}"
    return _draft(
        contact, meeting, kind=Kind.MINUTES_VALIDATION, key=key, template=None, context=context, contact=contact
    )


def minutes_answer_draft(validation, *, user, meeting) -> MessageDraft:
    """The CRT's answer on a version, told to a staff member (in the portal's language: staff have no other)."""
    name = " ".join((user.get_full_name() or user.get_username()).split())
    return MessageDraft(
        kind=Kind.MINUTES_ANSWER,
        idempotency_key=f"minutes_answer:{validation.pk}:{user.pk}",
        recipient_email=user.email,
        recipient_name=name,
        language=settings.LANGUAGE_CODE,
        template=Kind.MINUTES_ANSWER,
        context={
            "meeting": meeting,
            "region": meeting.region,
            "recipient": name,
            "validation": validation,
            "version": validation.version,
            "staff_url": absolute_url("meetings:minutes_validation", meeting.slug),
        },
        meeting=meeting,
    )


def consultation_draft(answer, meeting) -> MessageDraft:
    """The consultation before the meeting, to a registrant or an invited contact, with their personal link."""
    context = {
        "answer": answer,
        "consultation_url": absolute_url("meetings:consultation", answer.public_id, answer.secret),
    }
    return _draft(
        answer,
        meeting,
        kind=Kind.CONSULTATION,
        key=consultation_key(answer),
        template=None,
        context=context,
        registration=answer.registration,
        contact=answer.contact,
        bulk=True,
    )


def consultation_key(answer) -> str:
    return f"consultation:{answer.meeting_id}:{answer.pk}"


def proposal_outcome_key_prefix(answer_id: int) -> str:
    """The start of the keys of the e-mails telling an answer's author what became of their proposal (the
    roadmap app, which sends them, adds the item and its status)."""
    return f"proposal_outcome:{answer_id}:"
