"""Reads of the consultation before a meeting: a person's answer by its link, the answers staff read, and the
aggregate (counts of each choice), whole for staff, with small groups suppressed for the public."""

import hmac
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils.module_loading import import_string

from meetings.models import ConsultationAnswer, Meeting
from meetings.selectors.registration import registration_retention_cutoff
from plan.models import Market, ProductLine

# No figure about fewer people than this is published: a count below it is not shown, and nothing at all is
# while fewer have answered (people of a small region could otherwise be recognised).
MIN_GROUP = 5

Obstacle = ConsultationAnswer.Obstacle


def consultation_answer_for_link(
    *, public_id: uuid.UUID, secret: str, now: datetime | None = None
) -> ConsultationAnswer | None:
    """The answer a personal consultation link points to, or None when the link is not (or no longer) valid.

    The secret is compared in constant time; erasure replaces it; the link expires with the retention period.
    """
    answer = (
        ConsultationAnswer.objects.select_related("meeting__region")
        .prefetch_related("markets")
        .filter(public_id=public_id)
        .first()
    )
    if answer is None or not hmac.compare_digest(answer.secret.encode(), secret.encode()):
        return None
    if answer.erased_at is not None or answer.meeting.ends_at < registration_retention_cutoff(now=now):
        return None
    return answer


@dataclass(frozen=True)
class ChoiceCount:
    """How many answers chose one option."""

    key: str
    label: str
    count: int


@dataclass
class ConsultationAggregate:
    """What the answers of one meeting, or of a region's meetings, chose: counts only, never who."""

    answered: int
    markets: list[ChoiceCount] = field(default_factory=list)
    product_lines: list[ChoiceCount] = field(default_factory=list)
    obstacles: list[ChoiceCount] = field(default_factory=list)

    @property
    def sections(self) -> list[tuple[str, list[ChoiceCount]]]:
        return [("markets", self.markets), ("product_lines", self.product_lines), ("obstacles", self.obstacles)]


def _answered(answers: QuerySet) -> QuerySet:
    return answers.filter(answered_at__isnull=False)


def _counts(pairs, counter: Counter, *, suppress: bool) -> list[ChoiceCount]:
    """The options chosen, most chosen first; with `suppress`, those chosen by fewer than MIN_GROUP left out."""
    floor = MIN_GROUP if suppress else 1
    rows = [ChoiceCount(key=key, label=str(label), count=counter[key]) for key, label in pairs if counter[key] >= floor]
    return sorted(rows, key=lambda row: -row.count)


def consultation_aggregate(*, answers: QuerySet, public: bool = False) -> ConsultationAggregate | None:
    """The counts of each market, product line and obstacle chosen in `answers` (answered ones), in 2 queries.

    `public`: None while fewer than MIN_GROUP answered, and each option chosen by fewer than MIN_GROUP left out.
    """
    answered = _answered(answers)
    choices = list(answered.values_list("product_lines", "obstacles"))
    if public and len(choices) < MIN_GROUP:
        return None
    product_lines = Counter(key for lines, _obstacles in choices for key in lines)
    obstacles = Counter(key for _lines, chosen in choices for key in chosen)
    markets = Market.objects.annotate(
        chosen=Count("consultation_answers", filter=Q(consultation_answers__in=answered))
    ).filter(chosen__gt=0)
    market_counter = Counter({str(market.pk): market.chosen for market in markets})
    return ConsultationAggregate(
        answered=len(choices),
        markets=_counts([(str(market.pk), market.name) for market in markets], market_counter, suppress=public),
        product_lines=_counts(ProductLine.choices, product_lines, suppress=public),
        obstacles=_counts(Obstacle.choices, obstacles, suppress=public),
    )


def consultation_meeting_aggregate(*, meeting: Meeting, public: bool = False) -> ConsultationAggregate | None:
    return consultation_aggregate(answers=ConsultationAnswer.objects.filter(meeting=meeting), public=public)


def consultation_public_aggregate(*, meeting: Meeting) -> ConsultationAggregate | None:
    """What the meeting's public page shows once the meeting is held; None before, or with too few answers."""
    if meeting.status != Meeting.Status.HELD:
        return None
    return consultation_meeting_aggregate(meeting=meeting, public=True)


def consultation_answers_for_staff(*, answers: QuerySet) -> list[ConsultationAnswer]:
    """The answers given, with their markets, for staff to read (names and free text): 2 queries whatever their
    number."""
    return list(
        _answered(answers)
        .select_related("meeting__region")
        .prefetch_related("markets")
        .order_by("meeting__starts_at", "answered_at", "pk")
    )


def consultation_sent_count(*, answers: QuerySet) -> int:
    return answers.count()


def consultation_proposal_outcomes(*, answers: list[ConsultationAnswer]) -> dict[int, list]:
    """What became of the proposals of these answers, per answer id: the roadmap items staff linked them to.

    The roadmap app, a floor above, knows the items: settings.MEETINGS_PROPOSAL_OUTCOMES names its callable taking
    `answer_ids=` and returning, per answer id, its outcomes (title, status, its label, when it last changed).
    """
    ids = [answer.pk for answer in answers if answer.proposal]
    return import_string(settings.MEETINGS_PROPOSAL_OUTCOMES)(answer_ids=ids) if ids else {}


def consultation_answers_of_registration(*, registration) -> list[ConsultationAnswer]:
    """A registrant's answers (one per meeting they were consulted for), for their personal page."""
    return list(
        ConsultationAnswer.objects.filter(registration=registration, erased_at__isnull=True).select_related("meeting")
    )
