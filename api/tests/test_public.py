"""The public API: what the public pages show, filtered, paginated, translated, cached and revalidated."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.page_cache import local_copies_forget
from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory, TourFactory
from regions.tests.factories import region
from roadmap.models import RoadmapItem
from roadmap.tests.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db


def _slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


def test_meetings_are_the_public_ones_filtered_by_region_status_and_dates(client):
    dakhla = MeetingFactory(region=region(12))
    souss = MeetingFactory(region=region(9), status=Meeting.Status.POSTPONED)
    MeetingFactory(status=Meeting.Status.DRAFT)
    MeetingFactory(tour=TourFactory(slug="brouillon", is_published=False))

    assert _slugs(client.get("/api/v1/meetings/")) == [dakhla.slug, souss.slug]
    assert _slugs(client.get("/api/v1/meetings/?region=souss-massa")) == [souss.slug]
    assert _slugs(client.get("/api/v1/meetings/?status=postponed")) == [souss.slug]
    day = souss.starts_at.date().isoformat()
    assert _slugs(client.get(f"/api/v1/meetings/?from_date={day}")) == [souss.slug]
    assert _slugs(client.get(f"/api/v1/meetings/?to_date={dakhla.starts_at.date().isoformat()}")) == [dakhla.slug]
    assert client.get("/api/v1/meetings/?status=draft").status_code == 400
    assert _slugs(client.get(f"/api/v1/meetings/?from_date={day}&to_date=2020-01-01")) == []
    assert client.get("/api/v1/meetings/brouillon-x/").status_code == 404


def test_bad_filters_are_a_400_naming_the_parameter(client):
    response = client.get("/api/v1/meetings/?from_date=2026-13-01")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["from_date"]
    assert client.get("/api/v1/meetings/?status=unknown").json()["code"] == "invalid"
    assert client.get("/api/v1/meetings/?page=99").status_code == 404


def test_lists_are_paginated(client):
    MeetingFactory.create_batch(3)
    first = client.get("/api/v1/meetings/?page_size=2").json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"].endswith("page=2&page_size=2")
    assert len(client.get(first["next"]).json()["results"]) == 1


def test_content_is_in_the_language_asked_french_when_missing(client):
    meeting = MeetingFactory(title_fr="Rencontre de Dakhla", title_ar="لقاء الداخلة", title_en="")
    arabic = client.get(f"/api/v1/meetings/{meeting.slug}/", HTTP_ACCEPT_LANGUAGE="ar")
    assert arabic.json()["title"] == "لقاء الداخلة" and arabic["Content-Language"] == "ar"
    english = client.get(f"/api/v1/meetings/{meeting.slug}/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["title"] == "Rencontre de Dakhla"
    assert "Accept-Language" in english["Vary"]
    assert client.get("/api/v1/regions/souss-massa/", HTTP_ACCEPT_LANGUAGE="ar").json()["name"] == "سوس ماسة"


def test_a_meeting_carries_its_calendar_links(client):
    meeting = MeetingFactory()
    calendar = client.get(f"/api/v1/meetings/{meeting.slug}/").json()["calendar"]
    assert calendar["ics"].endswith(f"/rencontres/{meeting.slug}/calendrier.ics")
    assert calendar["google"].startswith("https://calendar.google.com/")
    assert calendar["outlook"].startswith("https://outlook.live.com/")


def test_validators_answer_304_until_a_change_renews_the_answer(client, django_capture_on_commit_callbacks):
    meeting = MeetingFactory()
    url = f"/api/v1/meetings/{meeting.slug}/"
    first = client.get(url)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304

    with django_capture_on_commit_callbacks(execute=True):
        changed = Meeting.objects.get(pk=meeting.pk)
        changed.venue_name = "Hôtel de la Baie"
        changed.save()
    local_copies_forget()
    renewed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert renewed.status_code == 200 and renewed.json()["venue_name"] == "Hôtel de la Baie"
    assert renewed["ETag"] != etag


def test_the_answer_is_served_from_the_page_cache(client):
    MeetingFactory()
    client.get("/api/v1/meetings/")
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/api/v1/meetings/")
    assert again.status_code == 200 and len(queries) == 0


def test_the_roadmap_summary_counts_without_any_title(client, django_capture_on_commit_callbacks):
    item = RoadmapItemFactory(region=region(12), title="SECRET-TITLE-1", status=RoadmapItem.Status.PLANNED)
    summary = client.get("/api/v1/regions/dakhla-oued-ed-dahab/roadmap-summary/")
    assert summary.json()["statuses"]["planned"] == 1
    assert b"SECRET-TITLE-1" not in summary.content
    with django_capture_on_commit_callbacks(execute=True):
        item.status = RoadmapItem.Status.DONE
        item.save()
    renewed = client.get("/api/v1/regions/dakhla-oued-ed-dahab/roadmap-summary/").json()
    assert renewed["statuses"]["done"] == 1 and renewed["done_share"] == 100


def _queries(client, url: str) -> int:
    cache.clear()
    local_copies_forget()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/api/v1/meetings/", "/api/v1/tours/", "/api/v1/regions/"])
def test_public_lists_take_the_same_queries_with_ten_times_the_data(client, url):
    for number in range(1, 3):
        MeetingFactory(region=region(number), tour=TourFactory(slug=f"tour-{number}"))
    few = _queries(client, url)
    for number in range(3, 23):
        MeetingFactory(region=region(1 + number % 12), tour=TourFactory(slug=f"tour-{number}"))
    assert _queries(client, url) == few


def test_each_address_has_its_own_limit_counted_in_one_cache_key_per_window(client, settings):
    settings.API_PUBLIC_RATE_LIMIT = "2/min"
    answers = [client.get("/api/v1/regions/", REMOTE_ADDR="198.51.100.7") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[-1].json()["code"] == "throttled"
    assert 0 < int(answers[-1]["Retry-After"]) <= 60
    assert client.get("/api/v1/regions/", REMOTE_ADDR="198.51.100.8").status_code == 200
    # A counter, not the time of every request: what the cache holds stays one small number.
    window_keys = cache._cache.get_client().keys("*api-throttle:address:198.51.100.7:*")
    assert len(window_keys) == 1
    assert int(cache._cache.get_client().get(window_keys[0])) == 3
