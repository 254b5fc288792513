"""Reads across the 12 regions, for ONMT staff: the national dashboard and the views of the CNT's two task
forces (product lines, markets). Like roadmap.selectors, each takes the user and keeps to
`regions_visible_to(user=)`; the views that call them are for staff only (an official sees nothing of
another region's items, and a view across regions would be one region's page again). Every read is a fixed
number of queries whatever the number of items."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plan.models import Market
from regions.map import RegionOutline, region_outlines
from regions.models import Region
from roadmap.models import Indicator, RoadmapItem, StatusChange
from roadmap.selectors import (
    RegionSummary,
    StatusTally,
    indicators_progress,
    percent_whole,
    roadmap_items_visible_to,
    roadmap_overview,
    status_counts,
)

OPEN_STATUSES = [status for status in RoadmapItem.Status.values if status not in RoadmapItem.CLOSED_STATUSES]


def _overdue_filter(prefix: str = "") -> Q:
    return Q(**{f"{prefix}due_on__lt": timezone.localdate(), f"{prefix}status__in": OPEN_STATUSES})


# ------------------------------------------------------------------ the task forces' views

PRODUCT, MARKETS = "produit", "marches"
TASK_FORCES = {
    PRODUCT: _("Task force produit : les filières dans les 12 régions"),
    MARKETS: _("Task force compétitivité internationale : les marchés dans les 12 régions"),
}


@dataclass
class TaskForceFilters:
    """What a task force's page narrows its items to; None: no filter."""

    region: Region | None = None
    axis: str | None = None
    status: str | None = None
    owner: str | None = None
    overdue: bool = False
    # One product line or market of the view (its slug or value).
    group: str | None = None


@dataclass
class TaskForceGroup:
    """A product line or a market: its items of every region and how they stand."""

    key: str
    label: str
    items: list[RoadmapItem] = field(default_factory=list)
    tally: StatusTally | None = None
    overdue: int = 0
    # Mean progress of its items still on the roadmap (dropped ones left out); None without such items.
    progress: int | None = None
    # Mean progress of its items' indicators (see roadmap.selectors.indicators_progress); None without any.
    indicators_progress: int | None = None
    with_indicators: int = 0
    regions: int = 0


def task_force_items(*, user, filters: TaskForceFilters) -> QuerySet[RoadmapItem]:
    """The items of every region `user` may see, narrowed by `filters`, with what the page and exports show:
    four queries (items with their region, markets, indicators, readings)."""
    items = roadmap_items_visible_to(user=user)
    for name in ("region", "axis", "status", "owner"):
        value = getattr(filters, name)
        if value:
            items = items.filter(**{name: value})
    if filters.overdue:
        items = items.filter(_overdue_filter())
    return (
        items.select_related("region")
        .prefetch_related("markets", Prefetch("indicators", Indicator.objects.prefetch_related("readings")))
        .order_by("region__number", "priority", "due_on", "title_fr", "pk")
    )


def _group_tally(group: TaskForceGroup) -> None:
    counts: dict[str, int] = {}
    for item in group.items:
        counts[item.status] = counts.get(item.status, 0) + 1
    total, by_status = status_counts(counts)
    group.tally = StatusTally(total=total, counts=by_status)
    group.overdue = sum(item.is_overdue for item in group.items)
    active = [item.progress for item in group.items if item.status != RoadmapItem.Status.DROPPED]
    group.progress = round(sum(active) / len(active)) if active else None
    measured = [progress for item in group.items if (progress := item_indicators(item)) is not None]
    group.with_indicators = len(measured)
    group.indicators_progress = round(sum(measured) / len(measured)) if measured else None
    group.regions = len({item.region_id for item in group.items})


def item_indicators(item: RoadmapItem) -> int | None:
    """An item's progress from its prefetched indicators, or None without any."""
    return indicators_progress(indicators=item.indicators.all())


def task_force_groups(*, user, task_force: str, filters: TaskForceFilters) -> list[TaskForceGroup]:
    """The task force's product lines (or markets), in their declared order, each with its items of every
    region; only those with items. An item aimed at several markets is in each of their groups; the markets
    view leaves out items that name no international market."""
    items = list(task_force_items(user=user, filters=filters))
    if task_force == PRODUCT:
        groups = {line.value: TaskForceGroup(key=line.value, label=line.label) for line in RoadmapItem.ProductLine}
        for item in items:
            groups[item.product_line].items.append(item)
    else:
        groups = {}
        for market in task_force_markets():
            groups[market.slug] = TaskForceGroup(key=market.slug, label=market.name)
        for item in items:
            for market in item.markets.all():
                if market.slug in groups:
                    groups[market.slug].items.append(item)
    chosen = [group for group in groups.values() if group.items and filters.group in (None, "", group.key)]
    for group in chosen:
        _group_tally(group)
    return chosen


def task_force_markets() -> QuerySet[Market]:
    """The international markets, those of the competitiveness task force (the national market is the domestic
    tourism axis's)."""
    return Market.objects.filter(is_domestic=False)


# ------------------------------------------------------------------ the national dashboard


@dataclass
class ProgressBand:
    """A step of the map's scale: colour, hatching and words (the map is never read by colour alone)."""

    key: str
    label: str
    low: int
    high: int


