from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Count, F, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Greatest
from django.http import Http404
from django.utils import timezone
from django.utils.module_loading import import_string
from modeltranslation.utils import get_translation_fields

from meetings.models import AgendaItem, AttendanceMode, Decision, Meeting, Registration, Tour
from regions.map import RegionOutline, region_outlines
from regions.models import Region


def _with_seats_taken(queryset: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """Seats taken in person (`seats_taken`, `seats_left`) and online (`online_seats_taken`)."""
    seat = Q(registrations__status__in=Registration.SEAT_STATUSES)
    return queryset.annotate(
        seats_taken=Count("registrations", filter=seat & Q(registrations__mode=AttendanceMode.IN_PERSON)),
        online_seats_taken=Count("registrations", filter=seat & Q(registrations__mode=AttendanceMode.ONLINE)),
    ).annotate(seats_left=Greatest(F("capacity") - F("seats_taken"), Value(0)))


def meetings_public(*, tour: Tour | None = None, region: Region | None = None) -> QuerySet[Meeting]:
    """Public meetings (not drafts, in a published tour) by date, annotated with `seats_taken` and `seats_left`."""
    queryset = Meeting.objects.exclude(status=Meeting.Status.DRAFT).filter(tour__is_published=True)
    if tour is not None:
        queryset = queryset.filter(tour=tour)
    if region is not None:
        queryset = queryset.filter(region=region)
    return _with_seats_taken(queryset.select_related("region", "tour")).order_by("starts_at", "pk")


def _agenda() -> QuerySet[AgendaItem]:
    return AgendaItem.objects.select_related("speaker_member")


def meeting_public_get(*, slug: str) -> Meeting:
    """A public meeting with its agenda and each item's speaker; Http404 for a draft or an unknown slug."""
    meeting = meetings_public().prefetch_related(Prefetch("agenda_items", queryset=_agenda())).filter(slug=slug).first()
    if meeting is None:
        raise Http404("Rencontre introuvable.")
    return meeting


def meeting_agenda(*, meeting: Meeting) -> list[AgendaItem]:
    """The agenda of a meeting already read, each item with its speaker; one query."""
    return list(_agenda().filter(meeting=meeting))


def meeting_public_commitments(*, meeting: Meeting):
    """What the meeting committed to and where it stands, once it is held (None before, or if it decided
    nothing): counts and public titles, from the app that follows the roadmap.

    settings.MEETINGS_COMMITMENTS names a callable taking `meeting_ids=` and returning, per meeting id that
    decided anything, an object with `total`, `done`, `in_progress` and `public` (each with `title`, `status`).
    """
    if meeting.status != Meeting.Status.HELD:
        return None
    return import_string(settings.MEETINGS_COMMITMENTS)(meeting_ids=[meeting.pk]).get(meeting.pk)


def meeting_public_decisions(*, meeting: Meeting) -> list[Decision]:
    """The meeting's decisions marked public, in their order (what attendees are told): their titles only, in
    every language, so that each attendee's message shows them in its own (rendered under its language)."""
    public = meeting.decisions.filter(is_public=True).order_by("position", "pk")
    return list(public.only("pk", "meeting_id", *get_translation_fields("title")))


def meetings_admin_list() -> QuerySet[Meeting]:
    return _with_seats_taken(Meeting.objects.select_related("region", "tour"))


def tours_public() -> QuerySet[Tour]:
    return Tour.objects.filter(is_published=True).order_by("-starts_on")


def tour_public_get(*, slug: str) -> Tour:
    tour = tours_public().filter(slug=slug).first()
    if tour is None:
        raise Http404("Tournée introuvable.")
    return tour


def tour_current(*, today: date | None = None) -> Tour | None:
    """The published tour under way today, else the next one to start, else the latest one."""
    today = today or timezone.localdate()
    tours = tours_public()
    return (
        tours.filter(starts_on__lte=today, ends_on__gte=today).first()
        or tours.filter(starts_on__gt=today).order_by("starts_on").first()
        or tours.first()
    )


@dataclass
class TourStop:
    """One region's visit within a tour: its meetings, in date order."""

    region: Region
    meetings: list[Meeting] = field(default_factory=list)

    @property
    def starts_at(self):
        return self.meetings[0].starts_at

    @property
    def ends_at(self):
        return max(meeting.ends_at for meeting in self.meetings)

    @property
    def is_past(self) -> bool:
        return self.ends_at <= timezone.now()


def tour_stops(*, meetings: QuerySet[Meeting] | list[Meeting]) -> list[TourStop]:
    """Group date-ordered meetings into stops, one per region, ordered by the region's first meeting."""
    stops: dict[int, TourStop] = {}
    for meeting in meetings:
        stops.setdefault(meeting.region_id, TourStop(region=meeting.region)).meetings.append(meeting)
    return list(stops.values())


@dataclass
class MapEntry:
    """A region as the tour map and the list beside it show it: its place in the tour and where it stands."""

    class Status:
        PAST = "past"
        NEXT = "next"
        SCHEDULED = "scheduled"
        TO_COME = "to_come"

    order: int
    region: Region
    status: str
    outline: RegionOutline
    stop: TourStop | None = None


@dataclass
class TourMap:
    entries: list[MapEntry]
    width: int
    height: int


def tour_map(*, stops: list[TourStop], regions: list[Region]) -> TourMap:
    """The 12 regions in tour order: the visited and scheduled ones by date, then those with dates to come.

    A stop whose meetings were all cancelled has its dates to come again; the first stop not over is next.
    """
    outlines = region_outlines()
    entries: list[MapEntry] = []
    scheduled = [s for s in stops if any(m.status != Meeting.Status.CANCELLED for m in s.meetings)]
    next_found = False
    for stop in scheduled:
        if stop.is_past:
            status = MapEntry.Status.PAST
        elif not next_found:
            status, next_found = MapEntry.Status.NEXT, True
        else:
            status = MapEntry.Status.SCHEDULED
        entries.append(MapEntry(len(entries) + 1, stop.region, status, outlines.regions[stop.region.number], stop))
    placed = {entry.region.pk for entry in entries}
    for region in sorted((r for r in regions if r.pk not in placed), key=lambda r: r.number):
        entries.append(MapEntry(len(entries) + 1, region, MapEntry.Status.TO_COME, outlines.regions[region.number]))
    return TourMap(entries, outlines.width, outlines.height)


@dataclass
class TourTimeline:
    """The admin's view of a tour: its stops in order and the regions not yet scheduled."""

    stops: list[TourStop]
    unscheduled: list[Region]


def tour_timeline(*, tour: Tour) -> TourTimeline:
    """Every meeting of the tour, drafts included; cancelled meetings do not schedule their region."""
    meetings = list(
        _with_seats_taken(tour.meetings.select_related("region")).order_by("starts_at", "pk"),
    )
    stops = tour_stops(meetings=meetings)
    scheduled = {meeting.region_id for meeting in meetings if meeting.status != Meeting.Status.CANCELLED}
    return TourTimeline(stops=stops, unscheduled=[r for r in Region.objects.all() if r.pk not in scheduled])


def meetings_upcoming(*, tour: Tour, limit: int = 3) -> list[Meeting]:
    """The next public meetings of a tour that still take place, for the home page."""
    return list(
        meetings_public(tour=tour).filter(
            ends_at__gt=timezone.now(), status__in=[Meeting.Status.PUBLISHED, Meeting.Status.POSTPONED]
        )[:limit]
    )
