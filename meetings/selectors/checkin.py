"""Reads of the check-in page: the list a phone keeps, and the hall in figures."""

from dataclasses import dataclass, field

from django.db.models import Count, Q

from meetings.models import AttendanceMode, Meeting, Registration

# What a phone keeps of each person: enough to find them by name or organisation and to say whether
# they may come in. No e-mail, no phone number, no manage secret.
CHECKIN_FIELDS = ("public_id", "full_name", "organisation", "sector", "status", "attended_at", "walk_in")


def checkin_people(*, meeting: Meeting) -> list[dict]:
    """Everyone registered for the meeting, as the phones keep them (one query whatever their number).

    Cancelled and waitlisted people are in it too, so an offline phone can say why they cannot come in.
    """
    return list(_at_the_door(meeting).order_by("full_name", "pk").values(*CHECKIN_FIELDS))


def _at_the_door(meeting: Meeting):
    # Online registrants never come to the door: their join link counts them.
    return Registration.objects.filter(meeting=meeting, mode=AttendanceMode.IN_PERSON)


@dataclass(frozen=True)
class HallSector:
    key: str
    label: str
    expected: int
    arrived: int


@dataclass(frozen=True)
class HallFigures:
    """Expected: registered ahead with a seat (confirmed or checked in). Arrived: checked in, walk-ins included."""

    capacity: int
    # Confirmed, offered or checked in: what a walk-in's seat is counted against.
    seats_taken: int
    expected: int
    arrived: int
    arrived_expected: int
    walk_ins: int
    by_sector: list[HallSector] = field(default_factory=list)

    @property
    def seats_free(self) -> int:
        return max(self.capacity - self.seats_taken, 0)


def hall_figures(*, meeting: Meeting) -> HallFigures:
    """The hall in figures for the staff at the door, in one query whatever the number of people."""
    ahead = Q(walk_in=False)
    attended = Q(status=Registration.Status.ATTENDED)
    rows = (
        _at_the_door(meeting)
        .values("sector")
        .annotate(
            expected=Count(
                "pk", filter=ahead & Q(status__in=[Registration.Status.CONFIRMED, Registration.Status.ATTENDED])
            ),
            seats_taken=Count("pk", filter=Q(status__in=Registration.SEAT_STATUSES)),
            arrived=Count("pk", filter=attended),
            arrived_expected=Count("pk", filter=attended & ahead),
            walk_ins=Count("pk", filter=attended & Q(walk_in=True)),
        )
        .order_by()
    )
    counts = {row["sector"]: row for row in rows}
    by_sector = [
        HallSector(key=sector.value, label=str(sector.label), expected=row["expected"], arrived=row["arrived"])
        for sector in Registration.Sector
        if (row := counts.get(sector.value)) and (row["expected"] or row["arrived"])
    ]
    return HallFigures(
        capacity=meeting.capacity,
        seats_taken=sum(row["seats_taken"] for row in counts.values()),
        expected=sum(row["expected"] for row in counts.values()),
        arrived=sum(row["arrived"] for row in counts.values()),
        arrived_expected=sum(row["arrived_expected"] for row in counts.values()),
        walk_ins=sum(row["walk_ins"] for row in counts.values()),
        by_sector=by_sector,
    )
