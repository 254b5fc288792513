"""Demo roadmaps: the items that carry out what the held stops of the demo tour decided.

`load_demo_roadmaps()` is called by `load_demo_data` after the tour (meetings.demo), through the same
service staff use ("create the roadmap item" on a decision); a region whose meeting is ahead has no
roadmap yet. Items move on with the time since their meeting, so the older stops show progress, one
item done and one overdue. Each item gets budget lines (one spent beyond its commitment, to show the warning)
and one in two an indicator with weekly readings since its meeting. Safe to run twice.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from meetings.models import Decision
from regions.models import Contact
from roadmap.models import BudgetLine, Indicator, Reading, RoadmapItem
from roadmap.services import (
    roadmap_item_acknowledge,
    roadmap_item_from_decision,
    roadmap_item_part_save,
    roadmap_item_update,
)

Status = RoadmapItem.Status


def _progress(decision: Decision, index: int, today: datetime.date) -> tuple[str, int] | None:
    """Where an item stands a while after its meeting: nothing moves in the first week."""
    days = (today - timezone.localtime(decision.meeting.starts_at).date()).days
    if days < 7:
        return None
    if decision.due_on and decision.due_on < today:
        # Most deadlines met; one in two of those past is left overdue, so the pages show what that looks like.
        return (Status.DONE, 100) if index % 2 == 0 else (Status.IN_PROGRESS, 70)
    if index == len(decision.meeting.decisions.all()) - 1 and days > 20:
        return Status.BLOCKED, 10
    return Status.IN_PROGRESS, min(90, days * 2 + 10 * index)


@transaction.atomic
def load_demo_roadmaps() -> int:
    """Create the items of the decisions that have none yet; returns how many were created."""
    today = timezone.localdate()
    pending = (
        Decision.objects.filter(roadmap_item__isnull=True, meeting__status="held")
        .select_related("meeting__region")
        .prefetch_related("meeting__decisions")
        .order_by("meeting__starts_at", "pk")
    )
    created = []
    for decision in pending:
        item = roadmap_item_from_decision(actor=None, decision=decision)
        index = [d.pk for d in decision.meeting.decisions.all()].index(decision.pk)
        if len(created) % 2 == 0:
            # Before the item moves on: its progress follows the indicator from the start.
            _demo_indicator(item, len(created), today)
        progress = _progress(decision, index, today)
        if progress is not None:
            status, percent = progress
            item = roadmap_item_update(actor=None, item=item, data={"status": status, "progress": percent})
        created.append(item)
    for index, item in enumerate(created):
        _demo_budget(item, index, overspent=index == 1)
    for item in created[:2] + created[-1:]:
        official = Contact.objects.filter(region=item.region, user__isnull=False).select_related("user").first()
        if official is not None:
            roadmap_item_acknowledge(actor=official.user, item=item, revision=item.revision)
    return len(created)


# (name, unit, baseline, target): figures of the scale a region's observatory publishes; the last one falls.
DEMO_INDICATORS = [
    ("Nuitées dans les hôtels classés", "nuitées", Decimal(182_000), Decimal(230_000)),
    ("Arrivées de touristes internationaux", "arrivées", Decimal(61_500), Decimal(75_000)),
    ("Opérateurs formés au marketing digital", "opérateurs", Decimal(0), Decimal(120)),
    ("Écart de fréquentation haute / basse saison", "%", Decimal(45), Decimal(30)),
]


def _demo_indicator(item: RoadmapItem, index: int, today: datetime.date) -> None:
    name, unit, baseline, target = DEMO_INDICATORS[(index // 2) % len(DEMO_INDICATORS)]
    indicator = roadmap_item_part_save(
        actor=None, part=Indicator(item=item, name=name, unit=unit, baseline=baseline, target=target)
    )
    start = timezone.localtime(item.meeting.starts_at).date()
    dates = [start + datetime.timedelta(days=7 * week) for week in range(6)]
    dates = [date for date in dates if date <= today] or [start]
    for week, date in enumerate(dates):
        # A sixth to a ninth of the way each week.
        step = (target - baseline) * Decimal(week) / Decimal(6 + index % 4)
        roadmap_item_part_save(
            actor=None,
            part=Reading(
                indicator=indicator,
                value=(baseline + step).quantize(Decimal(1)),
                measured_on=date,
                source="Observatoire régional du tourisme" if week % 2 == 0 else "DGSN, postes frontières",
            ),
        )


def _demo_budget(item: RoadmapItem, index: int, *, overspent: bool) -> None:
    planned = Decimal(1_250_000 + 150_000 * (index % 5))
    share = Decimal(item.progress) / 100
    lines = [
        (BudgetLine.Funder.ONMT, planned),
        (BudgetLine.Funder.CRT, planned * Decimal("0.4")),
        (BudgetLine.Funder.PARTNER if index % 3 else BudgetLine.Funder.CNT, planned * Decimal("0.2")),
    ]
    for number, (funder, amount) in enumerate(lines):
        committed = (amount * min(Decimal(1), share + Decimal("0.3"))).quantize(Decimal(1000))
        spent = (committed * share).quantize(Decimal("0.01"))
        if overspent and number == 0:
            spent = committed + Decimal("87500.50")
        roadmap_item_part_save(
            actor=None,
            part=BudgetLine(item=item, funder=funder, planned=amount, committed=committed, spent=spent),
        )
