"""Reads of a meeting's minutes page: the text per agenda item, the decisions, the attendance figures."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from meetings.models import AgendaItem, AttendanceMode, Decision, Meeting, Minutes, MinutesEntry, Registration
from plan.models import Market


def minutes_meeting_get(*, slug: str) -> Meeting:
    """Any meeting, whatever its status (minutes may be written during the meeting); Http404 if unknown."""
    meeting = Meeting.objects.select_related("region", "tour").filter(slug=slug).first()
    if meeting is None:
        raise Http404("Rencontre introuvable.")
    return meeting


def minutes_with_entries(*, minutes_id: int) -> Minutes:
    """The minutes with who saved last, and their entries in agenda order with each item's speaker."""
    entries = MinutesEntry.objects.select_related("agenda_item__speaker_member")
    return (
        Minutes.objects.select_related("updated_by")
        .prefetch_related(Prefetch("entries", queryset=entries))
        .get(pk=minutes_id)
    )


def agenda_items_without_entry(*, minutes: Minutes) -> list[int]:
    """Ids of the meeting's agenda items that have no entry in these minutes yet (added since they began)."""
    return list(
        AgendaItem.objects.filter(meeting_id=minutes.meeting_id)
        .exclude(minutes_entries__minutes=minutes)
        .values_list("pk", flat=True)
    )


def meeting_decisions(*, meeting: Meeting) -> QuerySet[Decision]:
    """The meeting's decisions in order, with their markets and the roadmap item carrying each out, if any."""
    return (
        Decision.objects.filter(meeting=meeting)
        .select_related("roadmap_item")
        .prefetch_related("markets")
        .order_by("position", "pk")
    )


def decision_markets() -> list[Market]:
    """Every market a decision may target, in the plan's order."""
    return list(Market.objects.all())


@dataclass(frozen=True)
class AttendanceLine:
    key: str
    label: str
    registered: int = 0
    attended: int = 0


@dataclass(frozen=True)
class Attendance:
    """Registered (holding or waiting for a seat) and attended, in total, by sector and by attendance mode."""

    registered: int
    attended: int
    by_sector: list[AttendanceLine] = field(default_factory=list)
    by_mode: list[AttendanceLine] = field(default_factory=list)


def meeting_attendance(*, meeting: Meeting) -> Attendance:
    """Figures from registrations, check-in and online joins, in one query whatever the number of people.

    Registered means holding a seat (confirmed, offered or attended), as the meeting's seat count:
    the waiting list and cancellations are not. Attended online means joined through the personal link.
    The minutes page and their PDF show these figures.
    """
    rows = (
        Registration.objects.filter(meeting=meeting)
        .values("sector", "mode")
        .annotate(
            registered=Count("pk", filter=Q(status__in=Registration.SEAT_STATUSES)),
            attended=Count("pk", filter=Q(status=Registration.Status.ATTENDED)),
        )
        .order_by()
    )
    return Attendance(
        registered=sum(row["registered"] for row in rows),
        attended=sum(row["attended"] for row in rows),
        by_sector=_attendance_lines(rows, "sector", Registration.Sector),
        by_mode=_attendance_lines(rows, "mode", AttendanceMode, keep=meeting.modes),
    )


def _attendance_lines(rows, key: str, choices, *, keep=()) -> list[AttendanceLine]:
    """The rows added up per value of `key`, in the order of `choices`: those with anybody, and those in `keep`."""
    totals = {}
    for row in rows:
        registered, attended = totals.get(row[key], (0, 0))
        totals[row[key]] = (registered + row["registered"], attended + row["attended"])
    return [
        AttendanceLine(key=choice.value, label=choice.label, registered=registered, attended=attended)
        for choice in choices
        for registered, attended in [totals.get(choice.value, (0, 0))]
        if registered or attended or choice.value in keep
    ]


def carried_forward_decisions(*, meeting: Meeting) -> QuerySet[Decision]:
    """National decisions taken at the earlier stops of the same tour: every later stop carries them forward."""
    return (
        Decision.objects.filter(
            scope=Decision.Scope.NATIONAL, meeting__tour_id=meeting.tour_id, meeting__starts_at__lt=meeting.starts_at
        )
        .select_related("meeting__region")
        .order_by("meeting__starts_at", "position", "pk")
    )
