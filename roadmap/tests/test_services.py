import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from meetings.tests.factories import MeetingFactory
from regions.tests.factories import OfficialFactory, UserFactory, region
from roadmap.models import Acknowledgement, RoadmapItem, StatusChange
from roadmap.services import (
    roadmap_comment_add,
    roadmap_item_acknowledge,
    roadmap_item_create,
    roadmap_item_update,
    roadmap_items_set_status,
)
from roadmap.tests.factories import AcknowledgementFactory, RoadmapItemFactory, market

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


def test_create_writes_the_first_history_line(staff):
    item = roadmap_item_create(
        actor=staff,
        region=region(12),
        title="Éductour kitesurf pour les TO allemands",
        axis=RoadmapItem.Axis.PROMOTION,
        product_line=RoadmapItem.ProductLine.WATER_SPORTS,
        status=RoadmapItem.Status.PLANNED,
        progress=5,
        markets=[market("allemagne")],
    )
    assert list(item.markets.values_list("slug", flat=True)) == ["allemagne"]
    (line,) = item.history.all()
    assert (line.changed_by, line.from_status, line.to_status, line.from_progress, line.to_progress) == (
        staff,
        "",
        "planned",
        None,
        5,
    )


def test_create_refuses_a_meeting_of_another_region(staff):
    with pytest.raises(ValidationError) as error:
        roadmap_item_create(
            actor=staff,
            region=region(12),
            title="Action",
            axis=RoadmapItem.Axis.DOMESTIC,
            meeting=MeetingFactory(region=region(9)),
        )
    assert "meeting" in error.value.message_dict
    assert not RoadmapItem.objects.exists()


def test_status_and_progress_change_is_recorded_with_who_and_from_to(staff):
    item = RoadmapItemFactory(status=RoadmapItem.Status.PLANNED, progress=10)
    roadmap_item_update(actor=staff, item=item, data={"status": RoadmapItem.Status.IN_PROGRESS, "progress": 40})
    line = StatusChange.objects.get(item=item)
    assert (line.changed_by, line.from_status, line.to_status, line.from_progress, line.to_progress) == (
        staff,
        "planned",
        "in_progress",
        10,
        40,
    )


def test_a_change_of_other_fields_writes_no_history(staff):
    item = RoadmapItemFactory()
    roadmap_item_update(actor=staff, item=item, data={"description": "Nouvelle description"})
    assert not StatusChange.objects.filter(item=item).exists()


def test_done_means_full_progress(staff):
    item = RoadmapItemFactory(progress=60)
    item = roadmap_item_update(actor=staff, item=item, data={"status": RoadmapItem.Status.DONE})
    assert item.progress == 100
    assert StatusChange.objects.get(item=item).to_progress == 100


def test_unknown_field_is_refused(staff):
    with pytest.raises(ValueError, match="region"):
        roadmap_item_update(actor=staff, item=RoadmapItemFactory(), data={"region": region(9)})


@pytest.mark.parametrize(
    "data",
    [
        {"title": "Nouvel intitulé"},
        {"description": "Autre périmètre"},
        {"owner": RoadmapItem.Owner.CNT},
        {"due_on": datetime.date(2027, 1, 31)},
        {"axis": RoadmapItem.Axis.DIGITAL},
        {"priority": RoadmapItem.Priority.LOW},
        {"markets": "france"},
        {"status": RoadmapItem.Status.DROPPED},
    ],
    ids=lambda data: next(iter(data)),
)
def test_material_change_clears_the_acknowledgement(staff, data):
    if "markets" in data:
        data = {"markets": [market(data["markets"])]}
    if "status" in data:
        data = {"status": data["status"]}
    acknowledgement = AcknowledgementFactory()
    item = acknowledgement.item
    updated = roadmap_item_update(actor=staff, item=item, data=data)
    assert not Acknowledgement.objects.filter(item=item).exists()
    assert updated.revision == item.revision + 1


