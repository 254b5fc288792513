import datetime

import pytest
from django.core.exceptions import ValidationError

from meetings.models import Decision
from meetings.tests.factories import DecisionFactory, MeetingFactory
from regions.tests.factories import UserFactory, region
from roadmap.models import Comment, RoadmapItem, StatusChange
from roadmap.services import (
    decision_delete,
    roadmap_item_from_decision,
    roadmap_item_link_decision,
    roadmap_item_update,
)
from roadmap.tests.factories import CommentFactory, RoadmapItemFactory, market

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


@pytest.fixture
def decision():
    meeting = MeetingFactory(region=region(9), title="Rencontre d'Agadir")
    decision = DecisionFactory(
        meeting=meeting,
        agenda_item__title="Accès aérien",
        title="Roadshow Allemagne",
        details="Trois villes, avec les TO partenaires.",
        axis=Decision.Axis.PROMOTION,
        product_line=Decision.ProductLine.SEASIDE,
        owner=Decision.Owner.CRT,
        due_on=datetime.date(2027, 3, 31),
        scope=Decision.Scope.NATIONAL,
    )
    decision.markets.set([market("allemagne"), market("france")])
    return decision


def test_a_decision_becomes_a_planned_item_of_the_meetings_region_linked_both_ways(staff, decision):
    item = roadmap_item_from_decision(actor=staff, decision=decision)
    item.refresh_from_db()
    assert (item.region, item.meeting, item.decision) == (region(9), decision.meeting, decision)
    assert (item.title, item.description) == ("Roadshow Allemagne", "Trois villes, avec les TO partenaires.")
    assert (item.axis, item.product_line, item.owner, item.due_on) == (
        "promotion",
        "seaside",
        "crt",
        datetime.date(2027, 3, 31),
    )
    assert item.status == RoadmapItem.Status.PLANNED
    assert set(item.markets.values_list("slug", flat=True)) == {"allemagne", "france"}
    assert Decision.objects.get(pk=decision.pk).roadmap_item == item
    # The first line of its history, as for any item created by staff.
    (line,) = StatusChange.objects.filter(item=item)
    assert (line.changed_by, line.from_status, line.to_status) == (staff, "", "planned")


def test_turning_a_decision_twice_returns_its_item(staff, decision):
    first = roadmap_item_from_decision(actor=staff, decision=decision)
    again = roadmap_item_from_decision(actor=staff, decision=decision)
    assert again == first
    assert RoadmapItem.objects.count() == 1
    assert StatusChange.objects.count() == 1


def test_an_item_of_the_same_title_in_the_region_is_refused_with_the_offer_to_link(staff, decision):
    namesake = RoadmapItemFactory(region=region(9), title="Roadshow Allemagne")
    with pytest.raises(ValidationError) as refusal:
        roadmap_item_from_decision(actor=staff, decision=decision)
    assert refusal.value.code == "duplicate_title"
    assert refusal.value.params["item"] == namesake.pk
    assert "reliez la décision à cette action" in refusal.value.messages[0]
    assert RoadmapItem.objects.count() == 1

    linked = roadmap_item_link_decision(item=namesake, decision=decision)
    assert linked.decision == decision
    # Linking copies nothing: the item stays as it was, and takes the meeting it had none of.
    linked.refresh_from_db()
    assert (linked.description, linked.meeting) == (namesake.description, decision.meeting)
    assert roadmap_item_from_decision(actor=staff, decision=decision) == namesake


def test_the_same_title_in_another_region_is_no_obstacle(staff, decision):
    RoadmapItemFactory(region=region(12), title="Roadshow Allemagne")
    assert roadmap_item_from_decision(actor=staff, decision=decision).region == region(9)


def test_linking_refuses_another_regions_item_or_an_item_already_linked(staff, decision):
    with pytest.raises(ValidationError) as refusal:
        roadmap_item_link_decision(item=RoadmapItemFactory(region=region(12)), decision=decision)
    assert refusal.value.code == "region"
    other = DecisionFactory(meeting=decision.meeting)
    taken = roadmap_item_from_decision(actor=staff, decision=other)
    with pytest.raises(ValidationError) as refusal:
        roadmap_item_link_decision(item=taken, decision=decision)
    assert refusal.value.code == "item_linked"
    roadmap_item_from_decision(actor=staff, decision=decision)
    with pytest.raises(ValidationError) as refusal:
        roadmap_item_link_decision(item=RoadmapItemFactory(region=region(9)), decision=decision)
    assert refusal.value.code == "linked"


def test_editing_either_side_keeps_the_link_and_copies_nothing_back(staff, decision):
    item = roadmap_item_from_decision(actor=staff, decision=decision)
    roadmap_item_update(
        actor=staff, item=item, data={"title": "Roadshow Allemagne et Autriche", "status": "in_progress"}
    )
    decision.title = "Roadshow en Allemagne"
    decision.save()
    decision.refresh_from_db()
    item.refresh_from_db()
    assert (item.decision, item.title) == (decision, "Roadshow Allemagne et Autriche")
    assert decision.title == "Roadshow en Allemagne"


def test_deleting_a_decision_and_keeping_its_item_unlinks_it_with_a_note(staff, decision):
    item = roadmap_item_from_decision(actor=staff, decision=decision)
    decision_delete(actor=staff, decision=decision, item_action="keep")
    assert not Decision.objects.filter(pk=decision.pk).exists()
    item.refresh_from_db()
    assert (item.decision, item.meeting, item.status) == (None, decision.meeting, RoadmapItem.Status.PLANNED)
    note = Comment.objects.get(item=item)
    assert note.author == staff
    assert "« Roadshow Allemagne »" in note.body and "Rencontre d'Agadir" in note.body


def test_deleting_a_decision_and_its_item(staff, decision):
    item = roadmap_item_from_decision(actor=staff, decision=decision)
    CommentFactory(item=item)
    decision_delete(actor=staff, decision=decision, item_action="delete")
    assert not Decision.objects.filter(pk=decision.pk).exists()
    assert not RoadmapItem.objects.filter(pk=item.pk).exists()
    assert not Comment.objects.exists()


def test_deleting_a_decision_with_an_item_needs_a_choice(staff, decision):
    roadmap_item_from_decision(actor=staff, decision=decision)
    with pytest.raises(ValidationError) as refusal:
        decision_delete(actor=staff, decision=decision)
    assert refusal.value.code == "item_action_missing"
    assert Decision.objects.filter(pk=decision.pk).exists()
    with pytest.raises(ValueError):
        decision_delete(actor=staff, decision=decision, item_action="archive")


def test_a_decision_without_item_is_simply_deleted(staff, decision):
    decision_delete(actor=staff, decision=decision)
    assert not Decision.objects.exists()


def test_a_decision_deleted_meanwhile_is_a_clear_refusal(staff, decision):
    stale = Decision.objects.get(pk=decision.pk)
    decision_delete(actor=staff, decision=decision)
    with pytest.raises(ValidationError) as refusal:
        roadmap_item_from_decision(actor=staff, decision=stale)
    assert refusal.value.code == "gone"


def test_an_agenda_item_of_another_meeting_is_refused(decision):
    other = DecisionFactory()
    decision.agenda_item = other.agenda_item
    with pytest.raises(ValidationError) as refusal:
        decision.full_clean()
    assert "agenda_item" in refusal.value.message_dict
