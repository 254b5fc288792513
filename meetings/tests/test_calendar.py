from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from meetings.calendar import calendar_bytes, meeting_ics, meeting_uid, web_calendar_links
from meetings.models import Meeting
from meetings.services import meeting as services
from meetings.tests.factories import MeetingFactory, TourFactory
from regions.tests.factories import region

pytestmark = pytest.mark.django_db

CASABLANCA = ZoneInfo("Africa/Casablanca")


def events(content: bytes) -> list:
    return Calendar.from_ical(content).walk("VEVENT")


def meeting_at(*args, **kwargs) -> Meeting:
    starts_at = datetime(*args, tzinfo=CASABLANCA)
    return MeetingFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=3), **kwargs)


def test_morocco_is_utc_plus_zero_during_ramadan_2027_and_utc_plus_one_outside():
    # The premise of the next test, checked against the time zone database rather than assumed.
    assert datetime(2027, 2, 20, 10, tzinfo=CASABLANCA).utcoffset() == timedelta(0)
    assert datetime(2027, 4, 20, 10, tzinfo=CASABLANCA).utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize(
    ("local_start", "utc_start"),
    [
        ((2027, 2, 20, 10, 0), datetime(2027, 2, 20, 10, 0, tzinfo=UTC)),  # during Ramadan: UTC+0
        ((2027, 4, 20, 10, 0), datetime(2027, 4, 20, 9, 0, tzinfo=UTC)),  # after Ramadan: UTC+1
    ],
)
def test_ics_times_are_in_utc_and_right_across_the_ramadan_offset_change(local_start, utc_start):
    meeting = meeting_at(*local_start)
    (event,) = events(meeting_ics(meeting))
    assert event.decoded("dtstart") == utc_start
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert event.decoded("dtend") == utc_start + timedelta(hours=3)
    assert b"DTSTART:" + utc_start.strftime("%Y%m%dT%H%M%SZ").encode() in meeting_ics(meeting)


def test_ics_carries_the_practical_details_and_a_link_back(settings):
    meeting = MeetingFactory(title="Rencontre de Dakhla", venue_name="Palais des congrès", address="Av. Mohammed V")
    calendar = Calendar.from_ical(meeting_ics(meeting))
    (event,) = calendar.walk("VEVENT")
    assert calendar["version"] == "2.0" and calendar["prodid"]
    assert str(event["summary"]) == "Rencontre de Dakhla"
    assert str(event["location"]) == "Palais des congrès, Av. Mohammed V, Dakhla"
    assert str(event["url"]) == settings.SITE_URL + meeting.get_absolute_url()
    assert str(event["status"]) == "CONFIRMED"
    assert event.decoded("dtstamp").tzinfo is not None


def test_uid_stays_and_sequence_grows_when_the_meeting_is_postponed_then_cancelled():
    meeting = MeetingFactory()
    (before,) = events(meeting_ics(meeting))
    new_start = meeting.starts_at + timedelta(days=20)
    services.meeting_postpone(meeting=meeting, starts_at=new_start, ends_at=new_start + timedelta(hours=3))
    (postponed,) = events(meeting_ics(meeting))
    services.meeting_cancel(meeting=meeting)
    (cancelled,) = events(meeting_ics(meeting))
    assert str(before["uid"]) == str(postponed["uid"]) == str(cancelled["uid"]) == meeting_uid(meeting)
    assert [e.decoded("sequence") for e in (before, postponed, cancelled)] == [0, 1, 2]
    assert postponed.decoded("dtstart") == new_start
    assert str(postponed["status"]) == "TENTATIVE"
    assert str(cancelled["status"]) == "CANCELLED"


def test_an_e_mailed_invitation_of_a_cancelled_meeting_cancels_the_event():
    meeting = MeetingFactory(status=Meeting.Status.CANCELLED)
    assert str(Calendar.from_ical(meeting_ics(meeting, method="REQUEST"))["method"]) == "CANCEL"


def test_uids_differ_between_meetings_and_a_feed_has_one_event_per_meeting():
    meetings = MeetingFactory.create_batch(3)
    uids = [str(event["uid"]) for event in events(calendar_bytes(meetings, name="Tournée"))]
    assert uids == [meeting_uid(m) for m in meetings] and len(set(uids)) == 3


def test_tour_feed_keeps_cancelled_meetings_and_hides_drafts(client):
    tour = TourFactory()
    shown = MeetingFactory(tour=tour)
    cancelled = MeetingFactory(tour=tour, status=Meeting.Status.CANCELLED)
    MeetingFactory(tour=tour, status=Meeting.Status.DRAFT)
    response = client.get(reverse("meetings:tour_feed", args=[tour.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert {str(e["uid"]): str(e["status"]) for e in calendar.walk("VEVENT")} == {
        meeting_uid(shown): "CONFIRMED",
        meeting_uid(cancelled): "CANCELLED",
    }
    assert calendar.decoded("refresh-interval") == timedelta(hours=6)


def test_region_feed_lists_only_that_regions_public_meetings(client):
    dakhla = MeetingFactory(region=region(12))
    MeetingFactory(region=region(11))
    response = client.get(reverse("meetings:region_feed", args=["dakhla-oued-ed-dahab"]))
    assert [str(e["uid"]) for e in events(response.content)] == [meeting_uid(dakhla)]
    assert client.get(reverse("meetings:region_feed", args=["atlantide"])).status_code == 404


def test_meeting_ics_download_and_404_for_drafts(client):
    meeting = MeetingFactory()
    response = client.get(reverse("meetings:ics", args=[meeting.slug]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{meeting.slug}.ics"'
    assert [str(e["uid"]) for e in events(response.content)] == [meeting_uid(meeting)]
    draft = MeetingFactory(status=Meeting.Status.DRAFT)
    assert client.get(reverse("meetings:ics", args=[draft.slug])).status_code == 404
    assert client.get(reverse("meetings:tour_feed", args=["inconnue"])).status_code == 404


def test_web_calendar_links_carry_the_meeting_in_utc(client):
    start = timezone.make_aware(datetime(2031, 6, 3, 15, 0))
    meeting = MeetingFactory(
        title="Rencontre de Dakhla", starts_at=start, ends_at=start + timedelta(hours=3), registration_closes_at=None
    )
    links = web_calendar_links(meeting)
    google = parse_qs(urlsplit(links.google).query)
    # 15:00 in Casablanca is 14:00 UTC in June (UTC+1).
    assert google["dates"] == ["20310603T140000Z/20310603T170000Z"]
    assert google["text"] == ["Rencontre de Dakhla"] and google["location"] == [meeting.place]
    outlook = parse_qs(urlsplit(links.outlook).query)
    assert outlook["startdt"] == ["2031-06-03T14:00:00+00:00"] and outlook["subject"] == ["Rencontre de Dakhla"]
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "https://calendar.google.com/calendar/render?" in page and "https://outlook.live.com/" in page
