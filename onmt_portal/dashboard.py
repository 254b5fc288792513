"""The admin's first page for ONMT staff: what needs attention across the tour, in one look."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from meetings.models import Meeting, Minutes, Registration, Tour
from meetings.selectors.meeting import tour_current
from messaging.models import OutboundMessage
from roadmap.models import RoadmapItem

NEXT_MEETINGS = 5
OVERDUE_SHOWN = 5


@dataclass
class StaffDashboard:
    tour: Tour | None
    next_meetings: list[Meeting]
    failed_messages: int
    invitations_waiting: int
    minutes_awaiting_crt: list[Minutes]
    overdue_count: int
    overdue_items: list[RoadmapItem]


def staff_dashboard() -> StaffDashboard:
    """A constant number of queries whatever the size of the tour (asserted in the tests)."""
    now = timezone.now()
    next_meetings = list(
        Meeting.objects.filter(ends_at__gt=now, status__in=[Meeting.Status.PUBLISHED, Meeting.Status.POSTPONED])
        .select_related("region")
        .annotate(seats_taken=Count("registrations", filter=Q(registrations__status__in=Registration.SEAT_STATUSES)))
        .order_by("starts_at")[:NEXT_MEETINGS]
    )
    messages = OutboundMessage.objects.aggregate(
        failed=Count("pk", filter=Q(status=OutboundMessage.Status.FAILED)),
        invitations=Count("pk", filter=Q(status=OutboundMessage.Status.QUEUED, kind=OutboundMessage.Kind.INVITATION)),
    )
    overdue = RoadmapItem.objects.filter(due_on__lt=timezone.localdate()).exclude(
        status__in=RoadmapItem.CLOSED_STATUSES
    )
    return StaffDashboard(
        tour=tour_current(),
        next_meetings=next_meetings,
        failed_messages=messages["failed"],
        invitations_waiting=messages["invitations"],
        minutes_awaiting_crt=list(
            Minutes.objects.filter(status=Minutes.Status.SUBMITTED).select_related("meeting__region", "validator")
        ),
        overdue_count=overdue.count(),
        overdue_items=list(overdue.select_related("region").order_by("due_on")[:OVERDUE_SHOWN]),
    )
