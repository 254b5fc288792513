"""Reads of a meeting's minutes page: the text per agenda item, the decisions, the attendance figures."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from meetings.models import AgendaItem, Decision, Meeting, Minutes, MinutesEntry, Registration
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
    """Figures from registrations and check-in, in one query whatever the number of people.

    Registered means holding a seat (confirmed, offered or attended), as the meeting's seat count:
    the waiting list and cancellations are not. The minutes page and their PDF show these figures.
    Every registration is in person today: `by_mode` has that one line. When registrations get an
    attendance mode, the grouping gains it and the lines come from the same query.
    """
    rows = (
        Registration.objects.filter(meeting=meeting)
        .values("sector")
        .annotate(
            registered=Count("pk", filter=Q(status__in=Registration.SEAT_STATUSES)),
            attended=Count("pk", filter=Q(status=Registration.Status.ATTENDED)),
        )
        .order_by()
    )
    counts = {row["sector"]: row for row in rows}
    by_sector = [
        AttendanceLine(key=sector.value, label=sector.label, registered=row["registered"], attended=row["attended"])
        for sector in Registration.Sector
        if (row := counts.get(sector.value)) and (row["registered"] or row["attended"])
    ]
    registered = sum(line.registered for line in by_sector)
    attended = sum(line.attended for line in by_sector)
    in_person = AttendanceLine(key="in_person", label=_("Sur place"), registered=registered, attended=attended)
    return Attendance(registered=registered, attended=attended, by_sector=by_sector, by_mode=[in_person])


def carried_forward_decisions(*, meeting: Meeting) -> QuerySet[Decision]:
    """National decisions taken at the earlier stops of the same tour: every later stop carries them forward."""
    return (
        Decision.objects.filter(
            scope=Decision.Scope.NATIONAL, meeting__tour_id=meeting.tour_id, meeting__starts_at__lt=meeting.starts_at
        )
        .select_related("meeting__region")
        .order_by("meeting__starts_at", "position", "pk")
    )
