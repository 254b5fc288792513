from datetime import timedelta

import pytest
from django.utils import timezone

from regions.tests.factories import region
from roadmap.models import RoadmapItem
from roadmap.selectors import roadmap_public_summary
from roadmap.tests.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db

Axis, Status = RoadmapItem.Axis, RoadmapItem.Status


def _counts(tally) -> dict[str, int]:
    return {count.status: count.count for count in tally.counts if count.count}


def test_public_summary_counts_each_axis_by_status_and_its_done_share(django_assert_num_queries):
    dakhla = region(12)
    RoadmapItemFactory.create_batch(3, region=dakhla, axis=Axis.PROMOTION, status=Status.DONE, progress=100)
    RoadmapItemFactory(region=dakhla, axis=Axis.PROMOTION, status=Status.IN_PROGRESS)
    RoadmapItemFactory(region=dakhla, axis=Axis.PROMOTION, status=Status.DROPPED)
    RoadmapItemFactory(region=dakhla, axis=Axis.DIGITAL, status=Status.PLANNED)
    RoadmapItemFactory(region=dakhla, axis=Axis.MARKETING, status=Status.DROPPED)
    RoadmapItemFactory(region=region(9), axis=Axis.PRODUCT, status=Status.DONE)

    with django_assert_num_queries(1):
        summary = roadmap_public_summary(region=dakhla)

    # The axes in declaration order, empty ones left out; another region's items never counted.
    assert [axis.axis for axis in summary.axes] == [Axis.PROMOTION, Axis.MARKETING, Axis.DIGITAL]
    promotion, marketing, digital = summary.axes
    assert promotion.label == Axis.PROMOTION.label
    assert _counts(promotion) == {"done": 3, "in_progress": 1, "dropped": 1}
    # Dropped items are left out of the share: 3 done of 4 still on the roadmap.
    assert (promotion.total, promotion.done_share) == (5, 75)
    assert (digital.total, digital.done_share) == (1, 0)
    assert (marketing.total, marketing.done_share) == (1, None)
    assert [count.status for count in promotion.counts] == Status.values
    assert _counts(summary.overall) == {"done": 3, "in_progress": 1, "planned": 1, "dropped": 2}
    assert (summary.overall.total, summary.overall.done_share) == (7, 60)


def test_public_summary_dates_the_last_change_of_any_item():
    dakhla = region(12)
    old, recent = RoadmapItemFactory.create_batch(2, region=dakhla)
    RoadmapItem.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=30))
    RoadmapItem.objects.filter(pk=recent.pk).update(updated_at=timezone.now() - timedelta(days=2))
    RoadmapItemFactory(region=region(9))  # changed just now, but in another region

    assert roadmap_public_summary(region=dakhla).last_updated_at == RoadmapItem.objects.get(pk=recent.pk).updated_at


def test_public_summary_of_an_empty_roadmap():
    summary = roadmap_public_summary(region=region(1))
    assert summary.axes == [] and summary.overall.total == 0 and summary.last_updated_at is None
    assert summary.overall.done_share is None


def test_public_summary_holds_numbers_and_labels_only():
    """Nothing of an item's text can reach the page: the summary carries no item at all."""
    RoadmapItemFactory(region=region(12), title="Intitulé confidentiel", description="Détail confidentiel")
    summary = roadmap_public_summary(region=region(12))
    assert "confidentiel" not in repr(summary.axes) + repr(summary.overall)
