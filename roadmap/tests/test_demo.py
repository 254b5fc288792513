import pytest
from django.db.models import Count

from meetings.demo import load_demo_tour
from regions.demo import load_demo_councils
from regions.tests.factories import OfficialFactory, UserFactory, region
from roadmap.demo import load_demo_roadmaps
from roadmap.models import Acknowledgement, BudgetLine, Indicator, Reading, RoadmapItem, StatusChange
from roadmap.selectors import indicators_progress

pytestmark = pytest.mark.django_db


def test_demo_roadmaps_carry_out_what_the_held_stops_decided_and_load_once():
    official = OfficialFactory(region=region(12))
    load_demo_councils(officials={})
    load_demo_tour(actor=UserFactory(is_staff=True, first_name="Équipe", last_name="Tournée"))

    created = load_demo_roadmaps()

    per_region = dict(RoadmapItem.objects.values_list("region__number").annotate(n=Count("pk")))
    # Only the regions whose meeting is behind the tour have a roadmap, and no two alike.
    assert set(per_region) == {12, 11, 10, 9}
    titles = {
        number: set(RoadmapItem.objects.filter(region__number=number).values_list("title", flat=True))
        for number in per_region
    }
    assert all(titles[a] != titles[b] for a in titles for b in titles if a < b)
    assert created == sum(per_region.values())
    items = list(RoadmapItem.objects.select_related("decision__meeting"))
    assert all(item.decision is not None and item.meeting == item.decision.meeting for item in items)
    # Nothing decided at a meeting ahead, nothing due before the meeting that decided it.
    assert all(item.meeting.status == "held" and item.due_on >= item.meeting.starts_at.date() for item in items)
    assert any(item.is_overdue for item in items) and any(item.status == RoadmapItem.Status.DONE for item in items)
    assert Acknowledgement.objects.filter(user=official.user).exists()
    # Every item has a budget, one line spent beyond its commitment; one in two follows an indicator with readings.
    assert set(BudgetLine.objects.values_list("item", flat=True)) == {item.pk for item in items}
    assert sum(line.overspent for line in BudgetLine.objects.all()) == 1
    followed = RoadmapItem.objects.filter(indicators__isnull=False).distinct()
    assert followed.count() == (created + 1) // 2
    assert not Indicator.objects.filter(readings__isnull=True).exists()
    for item in followed.prefetch_related("indicators__readings"):
        if item.status != RoadmapItem.Status.DONE:
            assert item.progress == indicators_progress(indicators=item.indicators.all())
    readings = Reading.objects.count()
    history = StatusChange.objects.count()

    assert load_demo_roadmaps() == 0
    assert RoadmapItem.objects.count() == created
    assert StatusChange.objects.count() == history
    assert Reading.objects.count() == readings
