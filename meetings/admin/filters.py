"""List filters shared by the admin pages of rows that belong to a meeting."""

from django.contrib import admin
from django.db.models import Q

from meetings.models import Meeting
from meetings.selectors.meeting import tour_current


class TourMeetingFilter(admin.RelatedFieldListFilter):
    """The meetings of the tour under way, and the one chosen: hundreds of past meetings are no use as links.

    Any meeting stays reachable through its URL parameter (the meeting page in the admin links to it).
    """

    def field_choices(self, field, request, model_admin):
        tour = tour_current()
        chosen = [value for value in (self.lookup_val or []) if str(value).isdigit()]
        meetings = (
            Meeting.objects.filter(Q(tour=tour) | Q(pk__in=chosen)) if tour else Meeting.objects.filter(pk__in=chosen)
        )
        return [(meeting.pk, str(meeting)) for meeting in meetings.order_by("starts_at")]
