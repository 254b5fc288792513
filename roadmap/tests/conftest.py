from types import SimpleNamespace

import pytest

from meetings.tests.factories import MeetingFactory
from regions.tests.factories import OfficialFactory, UserFactory, region
from roadmap.tests.factories import CommentFactory, RoadmapItemFactory


@pytest.fixture
def world(db):
    """Two regions with one item and one comment each, an official of each, and a staff member.

    Region A is Dakhla-Oued Ed-Dahab (12), region B Souss-Massa (9). The titles and
    comments carry markers that must never show up in the other region's pages.
    """
    region_a, region_b = region(12), region(9)
    item_a = RoadmapItemFactory(region=region_a, title="SECRET-A kitesurf Dakhla")
    item_b = RoadmapItemFactory(region=region_b, title="SECRET-B golf Taghazout")
    CommentFactory(item=item_a, body="COMMENT-A sur les vols charters")
    CommentFactory(item=item_b, body="COMMENT-B sur les greens")
    return SimpleNamespace(
        region_a=region_a,
        region_b=region_b,
        item_a=item_a,
        item_b=item_b,
        official_a=OfficialFactory(region=region_a).user,
        official_b=OfficialFactory(region=region_b).user,
        staff=UserFactory(is_staff=True),
        meeting_a=MeetingFactory(region=region_a),
    )
