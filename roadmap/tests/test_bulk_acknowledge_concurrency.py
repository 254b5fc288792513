"""An official's bulk acknowledgement and ONMT's changes to the same items at the same moment, each on its own
PostgreSQL connection: never a deadlock, never an acknowledgement of a version that is not the item's."""

import pytest
from django.core.exceptions import ValidationError

from core.tests.concurrency import run_at_once
from regions.tests.factories import OfficialFactory, UserFactory, region
from roadmap.models import Acknowledgement, RoadmapItem
from roadmap.services import roadmap_items_acknowledge, roadmap_items_set_status
from roadmap.tests.factories import RoadmapItemFactory

# Needs PostgreSQL (DATABASE_URL), as in CI: SQLite has no row locks to test.
pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 8


def test_bulk_acknowledgement_and_a_bulk_change_never_deadlock_nor_leave_a_stale_acknowledgement():
    official = OfficialFactory(region=region(12)).user
    staff = UserFactory(is_staff=True)
    outcomes = set()
    for _round in range(ROUNDS):
        items = RoadmapItemFactory.create_batch(5, region=region(12), status="planned")
        ids = [item.pk for item in items]

        def acknowledge(ids=ids):
            try:
                roadmap_items_acknowledge(actor=official, revisions=dict.fromkeys(ids, 1))
            except ValidationError:
                return "refused"
            return "acknowledged"

        def drop_all(ids=ids):
            # A move to "dropped" is material: each item's revision goes up and its acknowledgement is cleared.
            roadmap_items_set_status(actor=staff, items=RoadmapItem.objects.filter(pk__in=ids), status="dropped")
            return "changed"

        outcomes.add(tuple(run_at_once([acknowledge, drop_all])))
        for item in RoadmapItem.objects.filter(pk__in=ids).select_related("acknowledgement"):
            assert item.revision == 2
            # Acknowledged before the change: cleared by it. After: refused as a whole.
            assert not hasattr(item, "acknowledgement")
    assert {acknowledged for acknowledged, _changed in outcomes} <= {"acknowledged", "refused"}
    assert Acknowledgement.objects.count() == 0