PROGRESS_BANDS = (
    ProgressBand("band-0", _("moins de 25 %"), 0, 24),
    ProgressBand("band-1", _("25 à 49 %"), 25, 49),
    ProgressBand("band-2", _("50 à 74 %"), 50, 74),
    ProgressBand("band-3", _("au moins 75 %"), 75, 100),
)
NO_ITEMS_BAND = ProgressBand("band-none", _("aucune action"), -1, -1)


def progress_band(progress: int | None) -> ProgressBand:
    if progress is None:
        return NO_ITEMS_BAND
    return next(band for band in PROGRESS_BANDS if band.low <= progress <= band.high)


@dataclass
class ProgressMapEntry:
    summary: RegionSummary
    progress: int | None
    band: ProgressBand
    outline: RegionOutline


@dataclass
class ProgressMap:
    entries: list[ProgressMapEntry]
    width: int
    height: int
    bands: tuple[ProgressBand, ...] = (*PROGRESS_BANDS, NO_ITEMS_BAND)


def progress_map(*, summaries: list[RegionSummary]) -> ProgressMap:
    """The regions of `roadmap_overview` on the map of the 12 regions, each in the band of its progress."""
    outlines = region_outlines()
    entries = [
        ProgressMapEntry(
            summary=summary,
            progress=summary.progress,
            band=progress_band(summary.progress),
            outline=outlines.regions[summary.region.number],
        )
        for summary in summaries
    ]
    return ProgressMap(entries=entries, width=outlines.width, height=outlines.height)


@dataclass
class AxisProgress(StatusTally):
    axis: str = ""
    label: str = ""
    overdue: int = 0
    progress: int | None = None


def axes_progress(*, user) -> list[AxisProgress]:
    """Per axis with items, across the regions `user` may see: items by status, overdue, mean progress (dropped
    items left out). One query."""
    rows = (
        roadmap_items_visible_to(user=user)
        .order_by()
        .values("axis", "status")
        .annotate(
            count=Count("pk"),
            overdue=Count("pk", filter=_overdue_filter()),
            progress_sum=Sum("progress"),
        )
    )
    by_axis: dict[str, dict] = {}
    for row in rows:
        axis = by_axis.setdefault(row["axis"], {"counts": {}, "overdue": 0, "active": 0, "progress": 0})
        axis["counts"][row["status"]] = row["count"]
        axis["overdue"] += row["overdue"]
        if row["status"] != RoadmapItem.Status.DROPPED:
            axis["active"] += row["count"]
            axis["progress"] += row["progress_sum"]
    result = []
    for axis in RoadmapItem.Axis:
        if axis.value not in by_axis:
            continue
        found = by_axis[axis.value]
        total, by_status = status_counts(found["counts"])
        result.append(
            AxisProgress(
                total=total,
                counts=by_status,
                axis=axis.value,
                label=axis.label,
                overdue=found["overdue"],
                progress=percent_whole(Decimal(found["progress"]) / found["active"]) if found["active"] else None,
            )
        )
    return result


@dataclass
class OverduePoint:
    """How many items were overdue at the end of `day` (a month's last day, or today for the current month)."""

    day: datetime.date
    count: int


OVERDUE_MONTHS = 12


def overdue_days(*, today: datetime.date, months: int = OVERDUE_MONTHS) -> list[datetime.date]:
    """The last day of each of the `months` - 1 months before `today`'s, then `today`, oldest first."""
    days = [today]
    first = today.replace(day=1)
    for _step in range(months - 1):
        last = first - datetime.timedelta(days=1)
        days.append(last)
        first = last.replace(day=1)
    return days[::-1]


def overdue_over_time(*, user, today: datetime.date | None = None) -> list[OverduePoint]:
    """Per month of the last year, the items of the regions `user` may see that were overdue at its end: due
    before that day, created by then, and not done or dropped then. The status an item had on a day is the
    last line of its history written by that day's end (every service writes one, creation included); an item
    without history by then (written straight to the table, by an import of old data) counts with its status
    of today. Due dates moved since are not known to the history: each item counts with its due date of
    today. One query (a correlated subquery per month)."""
    today = today or timezone.localdate()
    days = overdue_days(today=today)
    zone = timezone.get_current_timezone()
    items = roadmap_items_visible_to(user=user).order_by()
    annotations, counts = {}, {}
    for index, day in enumerate(days):
        end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=zone)
        status_then = (
            StatusChange.objects.filter(item=OuterRef("pk"), changed_at__lt=end)
            .order_by("-changed_at", "-pk")
            .values("to_status")[:1]
        )
        annotations[f"status_{index}"] = Coalesce(Subquery(status_then), F("status"))
        counts[f"overdue_{index}"] = Count(
            "pk",
            filter=Q(due_on__lt=day, created_at__lt=end, **{f"status_{index}__in": OPEN_STATUSES}),
        )
    totals = items.annotate(**annotations).aggregate(**counts)
    return [OverduePoint(day=day, count=totals[f"overdue_{index}"]) for index, day in enumerate(days)]


@dataclass
class NationalDashboard:
    summaries: list[RegionSummary]
    map: ProgressMap
    axes: list[AxisProgress]
    overdue: list[OverduePoint]


def national_dashboard(*, user) -> NationalDashboard:
    """What the national overview draws: progress per region (and on the map), by axis, overdue items month by
    month. Three queries."""
    summaries = roadmap_overview(user=user)
    return NationalDashboard(
        summaries=summaries,
        map=progress_map(summaries=summaries),
        axes=axes_progress(user=user),
        overdue=overdue_over_time(user=user),
    )