@pytest.mark.parametrize(
    "data",
    [
        {"progress": 55},
        {"status": RoadmapItem.Status.IN_PROGRESS},
        {"status": RoadmapItem.Status.DONE},
        {"title": "Action n°0 — same"},
    ],
    ids=["progress", "in_progress", "done", "same-values"],
)
def test_progress_reporting_keeps_the_acknowledgement(staff, data):
    acknowledgement = AcknowledgementFactory(item__title="Action n°0 — same")
    item = acknowledgement.item
    updated = roadmap_item_update(actor=staff, item=item, data=data)
    assert Acknowledgement.objects.filter(item=item).exists()
    assert updated.revision == item.revision


def test_reviving_a_dropped_item_is_material(staff):
    acknowledgement = AcknowledgementFactory(item__status=RoadmapItem.Status.DROPPED)
    roadmap_item_update(actor=staff, item=acknowledgement.item, data={"status": RoadmapItem.Status.PLANNED})
    assert not Acknowledgement.objects.exists()


def test_bulk_status_change_records_history_for_each_changed_item(staff):
    items = RoadmapItemFactory.create_batch(3, status=RoadmapItem.Status.PLANNED)
    already_blocked = RoadmapItemFactory(status=RoadmapItem.Status.BLOCKED)
    changed = roadmap_items_set_status(actor=staff, items=RoadmapItem.objects.all(), status=RoadmapItem.Status.BLOCKED)
    assert changed == 3
    assert StatusChange.objects.filter(item__in=items, to_status="blocked", changed_by=staff).count() == 3
    assert not StatusChange.objects.filter(item=already_blocked).exists()


def test_bulk_status_change_refuses_an_unknown_status(staff):
    with pytest.raises(ValueError):
        roadmap_items_set_status(actor=staff, items=RoadmapItem.objects.all(), status="archived")


def test_progress_outside_0_100_is_refused_by_the_database():
    item = RoadmapItemFactory()
    with pytest.raises(IntegrityError):
        RoadmapItem.objects.filter(pk=item.pk).update(progress=101)


def test_official_acknowledges_own_region_item_once():
    item = RoadmapItemFactory(region=region(12))
    official = OfficialFactory(region=region(12)).user
    first = roadmap_item_acknowledge(actor=official, item=item, revision=item.revision)
    second = roadmap_item_acknowledge(actor=OfficialFactory(region=region(12)).user, item=item, revision=item.revision)
    assert first == second and first.user == official and first.revision == item.revision


@pytest.mark.parametrize("who", ["other_region", "staff", "plain"])
def test_only_the_regions_officials_acknowledge(who):
    item = RoadmapItemFactory(region=region(12))
    actor = {
        "other_region": lambda: OfficialFactory(region=region(9)).user,
        "staff": lambda: UserFactory(is_staff=True),
        "plain": UserFactory,
    }[who]()
    with pytest.raises(PermissionDenied):
        roadmap_item_acknowledge(actor=actor, item=item, revision=item.revision)
    assert not Acknowledgement.objects.exists()


def test_acknowledging_a_version_changed_since_it_was_read_is_refused(staff):
    item = RoadmapItemFactory(region=region(12))
    read_revision = item.revision
    roadmap_item_update(actor=staff, item=item, data={"title": "Périmètre revu"})
    with pytest.raises(ValidationError):
        roadmap_item_acknowledge(actor=OfficialFactory(region=region(12)).user, item=item, revision=read_revision)
    assert not Acknowledgement.objects.exists()


def test_comments_by_staff_and_own_region_officials_only():
    item = RoadmapItemFactory(region=region(12))
    assert roadmap_comment_add(actor=UserFactory(is_staff=True), item=item, body=" Bien noté ").body == "Bien noté"
    official = OfficialFactory(region=region(12)).user
    assert roadmap_comment_add(actor=official, item=item, body="D'accord").author == official
    with pytest.raises(PermissionDenied):
        roadmap_comment_add(actor=OfficialFactory(region=region(9)).user, item=item, body="Intrus")
    with pytest.raises(ValidationError):
        roadmap_comment_add(actor=official, item=item, body="   ")
    assert item.comments.count() == 2
