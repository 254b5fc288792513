import pytest
from django.db.models import Count

from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory
from regions.tests.factories import OfficialFactory, region
from roadmap.demo import load_demo_roadmaps
from roadmap.models import Acknowledgement, RoadmapItem, StatusChange

pytestmark = pytest.mark.django_db


def test_demo_roadmaps_cover_every_region_and_load_once():
    OfficialFactory(region=region(12))
    meeting = MeetingFactory(region=region(12), kind=Meeting.Kind.CRT_SESSION)

    created = load_demo_roadmaps()

    per_region = dict(RoadmapItem.objects.values_list("region__number").annotate(n=Count("pk")))
    assert set(per_region) == set(range(1, 13))
    assert all(6 <= count <= 12 for count in per_region.values())
    assert created == sum(per_region.values())
    assert set(RoadmapItem.objects.values_list("axis", flat=True)) == set(RoadmapItem.Axis.values)
    assert RoadmapItem.objects.filter(region=region(12), meeting=meeting).count() == per_region[12]
    assert any(item.is_overdue for item in RoadmapItem.objects.all())
    assert Acknowledgement.objects.filter(item__region=region(12)).count() == 2
    history = StatusChange.objects.count()

    assert load_demo_roadmaps() == 0
    assert RoadmapItem.objects.count() == created
    assert StatusChange.objects.count() == history
    assert Acknowledgement.objects.count() == 2
