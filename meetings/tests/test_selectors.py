from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from meetings.models import Meeting, Registration
from meetings.selectors import meeting as selectors
from meetings.selectors.registration import registration_seats_taken
from meetings.tests.factories import MeetingFactory, RegistrationFactory, TourFactory
from regions.tests.factories import region

pytestmark = pytest.mark.django_db


def test_seats_taken_counts_confirmed_offered_and_attended_only():
    meeting = MeetingFactory(capacity=10)
    RegistrationFactory(status=Registration.Status.CONFIRMED)  # another meeting's
    for status in Registration.Status:
        RegistrationFactory(
            meeting=meeting,
            status=status,
            offer_expires_at=timezone.now() + timedelta(days=1) if status == Registration.Status.OFFERED else None,
        )
    assert registration_seats_taken(meeting_id=meeting.pk) == 3
    annotated = selectors.meetings_public().get(pk=meeting.pk)
    assert (annotated.seats_taken, annotated.seats_left) == (3, 7)


def test_seats_left_never_goes_below_zero():
    meeting = MeetingFactory(capacity=1)
    RegistrationFactory.create_batch(2, meeting=meeting)
    assert selectors.meetings_public().get(pk=meeting.pk).seats_left == 0


def test_public_meetings_hide_drafts_and_unpublished_tours_but_keep_cancelled():
    shown = MeetingFactory()
    cancelled = MeetingFactory(status=Meeting.Status.CANCELLED)
    MeetingFactory(status=Meeting.Status.DRAFT)
    MeetingFactory(tour=TourFactory(slug="preparation", is_published=False))
    assert list(selectors.meetings_public()) == [shown, cancelled]


def test_public_meetings_are_one_query_whatever_the_registrations(django_assert_num_queries):
    for meeting in MeetingFactory.create_batch(5):
        RegistrationFactory.create_batch(3, meeting=meeting)
    with django_assert_num_queries(1):
        meetings = list(selectors.meetings_public())
        assert [(m.seats_taken, m.region.number, m.tour.slug) for m in meetings] == [(3, 12, "relance-2026")] * 5


def test_meeting_public_get_raises_404_for_drafts_and_unknown_slugs():
    draft = MeetingFactory(status=Meeting.Status.DRAFT)
    with pytest.raises(Http404):
        selectors.meeting_public_get(slug=draft.slug)
    with pytest.raises(Http404):
        selectors.meeting_public_get(slug="nulle-part")
    shown = MeetingFactory()
    assert selectors.meeting_public_get(slug=shown.slug) == shown


def test_tour_current_prefers_the_tour_under_way_then_the_next_one():
    today = timezone.localdate()
    assert selectors.tour_current() is None
    TourFactory(slug="ancienne", starts_on=today - timedelta(days=400), ends_on=today - timedelta(days=300))
    assert selectors.tour_current().slug == "ancienne"
    TourFactory(slug="prochaine", starts_on=today + timedelta(days=10), ends_on=today + timedelta(days=100))
    assert selectors.tour_current().slug == "prochaine"
    TourFactory(slug="en-cours", starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=1))
    TourFactory(slug="cachee", starts_on=today, ends_on=today, is_published=False)
    assert selectors.tour_current().slug == "en-cours"


def test_tour_timeline_orders_stops_by_date_and_lists_unscheduled_regions():
    tour = TourFactory()
    # Dates of their own: the factory's sequence of dates wraps around in a long run.
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=40)
    dakhla_session = MeetingFactory(tour=tour, region=region(12), kind=Meeting.Kind.CRT_SESSION, starts_at=start)
    dakhla_pros = MeetingFactory(tour=tour, region=region(12), starts_at=start + timedelta(days=1))
    laayoune = MeetingFactory(
        tour=tour, region=region(11), status=Meeting.Status.DRAFT, starts_at=start + timedelta(days=7)
    )
    MeetingFactory(tour=tour, region=region(10), status=Meeting.Status.CANCELLED, starts_at=start + timedelta(days=14))
    MeetingFactory(tour=TourFactory(slug="autre"), region=region(9))
    timeline = selectors.tour_timeline(tour=tour)
    assert [stop.region.number for stop in timeline.stops] == [12, 11, 10]
    assert timeline.stops[0].meetings == [dakhla_session, dakhla_pros]
    assert timeline.stops[1].meetings == [laayoune]
    assert [r.number for r in timeline.unscheduled] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]


def test_upcoming_meetings_skip_past_and_cancelled_ones():
    tour = TourFactory()
    MeetingFactory(
        tour=tour,
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2) + timedelta(hours=3),
        status=Meeting.Status.HELD,
    )
    MeetingFactory(tour=tour, status=Meeting.Status.CANCELLED)
    upcoming = MeetingFactory.create_batch(4, tour=tour)
    # By date: the factory's dates start again 200 meetings later in a long run.
    assert selectors.meetings_upcoming(tour=tour) == sorted(upcoming, key=lambda meeting: meeting.starts_at)[:3]
