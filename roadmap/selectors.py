"""Every read of roadmap data. Each takes the user and keeps to `regions_visible_to(user=)`,
so a view cannot forget the region scoping; the two exceptions, `roadmap_public_summary` and
`meeting_commitments`, return what is public: figures (counts and dates, never an item's text)
and the titles of decisions marked public."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from meetings.models import Decision, Meeting
from plan.models import Market
from regions.models import Region
from regions.selectors import region_for_official, regions_visible_to
from roadmap.models import Comment, ItemChange, RoadmapItem, StatusChange
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
    region: Region,
    axis: str | None = None,
    product_line: str | None = None,
    market: Market | None = None,
    status: str | None = None,
) -> QuerySet[RoadmapItem]:
    """A region's items for its roadmap page, export and print, optionally filtered."""
    items = roadmap_items_visible_to(user=user).filter(region=region)
    filters = {"axis": axis, "product_line": product_line, "markets": market, "status": status}
    items = items.filter(**{name: value for name, value in filters.items() if value})
    return (
        items.select_related("region", "meeting", "acknowledgement__user")
        .prefetch_related("markets")
        .annotate(comment_count=Count("comments", distinct=True))
    )


def roadmap_item_get(*, user, region_slug: str, pk: int) -> RoadmapItem:
    """One item with its history, comments and the decision it carries out, if `user` may see it; else 404."""
    items = (
        roadmap_items_visible_to(user=user)
        .select_related("region", "meeting", "acknowledgement__user", "decision__meeting", "decision__agenda_item")
        .prefetch_related(
            "markets",
            Prefetch("history", StatusChange.objects.select_related("changed_by")),
            Prefetch("comments", Comment.objects.select_related("author")),
            Prefetch("changes", ItemChange.objects.select_related("changed_by")),
        )
    )
    return get_object_or_404(items, region__slug=region_slug, pk=pk)


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


def _status_counts(counts: Mapping[str, int]) -> tuple[int, list[StatusCount]]:
    """(total, one StatusCount per status with its segment of the bar) from counts by status value."""
    total = sum(counts.values())
    status_counts, offset = [], 0.0
    for status in RoadmapItem.Status:
        count = counts.get(status.value, 0)
        width = 100 * count / total if total else 0.0
        status_counts.append(
            StatusCount(status=status.value, label=status.label, count=count, offset=offset, width=width)
        )
        offset += width
    return total, status_counts


@dataclass
class RegionSummary(StatusTally):
    region: Region
    overdue: int
    last_acknowledged_at: datetime | None


def roadmap_overview(*, user) -> list[RegionSummary]:
    """Per region the user may see: items by status, overdue count, last acknowledgement; one query."""
    statuses = RoadmapItem.Status
    open_statuses = [status for status in statuses.values if status not in RoadmapItem.CLOSED_STATUSES]
    regions = regions_visible_to(user=user).annotate(
        overdue=Count(
            "roadmap_items",
            filter=Q(roadmap_items__due_on__lt=timezone.localdate(), roadmap_items__status__in=open_statuses),
        ),
        last_acknowledged_at=Max("roadmap_items__acknowledgement__acknowledged_at"),
        **{
            f"count_{status}": Count("roadmap_items", filter=Q(roadmap_items__status=status))
            for status in statuses.values
        },
    )
    summaries = []
    for region in regions:
        total, counts = _status_counts({status: getattr(region, f"count_{status}") for status in statuses.values})
        summaries.append(
            RegionSummary(
                region=region,
                total=total,
                counts=counts,
                overdue=region.overdue,
                last_acknowledged_at=region.last_acknowledged_at,
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
            total, status_counts = _status_counts(counts)
            axes.append(AxisTally(axis=axis, label=RoadmapItem.Axis(axis).label, total=total, counts=status_counts))
    total, status_counts = _status_counts(overall)
    return RoadmapPublicSummary(
        region=region,
        axes=axes,
        overall=StatusTally(total=total, counts=status_counts),
        last_updated_at=last_updated_at,
    )


# ------------------------------------------------------------------ decisions


def decision_get(*, user, pk: int) -> Decision:
    """A decision of a region `user` may see, with its meeting and item; else 404."""
    decisions = Decision.objects.filter(meeting__region__in=regions_visible_to(user=user))
    return get_object_or_404(decisions.select_related("meeting__region", "roadmap_item"), pk=pk)


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
