"""A meeting of the benchmark open for registration, as the load cases need it (Django set up by the caller)."""

from datetime import datetime, timedelta

from django.utils import timezone

from meetings.models import Meeting, Tour
from regions.models import Region


def open_meeting(*, tour: Tour, region: Region, slug: str, title: str, starts_at: datetime, capacity: int) -> Meeting:
    """A published professionals' meeting in the region's seat city, registration open since yesterday."""
    return Meeting.objects.create(
        tour=tour,
        region=region,
        kind=Meeting.Kind.PROFESSIONALS,
        title=title,
        slug=slug,
        status=Meeting.Status.PUBLISHED,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        venue_name="Palais des congrès",
        address="Avenue Mohammed V",
        city=region.seat_city,
        capacity=capacity,
        registration_opens_at=timezone.now() - timedelta(days=1),
        registration_closes_at=starts_at - timedelta(hours=2),
    )
