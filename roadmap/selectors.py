"""Every read of roadmap data. Each takes the user and keeps to `regions_visible_to(user=)`,
so a view cannot forget the region scoping; the two exceptions, `roadmap_public_summary` and
`meeting_commitments`, return what is public: figures (counts and dates, never an item's text)
and the titles of decisions marked public."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, DecimalField, F, Max, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from meetings.models import ConsultationAnswer, Decision, Meeting, MeetingEvidence
from plan.models import Market
from regions.models import Region
from regions.selectors import region_for_official, regions_visible_to
from roadmap.models import (
    BudgetLine,
    Comment,
    Indicator,
    ItemChange,
    ItemEvidence,
    MonthlyReport,
    ProposalLink,
    Reading,
    RoadmapItem,
    StatusChange,
)
from roadmap.tokens import notices_unsubscribe_token_read


def roadmap_region_get(*, user, slug: str) -> Region:
    """The region `slug` if `user` may see its roadmap, else 404."""
    own = region_for_official(user=user)
    if own is not None and own.slug == slug:
        # An official's own region, which regions_visible_to always holds, is at hand: no query.
        return own
    return get_object_or_404(regions_visible_to(user=user), slug=slug)


def roadmap_items_visible_to(*, user) -> QuerySet[RoadmapItem]:
    return RoadmapItem.objects.filter(region__in=regions_visible_to(user=user))


def roadmap_items_for_region(
    *,
    user,
    region: Region | None,
    axis: str | None = None,
    product_line: str | None = None,
    market: Market | None = None,
    status: str | None = None,
) -> QuerySet[RoadmapItem]:
    """A region's items for its roadmap page, export, print and the API (region None: every region `user`
    may see), optionally filtered."""
    items = roadmap_items_visible_to(user=user)
    if region is not None:
        items = items.filter(region=region)
    filters = {"axis": axis, "product_line": product_line, "markets": market, "status": status}
    items = items.filter(**{name: value for name, value in filters.items() if value})
    return (
        items.select_related("region", "meeting", "acknowledgement__user")
        .prefetch_related(
            "markets", "budget_lines", Prefetch("indicators", Indicator.objects.prefetch_related("readings"))
        )
        .annotate(comment_count=Count("comments", distinct=True))
    )


def roadmap_item_get(*, user, region_slug: str, pk: int) -> RoadmapItem:
    """One item with its history, comments, files (and its meeting's) and the decision it carries out, if `user` may
    see it; else 404."""
    items = (
        roadmap_items_visible_to(user=user)
        .select_related("region", "meeting", "acknowledgement__user", "decision__meeting", "decision__agenda_item")
        .prefetch_related(
            "markets",
            Prefetch("history", StatusChange.objects.select_related("changed_by")),
            Prefetch("comments", Comment.objects.select_related("author")),
            Prefetch("changes", ItemChange.objects.select_related("changed_by")),
            Prefetch("indicators", Indicator.objects.prefetch_related("readings")),
            "budget_lines",
            Prefetch("evidence", ItemEvidence.objects.select_related("uploaded_by")),
            # The files of the meeting the item was decided at: the region's, as the item.
            Prefetch("meeting__evidence", MeetingEvidence.objects.select_related("uploaded_by")),
        )
    )
    return get_object_or_404(items, region__slug=region_slug, pk=pk)


def item_evidence_get(*, user, region_slug: str, item_id: int, pk: int) -> ItemEvidence:
    """A file of an item with the item and its region, if `user` may see the item's page; else 404."""
    files = ItemEvidence.objects.filter(item__in=roadmap_items_visible_to(user=user)).select_related("item__region")
    return get_object_or_404(files, item__region__slug=region_slug, item_id=item_id, pk=pk)


def unsubscribing_user_get(*, token: str) -> tuple:
    """(user, list) of a one-click unsubscribe link of the roadmap's e-mails; 404 if forged or the account is
    gone. The link is the only authority: no session is needed (RFC 8058)."""
    value = notices_unsubscribe_token_read(token=token)
    if value is None:
        raise Http404
    user_id, topic = value
    return get_object_or_404(get_user_model(), pk=user_id), topic


def roadmap_items_by_axis(*, items: QuerySet[RoadmapItem]) -> list[tuple[str, list[RoadmapItem]]]:
    """(axis label, items) in the order the axes are declared, leaving out empty axes."""
    groups: dict[str, list[RoadmapItem]] = {axis: [] for axis in RoadmapItem.Axis.values}
    for item in items:
        groups[item.axis].append(item)
    return [(RoadmapItem.Axis(axis).label, members) for axis, members in groups.items() if members]


@dataclass
class StatusCount:
    status: str
    label: str
    count: int
    # Offset and width of this status's segment in the region's bar, in % of the total.
    offset: float = 0.0
    width: float = 0.0


@dataclass
class StatusTally:
    """A number of items and how they split by status (every status, in declaration order)."""

    total: int
    counts: list[StatusCount]

    def count_of(self, status: str) -> int:
        return next(count.count for count in self.counts if count.status == status)

    @property
    def done_share(self) -> int | None:
        """Per cent of the items still on the roadmap (dropped ones left out) that are done."""
        active = self.total - self.count_of(RoadmapItem.Status.DROPPED)
        return round(100 * self.count_of(RoadmapItem.Status.DONE) / active) if active else None


def status_counts(counts: Mapping[str, int]) -> tuple[int, list[StatusCount]]:
    """(total, one StatusCount per status with its segment of the bar) from counts by status value."""
    total = sum(counts.values())
    tallies, offset = [], 0.0
    for status in RoadmapItem.Status:
        count = counts.get(status.value, 0)
        width = 100 * count / total if total else 0.0
        tallies.append(StatusCount(status=status.value, label=status.label, count=count, offset=offset, width=width))
        offset += width
    return total, tallies


OPEN_STATUSES = [status for status in RoadmapItem.Status.values if status not in RoadmapItem.CLOSED_STATUSES]


@dataclass
class RegionSummary(StatusTally):
    region: Region
    overdue: int
    last_acknowledged_at: datetime | None
    # Mean progress of its items still on the roadmap (dropped ones left out), whole; None without any.
    progress: int | None = None


def percent_whole(value) -> int | None:
    """A mean percentage rounded half up to a whole number (as the tables print it); None stays None."""
    return None if value is None else int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def roadmap_overview(*, user) -> list[RegionSummary]:
    """Per region the user may see: items by status, overdue count, last acknowledgement, mean progress; one
    query."""
    return _regions_overview(regions=regions_visible_to(user=user), today=timezone.localdate())


def _regions_overview(*, regions: QuerySet[Region], today: date) -> list[RegionSummary]:
    """Per region: items by status, those due before `today` and still open, last acknowledgement, mean
    progress; one query."""
    statuses = RoadmapItem.Status
    regions = regions.annotate(
        overdue=Count(
            "roadmap_items",
            filter=Q(roadmap_items__due_on__lt=today, roadmap_items__status__in=OPEN_STATUSES),
        ),
        last_acknowledged_at=Max("roadmap_items__acknowledgement__acknowledged_at"),
        progress_mean=Avg("roadmap_items__progress", filter=~Q(roadmap_items__status=RoadmapItem.Status.DROPPED)),
        **{
            f"count_{status}": Count("roadmap_items", filter=Q(roadmap_items__status=status))
            for status in statuses.values
        },
    )
    summaries = []
    for region in regions:
        total, counts = status_counts({status: getattr(region, f"count_{status}") for status in statuses.values})
        summaries.append(
            RegionSummary(
                region=region,
                total=total,
                counts=counts,
                overdue=region.overdue,
                last_acknowledged_at=region.last_acknowledged_at,
                progress=percent_whole(region.progress_mean),
            )
        )
    return summaries


@dataclass
class AxisTally(StatusTally):
    axis: str
    label: str


@dataclass
class RoadmapPublicSummary:
    """What anybody may know of a region's roadmap: figures per axis, never an item's text."""

    region: Region
    axes: list[AxisTally]
    overall: StatusTally
    last_updated_at: datetime | None


def roadmap_public_summary(*, region: Region) -> RoadmapPublicSummary:
    """The region's items counted by axis and status, and the date of the last change; one query.

    Public: no user is needed because nothing but counts and a date leaves the database.
    """
    rows = (
        RoadmapItem.objects.filter(region=region)
        .order_by()
        .values("axis", "status")
        .annotate(count=Count("pk"), last_updated_at=Max("updated_at"))
    )
    by_axis: dict[str, dict[str, int]] = {axis: {} for axis in RoadmapItem.Axis.values}
    overall: dict[str, int] = {}
    last_updated_at = None
    for row in rows:
        by_axis[row["axis"]][row["status"]] = row["count"]
        overall[row["status"]] = overall.get(row["status"], 0) + row["count"]
        if last_updated_at is None or row["last_updated_at"] > last_updated_at:
            last_updated_at = row["last_updated_at"]
    axes = []
    for axis, counts in by_axis.items():
        if counts:
            total, tallies = status_counts(counts)
            axes.append(AxisTally(axis=axis, label=RoadmapItem.Axis(axis).label, total=total, counts=tallies))
    total, tallies = status_counts(overall)
    return RoadmapPublicSummary(
        region=region,
        axes=axes,
        overall=StatusTally(total=total, counts=tallies),
        last_updated_at=last_updated_at,
    )


# ------------------------------------------------------------------ decisions


def decision_get(*, user, pk: int) -> Decision:
    """A decision of a region `user` may see, with its meeting and item; else 404."""
    decisions = Decision.objects.filter(meeting__region__in=regions_visible_to(user=user))
    return get_object_or_404(decisions.select_related("meeting__region", "roadmap_item"), pk=pk)


def decisions_visible_to(*, user, region: Region | None = None) -> QuerySet[Decision]:
    """Decisions of the regions `user` may see (of `region` alone if given), with their meeting, by date."""
    decisions = Decision.objects.filter(meeting__region__in=regions_visible_to(user=user))
    if region is not None:
        decisions = decisions.filter(meeting__region=region)
    return (
        decisions.select_related("meeting__region", "roadmap_item")
        .prefetch_related("markets")
        .order_by("meeting__starts_at", "position", "pk")
    )


def decisions_national(*, user) -> QuerySet[Decision]:
    """Decisions that concern every region, with their meeting, region of origin and item, by date."""
    return (
        Decision.objects.filter(scope=Decision.Scope.NATIONAL, meeting__region__in=regions_visible_to(user=user))
        .select_related("meeting__region", "agenda_item", "roadmap_item__region")
        .order_by("meeting__starts_at", "position", "pk")
    )


@dataclass
class PublicCommitment:
    """A decision marked public: its title and where its roadmap item stands ("" before it has one)."""

    title: str
    status: str


@dataclass
class MeetingCommitments:
    """What a meeting committed to, as anybody may know it: counts of every decision, public titles only."""

    total: int = 0
    done: int = 0
    in_progress: int = 0
    public: list[PublicCommitment] = field(default_factory=list)

    @property
    def public_titles(self) -> list[str]:
        return [commitment.title for commitment in self.public]


def meeting_commitments(*, meeting_ids: Iterable[int]) -> dict[int, MeetingCommitments]:
    """Per meeting (of those given that decided anything): its decisions counted, done and in progress by
    their roadmap item's status, and the titles of the public ones in their order; one query.

    Public, like the summary: the count covers every decision, but a title leaves the database only for a
    decision marked public, and nothing else of it (no details, no owner).
    """
    rows = (
        Decision.objects.filter(meeting_id__in=list(meeting_ids))
        .order_by("meeting_id", "position", "pk")
        .values_list("meeting_id", "title", "is_public", "roadmap_item__status")
    )
    commitments: dict[int, MeetingCommitments] = {}
    for meeting_id, title, is_public, status in rows:
        tally = commitments.setdefault(meeting_id, MeetingCommitments())
        tally.total += 1
        tally.done += status == RoadmapItem.Status.DONE
        tally.in_progress += status == RoadmapItem.Status.IN_PROGRESS
        if is_public:
            tally.public.append(PublicCommitment(title=title, status=status or ""))
    return commitments


@dataclass
class HeldMeetingCommitments:
    meeting: Meeting
    commitments: MeetingCommitments


def region_commitments(*, region: Region) -> list[HeldMeetingCommitments]:
    """The region's public meetings held so far that decided anything, latest first, with their commitments;
    two queries."""
    meetings = list(
        Meeting.objects.filter(region=region, status=Meeting.Status.HELD, tour__is_published=True).order_by(
            "-starts_at", "-pk"
        )
    )
    commitments = meeting_commitments(meeting_ids=[meeting.pk for meeting in meetings])
    return [
        HeldMeetingCommitments(meeting=meeting, commitments=commitments[meeting.pk])
        for meeting in meetings
        if meeting.pk in commitments
    ]


# ------------------------------------------------------------------ indicators and budget


def indicator_share(*, baseline: Decimal, target: Decimal, latest: Decimal | None) -> Decimal:
    """How far `latest` has gone from `baseline` towards `target`, from 0 to 1: (latest − baseline) /
    (target − baseline), clamped, which reads a target below the baseline (fewer empty rooms off season) the
    same way. No reading yet: 0. A target equal to its baseline (a level to keep): 1 while the latest reading
    is at or above it, else 0."""
    if latest is None:
        return Decimal(0)
    if target == baseline:
        return Decimal(1) if latest >= target else Decimal(0)
    return min(max((latest - baseline) / (target - baseline), Decimal(0)), Decimal(1))


def indicator_latest(indicator: Indicator) -> Reading | None:
    """The reading of the latest date; its readings prefetched (in date order), so no query."""
    readings = indicator.readings.all()
    return readings[len(readings) - 1] if readings else None


def indicator_percent(indicator: Indicator) -> int:
    latest = indicator_latest(indicator)
    share = indicator_share(
        baseline=indicator.baseline, target=indicator.target, latest=latest.value if latest else None
    )
    return int((100 * share).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def indicators_progress(*, indicators: Iterable[Indicator]) -> int | None:
    """An item's progress from its indicators: the mean of each one's share (see `indicator_share`), as a whole
    percentage; None for an item without indicators. Readings prefetched in date order."""
    shares = [
        indicator_share(
            baseline=indicator.baseline,
            target=indicator.target,
            latest=latest.value if (latest := indicator_latest(indicator)) else None,
        )
        for indicator in indicators
    ]
    if not shares:
        return None
    mean = sum(shares, Decimal(0)) / len(shares)
    return int((100 * mean).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def item_indicators_progress(*, item: RoadmapItem) -> int | None:
    """`indicators_progress` of an item read from the database (two queries): what the services store."""
    return indicators_progress(indicators=Indicator.objects.filter(item=item).prefetch_related("readings"))


@dataclass
class BudgetTotals:
    """Amounts in MAD (Decimal) planned, committed and spent, and how many lines spent beyond their commitment."""

    planned: Decimal = Decimal(0)
    committed: Decimal = Decimal(0)
    spent: Decimal = Decimal(0)
    overspent_lines: int = 0

    def add(self, line: BudgetLine) -> None:
        self.planned += line.planned
        self.committed += line.committed
        self.spent += line.spent
        self.overspent_lines += line.overspent

    @property
    def is_empty(self) -> bool:
        return not (self.planned or self.committed or self.spent)

    @property
    def overspent(self) -> bool:
        return self.spent > self.committed or self.overspent_lines > 0


def budget_of(*, items: Iterable[RoadmapItem]) -> BudgetTotals:
    """The budget of these items together, from their prefetched lines (no query)."""
    totals = BudgetTotals()
    for item in items:
        for line in item.budget_lines.all():
            totals.add(line)
    return totals


@dataclass
class BudgetRow(BudgetTotals):
    label: str = ""
    key: str = ""


@dataclass
class BudgetOverview:
    """Budget lines of the regions a user may see, summed by region, axis and funder, and in all."""

    regions: list[BudgetRow]
    axes: list[BudgetRow]
    funders: list[BudgetRow]
    total: BudgetTotals


_MONEY_FIELDS = ("planned", "committed", "spent", "overspent_lines")


def _money_sums(prefix: str = "") -> dict:
    # Named apart from the fields they sum: an annotation named "committed" would be what F("committed") reads.
    zero = Value(Decimal(0), output_field=DecimalField(max_digits=16, decimal_places=2))
    sums = {f"total_{name}": Coalesce(Sum(f"{prefix}{name}"), zero) for name in ("planned", "committed", "spent")}
    sums["total_overspent_lines"] = Count(f"{prefix}pk", filter=Q(**{f"{prefix}spent__gt": F(f"{prefix}committed")}))
    return sums


def _budget_row(totals: Callable[[str], Decimal | int], *, label: str, key: str) -> BudgetRow:
    return BudgetRow(label=label, key=key, **{name: totals(f"total_{name}") for name in _MONEY_FIELDS})


def roadmap_budget_overview(*, user) -> BudgetOverview:
    """Budget totals by region (every region the user may see, zeros included), by axis and by funder (those
    with lines, in declaration order); three aggregate queries whatever the number of items or lines."""
    return _budget_overview(regions=regions_visible_to(user=user))


def _budget_overview(*, regions: QuerySet[Region]) -> BudgetOverview:
    region_rows = regions.annotate(**_money_sums("roadmap_items__budget_lines__"))
    lines = BudgetLine.objects.filter(item__region__in=regions).order_by()
    by_axis = {row["item__axis"]: row for row in lines.values("item__axis").annotate(**_money_sums())}
    by_funder = {row["funder"]: row for row in lines.values("funder").annotate(**_money_sums())}
    total = BudgetTotals()
    funders = []
    for funder in BudgetLine.Funder:
        if funder.value in by_funder:
            row = _budget_row(by_funder[funder.value].__getitem__, label=funder.label, key=funder.value)
            funders.append(row)
            total.planned += row.planned
            total.committed += row.committed
            total.spent += row.spent
            total.overspent_lines += row.overspent_lines
    return BudgetOverview(
        regions=[_budget_row(partial(getattr, region), label=region.name, key=region.slug) for region in region_rows],
        axes=[
            _budget_row(by_axis[axis.value].__getitem__, label=axis.label, key=axis.value)
            for axis in RoadmapItem.Axis
            if axis.value in by_axis
        ],
        funders=funders,
        total=total,
    )


@dataclass
class RegionProgressSummary:
    """What an official's page opens with: their region's items done, in progress, late and blocked."""

    total: int
    done: int
    in_progress: int
    overdue: int
    blocked: int
    to_acknowledge: int


def region_progress_summary(*, user, region: Region) -> RegionProgressSummary:
    """The region's items (all of them, whatever the page's filters) counted; one query."""
    totals = (
        roadmap_items_visible_to(user=user)
        .filter(region=region)
        .aggregate(
            total=Count("pk"),
            done=Count("pk", filter=Q(status=RoadmapItem.Status.DONE)),
            in_progress=Count("pk", filter=Q(status=RoadmapItem.Status.IN_PROGRESS)),
            overdue=Count("pk", filter=Q(due_on__lt=timezone.localdate(), status__in=OPEN_STATUSES)),
            blocked=Count("pk", filter=Q(status=RoadmapItem.Status.BLOCKED)),
            to_acknowledge=Count("pk", filter=Q(acknowledgement__isnull=True)),
        )
    )
    return RegionProgressSummary(**totals)


# ------------------------------------------------------------------ monthly report


def month_bounds(period: date) -> tuple[date, date]:
    """The first day of the month of `period` and the first day of the month after."""
    first = period.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


def last_month(*, today: date) -> date:
    """The first day of the month before the one `today` is in: the month a report made today is about."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


@dataclass
class IndicatorStanding:
    """An indicator of an item as it stood at the end of a month: its latest reading then, against its target."""

    indicator: Indicator
    latest: Reading | None
    percent: int

    @property
    def label(self) -> str:
        """Its name and unit, one phrase: isolated whole in an Arabic document, the parentheses stay with the unit."""
        return f"{self.indicator.name} ({self.indicator.unit})"


@dataclass
class RegionReport:
    """One region in the monthly report."""

    summary: RegionSummary
    budget: BudgetRow
    funders: list[BudgetRow]
    indicators: list[IndicatorStanding]
    overdue_items: list[RoadmapItem]
    decisions: list[Decision]

    @property
    def region(self) -> Region:
        return self.summary.region

    @property
    def done(self) -> int:
        return self.summary.count_of(RoadmapItem.Status.DONE)


@dataclass
class MonthlyReportContent:
    """What the monthly report says, nationally and per region (every region, in their official order)."""

    period: date
    # Items due before this day and still open are overdue; readings up to the day before count.
    closing_day: date
    national: StatusTally
    overdue: int
    budget: BudgetOverview
    indicators: int
    indicators_on_target: int
    national_decisions: list[Decision]
    decisions: int
    regions: list[RegionReport]


def monthly_report_content(*, period: date) -> MonthlyReportContent:
    """The monthly report of the month of `period`, over every region, in a fixed number of queries (nine).

    Statuses, budgets and due dates are read as they stand when the report is made (the portal keeps no
    snapshot of them; the report is made on the first day of the next month); an item is overdue when due
    before that day and still open; an indicator's standing is its latest reading of the month or before;
    the decisions of the month are those of meetings that began in it (Moroccan time).
    """
    start, closing_day = month_bounds(period)
    regions = Region.objects.order_by("number")
    summaries = _regions_overview(regions=regions, today=closing_day)
    budget = _budget_overview(regions=regions)
    by_region_funder: dict[int, list[BudgetRow]] = {}
    region_funder_rows = BudgetLine.objects.order_by().values("item__region", "funder").annotate(**_money_sums())
    funder_order = {funder: index for index, funder in enumerate(BudgetLine.Funder.values)}
    for row in sorted(region_funder_rows, key=lambda row: funder_order[row["funder"]]):
        by_region_funder.setdefault(row["item__region"], []).append(
            _budget_row(row.__getitem__, label=BudgetLine.Funder(row["funder"]).label, key=row["funder"])
        )
    indicators = Indicator.objects.select_related("item").prefetch_related(
        Prefetch("readings", Reading.objects.filter(measured_on__lt=closing_day))
    )
    by_region_indicators: dict[int, list[IndicatorStanding]] = {}
    for indicator in indicators.order_by("item__region__number", "item__title_fr", "position", "pk"):
        by_region_indicators.setdefault(indicator.item.region_id, []).append(
            IndicatorStanding(
                indicator=indicator, latest=indicator_latest(indicator), percent=indicator_percent(indicator)
            )
        )
    overdue_items: dict[int, list[RoadmapItem]] = {}
    for item in RoadmapItem.objects.filter(due_on__lt=closing_day, status__in=OPEN_STATUSES).order_by(
        "region__number", "due_on", "title_fr", "pk"
    ):
        overdue_items.setdefault(item.region_id, []).append(item)
    local_start = timezone.make_aware(datetime.combine(start, time.min))
    local_end = timezone.make_aware(datetime.combine(closing_day, time.min))
    decisions = list(
        Decision.objects.filter(meeting__starts_at__gte=local_start, meeting__starts_at__lt=local_end)
        .select_related("meeting__region", "roadmap_item")
        .order_by("meeting__starts_at", "position", "pk")
    )
    regional_decisions: dict[int, list[Decision]] = {}
    for decision in decisions:
        if decision.scope == Decision.Scope.REGIONAL:
            regional_decisions.setdefault(decision.meeting.region_id, []).append(decision)
    budget_by_region = {row.key: row for row in budget.regions}
    standings = [standing for region_standings in by_region_indicators.values() for standing in region_standings]
    national_counts: dict[str, int] = {}
    for summary in summaries:
        for count in summary.counts:
            national_counts[count.status] = national_counts.get(count.status, 0) + count.count
    total, counts = status_counts(national_counts)
    return MonthlyReportContent(
        period=start,
        closing_day=closing_day,
        national=StatusTally(total=total, counts=counts),
        overdue=sum(summary.overdue for summary in summaries),
        budget=budget,
        indicators=len(standings),
        indicators_on_target=sum(standing.percent == 100 for standing in standings),
        national_decisions=[decision for decision in decisions if decision.scope == Decision.Scope.NATIONAL],
        decisions=len(decisions),
        regions=[
            RegionReport(
                summary=summary,
                budget=budget_by_region[summary.region.slug],
                funders=by_region_funder.get(summary.region.pk, []),
                indicators=by_region_indicators.get(summary.region.pk, []),
                overdue_items=overdue_items.get(summary.region.pk, []),
                decisions=regional_decisions.get(summary.region.pk, []),
            )
            for summary in summaries
        ],
    )


def monthly_report_ready_get(*, user, pk: int) -> MonthlyReport:
    """A ready monthly report, for staff only: 404 for anybody else, as for a report that does not exist."""
    if not (user.is_authenticated and user.is_staff):
        raise Http404
    return get_object_or_404(MonthlyReport, pk=pk, state=MonthlyReport.State.READY)


@dataclass(frozen=True)
class ProposalOutcome:
    """What became of a consultation proposal: the item that follows it and where it stands."""

    title: str
    status: str
    status_label: str
    updated_at: datetime


def proposal_outcomes(*, answer_ids: Sequence[int]) -> dict[int, list[ProposalOutcome]]:
    """Per consultation answer id, the items its proposal is linked to (one query; settings.MEETINGS_PROPOSAL_OUTCOMES
    names it to the meetings app)."""
    outcomes: dict[int, list[ProposalOutcome]] = {}
    links = ProposalLink.objects.filter(answer_id__in=answer_ids).select_related("item").order_by("created_at")
    for link in links:
        item = link.item
        outcomes.setdefault(link.answer_id, []).append(
            ProposalOutcome(
                title=item.title,
                status=item.status,
                status_label=item.get_status_display(),
                updated_at=item.updated_at,
            )
        )
    return outcomes


def proposals_of_meeting(*, meeting: Meeting) -> list:
    """The consultation answers of a meeting with a proposal, each with its links to items (3 queries)."""
    return list(
        ConsultationAnswer.objects.filter(meeting=meeting, answered_at__isnull=False, erased_at__isnull=True)
        .exclude(proposal="")
        .prefetch_related(Prefetch("proposal_links", queryset=ProposalLink.objects.select_related("item")))
        .order_by("answered_at", "pk")
    )
