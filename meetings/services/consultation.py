"""The consultation before a meeting: sent to its registrants and invited contacts, answered through a personal
link until the meeting starts, erased with the person (law 09-08).

Locks, in this order: the answer's row (an answer being saved or erased), then the outbox's rows (their unique
keys). The sweep locks nothing: the one-answer-per-person constraint and the messages' keys make two runs at once
store each answer and each message once.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import ERASED_EMAIL_DOMAIN
from core.page_cache import pages_changed
from meetings import drafts as content
from meetings.drafts import proposal_outcome_key_prefix
from meetings.models import ConsultationAnswer, Meeting, Registration, new_manage_secret
from meetings.page_scopes import meeting_page_scope
from meetings.selectors.registration import registration_retention_cutoff
from messaging.models import OutboundMessage
from messaging.services import messages_forget_keys, messages_queue
from regions.models import Contact

# The consent text's version, stored with each answer: a new wording of consultation_form.html gets a new one.
CONSENT_VERSION = "2026-11-30"
# Statuses of a meeting that still takes place at its (possibly new) date.
UPCOMING = (Meeting.Status.PUBLISHED, Meeting.Status.POSTPONED)


class ConsultationRefused(Exception):
    """The answer cannot be saved: the meeting started, the link was erased, or another tab saved first."""

    def __init__(self, message: str, *, stale: bool = False):
        super().__init__(message)
        self.message = message
        self.stale = stale


def consultation_meetings_due(*, now: datetime) -> list[Meeting]:
    """Meetings whose consultation is due: still ahead, starting within MEETINGS_CONSULTATION_DAYS_BEFORE days."""
    horizon = now + timedelta(days=settings.MEETINGS_CONSULTATION_DAYS_BEFORE)
    return list(
        Meeting.objects.filter(status__in=UPCOMING, starts_at__gt=now, starts_at__lte=horizon).select_related("region")
    )


def _people(meeting: Meeting) -> list[ConsultationAnswer]:
    """One unsaved answer per e-mail: the active registrants, then the invited contacts who did not register."""
    registrations = Registration.objects.filter(meeting=meeting, status__in=Registration.ACTIVE_STATUSES).exclude(
        email=""
    )
    people = {
        registration.email.lower(): ConsultationAnswer(
            meeting=meeting,
            registration=registration,
            full_name=registration.full_name,
            email=registration.email,
            language=registration.language,
        )
        for registration in registrations.order_by("created_at")
    }
    invited = Contact.objects.filter(
        messages__meeting=meeting, messages__kind=OutboundMessage.Kind.INVITATION
    ).distinct()
    for contact in invited.order_by("pk"):
        people.setdefault(
            contact.email.lower(),
            ConsultationAnswer(
                meeting=meeting,
                contact=contact,
                full_name=contact.full_name,
                email=contact.email,
                language=contact.language,
            ),
        )
    return list(people.values())


def consultations_send_due(*, now: datetime | None = None) -> int:
    """Send the consultation of every meeting due to each person not sent it yet; returns how many were queued.

    Safe to run again, and twice at once: an answer row per person (unique per meeting and e-mail) and a message
    per answer (its idempotency key). People who register after the first run get it at the next.
    """
    now = now or timezone.now()
    queued = 0
    for meeting in consultation_meetings_due(now=now):
        with transaction.atomic():
            ConsultationAnswer.objects.bulk_create(_people(meeting), ignore_conflicts=True)
            answers = ConsultationAnswer.objects.filter(meeting=meeting, erased_at__isnull=True).select_related(
                "registration", "contact"
            )
            queued += len(messages_queue(drafts=[content.consultation_draft(answer, meeting) for answer in answers]))
    return queued


def _answer_locked(answer_id: int) -> ConsultationAnswer:
    return ConsultationAnswer.objects.select_for_update().select_related("meeting").get(pk=answer_id)


@transaction.atomic
def consultation_answer_save(
    *,
    answer_id: int,
    version: int,
    markets: Iterable,
    product_lines: list[str],
    obstacles: list[str],
    obstacle_other: str,
    proposal: str,
    now: datetime | None = None,
) -> ConsultationAnswer:
    """Record (or change) a person's answer, with their consent to this text's version, until the meeting starts.

    `version` is the one the person's page was opened with: a save from another tab meanwhile is refused
    (`ConsultationRefused.stale`), never silently overwritten.
    """
    now = now or timezone.now()
    answer = _answer_locked(answer_id)
    if answer.erased_at is not None:
        raise ConsultationRefused(_("Cette réponse a été effacée."))
    if answer.meeting.starts_at <= now or answer.meeting.status not in UPCOMING:
        raise ConsultationRefused(_("La rencontre a commencé : la consultation est close."))
    if version != answer.version:
        raise ConsultationRefused(
            _("Votre réponse a été modifiée depuis l'ouverture de cette page (dans un autre onglet ?)."), stale=True
        )
    answer.product_lines = list(dict.fromkeys(product_lines))
    answer.obstacles = list(dict.fromkeys(obstacles))
    answer.obstacle_other = obstacle_other.strip() if ConsultationAnswer.Obstacle.OTHER in obstacles else ""
    answer.proposal = proposal.strip()
    answer.consent_at, answer.consent_version = now, CONSENT_VERSION
    answer.answered_at = answer.answered_at or now
    answer.version += 1
    answer.save()
    answer.markets.set(markets)
    pages_changed(meeting_page_scope(answer.meeting.slug))
    return answer


def _anonymise(answers: Iterable[ConsultationAnswer], *, now: datetime) -> int:
    """Drop the person and their words; the choices stay, anonymous, for the counts (law 09-08)."""
    answers = list(answers)
    for answer in answers:
        answer.full_name = answer.obstacle_other = answer.proposal = ""
        answer.email = f"efface-{answer.public_id}{ERASED_EMAIL_DOMAIN}"
        answer.registration = answer.contact = None
        answer.secret = new_manage_secret()
        answer.outcome_emails = False
        answer.erased_at = answer.updated_at = now
    fields = ["full_name", "obstacle_other", "proposal", "email", "registration", "contact", "secret"]
    ConsultationAnswer.objects.bulk_update(answers, [*fields, "outcome_emails", "erased_at", "updated_at"])
    # The consultation and the outcomes of the proposals were sent with the person's name, words and link.
    messages_forget_keys(
        keys=[content.consultation_key(answer) for answer in answers],
        key_prefixes=[proposal_outcome_key_prefix(answer.pk) for answer in answers],
    )
    return len(answers)


def consultation_answers_anonymise(*, registration_ids: Iterable[int]) -> int:
    """Erase the answers of these registrations (the register of personal data calls it)."""
    answers = ConsultationAnswer.objects.select_for_update().filter(
        registration_id__in=list(registration_ids), erased_at__isnull=True
    )
    return _anonymise(answers, now=timezone.now())


@transaction.atomic
def consultation_answer_erase(*, answer_id: int) -> ConsultationAnswer:
    """Erase one answer at its author's request (from its personal link): its link stops working."""
    answer = _answer_locked(answer_id)
    if answer.erased_at is None:
        _anonymise([answer], now=timezone.now())
        pages_changed(meeting_page_scope(answer.meeting.slug))
    return answer


def consultation_answers_purge_expired(*, now: datetime | None = None) -> int:
    """Erase the answers of meetings past the retention period (REGISTRATION_RETENTION_DAYS), as the registrations;
    those of invited contacts too, who have no registration. Safe to run again; one transaction per meeting.
    Returns how many were erased."""
    now = now or timezone.now()
    expired = ConsultationAnswer.objects.filter(
        meeting__ends_at__lt=registration_retention_cutoff(now=now), erased_at__isnull=True
    )
    erased = 0
    for meeting_id in sorted(set(expired.values_list("meeting_id", flat=True))):
        with transaction.atomic():
            erased += _anonymise(expired.filter(meeting_id=meeting_id).select_for_update(), now=now)
    return erased
