"""Messages to many people at once: invitations, reminders and follow-ups (writes, like services)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.text import local_moment
from meetings import drafts as content
from meetings.models import Meeting, MeetingFollowUp, Minutes, Registration, RegistrationState, Reminder
from meetings.selectors.meeting import meeting_public_decisions
from meetings.selectors.registration import registration_seats_taken
from messaging.models import OutboundMessage
from messaging.services import message_render, messages_queue
from regions.models import Contact

Kind = OutboundMessage.Kind
# Statuses of a meeting that still takes place at its (possibly new) date.
UPCOMING = (Meeting.Status.PUBLISHED, Meeting.Status.POSTPONED)
# A meeting marked held later than this gets no follow-up: it would arrive out of context.
FOLLOW_UP_WINDOW = timedelta(days=30)


# What a person following an invitation would find: anything else is a page saying they cannot register.
INVITATION_LANDINGS = (RegistrationState.OPEN, RegistrationState.WAITLIST, RegistrationState.INVITATION_ONLY)


def invitations_problem(*, meeting: Meeting, send_after: datetime | None = None) -> ValidationError | None:
    """Why invitations for `meeting` sent at `send_after` (or now) would lead nowhere, or None."""
    if meeting.status not in UPCOMING or meeting.starts_at <= timezone.now():
        return ValidationError(_("Seule une rencontre publiée et à venir peut recevoir des invitations."))
    if send_after is not None and send_after >= meeting.starts_at:
        return ValidationError({"send_after": _("Les invitations doivent partir avant le début de la rencontre.")})
    arrival = send_after or timezone.now()
    state = meeting.registration_state(seats_taken=registration_seats_taken(meeting_id=meeting.pk), now=arrival)
    if state == RegistrationState.NOT_YET_OPEN:
        return ValidationError(
            _(
                "Les inscriptions n'ouvrent que le %(opens)s : programmez les invitations à partir de cette date, "
                "ou avancez l'ouverture des inscriptions."
            )
            % {"opens": local_moment(meeting.registration_opens_at)}
        )
    if state not in INVITATION_LANDINGS:
        return ValidationError(
            _("Les invitations mèneraient à une page où l'on ne peut pas s'inscrire (%(state)s).")
            % {"state": state.label}
        )
    return None


def _invitation_drafts(meeting: Meeting, contacts, *, send_after: datetime | None) -> list:
    return [
        content.contact_draft(
            contact,
            meeting,
            kind=Kind.INVITATION,
            key=f"invitation:{meeting.pk}:{contact.pk}",
            send_after=send_after,
            bulk=True,
        )
        for contact in contacts
    ]


def _contacts_to_invite(meeting: Meeting):
    return Contact.objects.filter(region_id=meeting.region_id, invite=True).order_by("pk")


@dataclass
class InvitationsPreview:
    """What staff see before invitations go out: who gets one, what it says, and whether it can go."""

    recipients: list[Contact]
    already_invited: set[int]
    subject: str
    text: str
    problem: ValidationError | None


def invitations_preview(*, meeting: Meeting) -> InvitationsPreview:
    recipients = list(_contacts_to_invite(meeting))
    keys = {f"invitation:{meeting.pk}:{contact.pk}": contact.pk for contact in recipients}
    sent = OutboundMessage.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True)
    subject = text = ""
    if recipients:
        # The message as the first recipient will read it, in their language.
        draft = _invitation_drafts(meeting, recipients[:1], send_after=None)[0]
        subject, text, _html = message_render(template=draft.template, context=draft.context, language=draft.language)
    return InvitationsPreview(
        recipients=recipients,
        already_invited={keys[key] for key in sent},
        subject=subject,
        text=text,
        problem=invitations_problem(meeting=meeting),
    )


@transaction.atomic
def invitations_send(*, meeting_id: int, send_after: datetime | None = None) -> int:
    """Invite every contact of the meeting's region marked `invite`; returns how many are new.

    Each contact is invited once per meeting whatever the number of calls (idempotency key).
    With `send_after`, the sweep sends them when due: it must fall before the meeting starts, and
    registration must be possible when they arrive.
    """
    meeting = Meeting.objects.select_for_update().select_related("region").get(pk=meeting_id)
    problem = invitations_problem(meeting=meeting, send_after=send_after)
    if problem is not None:
        raise problem
    return len(messages_queue(drafts=_invitation_drafts(meeting, _contacts_to_invite(meeting), send_after=send_after)))


def reminders_due(*, now: datetime) -> list[Reminder]:
    """Reminders due and not yet sent, of meetings still ahead (never "date equals today")."""
    pending = Reminder.objects.filter(
        sent_at__isnull=True, meeting__status__in=UPCOMING, meeting__starts_at__gt=now
    ).select_related("meeting")
    return [reminder for reminder in pending if reminder.due_at(starts_at=reminder.meeting.starts_at) <= now]


def _reminder_drafts(reminder: Reminder, meeting: Meeting) -> list:
    registrations = Registration.objects.filter(meeting=meeting, status=Registration.Status.CONFIRMED)
    drafts = [
        content.registration_draft(
            registration,
            kind=Kind.REMINDER,
            key=f"reminder:{reminder.pk}:{meeting.sequence}:r{registration.pk}",
            bulk=True,
        )
        for registration in registrations.select_related("meeting__region")
    ]
    if reminder.include_invited:
        active_emails = Registration.objects.filter(meeting=meeting, status__in=Registration.ACTIVE_STATUSES).values(
            "email"
        )
        invited = (
            Contact.objects.filter(messages__meeting=meeting, messages__kind=Kind.INVITATION)
            .exclude(email__in=active_emails)
            .distinct()
        )
        drafts += [
            content.contact_draft(
                contact,
                meeting,
                kind=Kind.REMINDER,
                template="reminder_invited",
                key=f"reminder:{reminder.pk}:{meeting.sequence}:c{contact.pk}",
                bulk=True,
            )
            for contact in invited
        ]
    return drafts


def reminders_send_due(*, now: datetime | None = None) -> int:
    """Queue the messages of every due reminder, each reminder once; returns how many reminders."""
    now = now or timezone.now()
    done = 0
    for candidate in reminders_due(now=now):
        with transaction.atomic():
            reminder = (
                Reminder.objects.select_for_update(skip_locked=True)
                .filter(pk=candidate.pk, sent_at__isnull=True)
                .first()
            )
            if reminder is None:
                continue
            meeting = Meeting.objects.select_related("region").get(pk=reminder.meeting_id)
            messages_queue(drafts=_reminder_drafts(reminder, meeting))
            reminder.sent_at = now
            reminder.save(update_fields=["sent_at", "updated_at"])
            done += 1
    return done


@transaction.atomic
def reminders_rearm(*, meeting: Meeting) -> int:
    """After a move, reminders due after now at the new date are sent again (at that date)."""
    now = timezone.now()
    rearmed = [
        reminder.pk
        for reminder in Reminder.objects.filter(meeting=meeting, sent_at__isnull=False)
        if reminder.due_at(starts_at=meeting.starts_at) > now
    ]
    return Reminder.objects.filter(pk__in=rearmed).update(sent_at=None, updated_at=now)


@transaction.atomic
def reminders_create_defaults(*, meeting: Meeting) -> list[Reminder]:
    """The default reminders: two days before, and at 08:00 (Casablanca) on the day."""
    return [
        Reminder.objects.get_or_create(meeting=meeting, offset=Reminder.DEFAULT_OFFSET, local_time=None)[0],
        Reminder.objects.get_or_create(
            meeting=meeting, offset=None, days_before=0, local_time=Reminder.DEFAULT_MORNING
        )[0],
    ]


def follow_ups_send(*, now: datetime | None = None) -> int:
    """Queue the follow-up of every meeting recently marked held, once; returns how many meetings.

    The follow-up lists what the meeting decided: it waits for the CRT to co-sign the minutes, and at
    most MEETINGS_FOLLOW_UP_DELAY_HOURS after the meeting's end (minutes still unsigned, or none kept).
    """
    now = now or timezone.now()
    outcomes_known = Q(minutes__status=Minutes.Status.VALIDATED) | Q(
        ends_at__lte=now - timedelta(hours=settings.MEETINGS_FOLLOW_UP_DELAY_HOURS)
    )
    meetings = Meeting.objects.filter(
        outcomes_known, status=Meeting.Status.HELD, follow_up__isnull=True, ends_at__gte=now - FOLLOW_UP_WINDOW
    ).select_related("region")
    done = 0
    for meeting in meetings:
        with transaction.atomic():
            _follow_up, created = MeetingFollowUp.objects.get_or_create(meeting=meeting, defaults={"queued_at": now})
            if not created:
                continue
            messages_queue(drafts=_follow_up_drafts(meeting))
            done += 1
    return done


def _follow_up_drafts(meeting: Meeting) -> list:
    kinds = {Registration.Status.ATTENDED: Kind.FOLLOW_UP, Registration.Status.CONFIRMED: Kind.FOLLOW_UP_ABSENT}
    registrations = Registration.objects.filter(meeting=meeting, status__in=kinds).select_related("meeting__region")
    decisions = meeting_public_decisions(meeting=meeting)
    drafts = [
        content.registration_draft(
            registration,
            kind=kinds[registration.status],
            key=f"follow_up:{meeting.pk}:{registration.pk}",
            decisions=decisions,
            bulk=True,
        )
        for registration in registrations
    ]
    crt = Contact.objects.filter(region_id=meeting.region_id, kind=Contact.Kind.CRT_MEMBER)
    drafts += [
        content.contact_draft(
            contact, meeting, kind=Kind.ROADMAP_REVIEW, key=f"roadmap_review:{meeting.pk}:{contact.pk}", bulk=True
        )
        for contact in crt
    ]
    return drafts
