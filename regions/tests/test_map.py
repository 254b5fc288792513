"""The SVG map of the 12 regions shipped in static/ (no external tiles)."""

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

from meetings.tests.factories import MeetingFactory
from regions.models import Region

pytestmark = pytest.mark.django_db

MAP = Path(settings.BASE_DIR) / "static" / "img" / "morocco-regions.svg"
SVG = "{http://www.w3.org/2000/svg}"


def test_each_region_of_the_map_links_to_its_public_page():
    root = ElementTree.parse(MAP).getroot()
    links = {link.get("id"): link for link in root.iter(f"{SVG}a")}
    assert len(links) == 12
    for region in Region.objects.all():
        link = links[f"region-{region.number}"]
        assert link.get("href") == reverse("regions:detail", args=[region.slug])
        assert link.find(f"{SVG}title").text == f"{region.number}. {region.name_fr}"
        assert link.find(f"{SVG}polygon") is not None
    # Self-contained: no external tiles, fonts or scripts.
    assert not re.search(r"(?:href|src)=\"https?://", MAP.read_text())


def test_the_tour_page_shows_the_map(client):
    meeting = MeetingFactory()
    response = client.get(reverse("meetings:tour", args=[meeting.tour.slug]))
    assert response.status_code == 200
    assert static("img/morocco-regions.svg") in response.content.decode()
