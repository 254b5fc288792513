"""The decisions register in the admin: list, filters, turning decisions into items, linking, deletion."""

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings.models import Decision
from meetings.tests.factories import DecisionFactory, MeetingFactory, TourFactory
from regions.tests.factories import UserFactory, region
from roadmap.models import Comment, RoadmapItem
from roadmap.services import roadmap_item_from_decision
from roadmap.tests.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:meetings_decision_changelist")


def change_url(decision) -> str:
    return reverse("admin:meetings_decision_change", args=[decision.pk])


def delete_url(decision) -> str:
    return reverse("admin:meetings_decision_delete", args=[decision.pk])


def listed(client, query: str = "") -> set[int]:
    response = client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def _decisions_with_and_without_items(count: int, staff) -> None:
    for index, decision in enumerate(DecisionFactory.create_batch(count)):
        if index % 2:
            roadmap_item_from_decision(actor=staff, decision=decision)


def test_the_list_shows_every_column_with_constant_queries(staff_client, staff_user):
    _decisions_with_and_without_items(5, staff_user)
    with CaptureQueriesContext(connection) as few:
        response = staff_client.get(CHANGELIST)
    body = response.content.decode()
    linked = Decision.objects.filter(roadmap_item__isnull=False).select_related("roadmap_item").first()
    assert reverse("admin:roadmap_roadmapitem_change", args=[linked.roadmap_item.pk]) in body
    assert ">Planifiée</a>" in body
    assert body.count(">Créer l&#x27;action de feuille de route</button>") == 3
    assert "Dakhla-Oued Ed-Dahab" in body and "Plan stratégique de relance" in body
    _decisions_with_and_without_items(45, staff_user)
    with CaptureQueriesContext(connection) as many:
        assert staff_client.get(CHANGELIST).status_code == 200
    assert Decision.objects.count() == 50
    assert len(many) == len(few), [query["sql"] for query in many.captured_queries]


def test_filters_by_region_tour_axis_owner_scope_and_item(staff_client, staff_user):
    dakhla = DecisionFactory(meeting__region=region(12), axis=Decision.Axis.DOMESTIC, owner=Decision.Owner.CNT)
    souss = DecisionFactory(
        meeting__region=region(9), meeting__tour=TourFactory(slug="autre"), scope=Decision.Scope.NATIONAL
    )
    roadmap_item_from_decision(actor=staff_user, decision=souss)
    assert listed(staff_client, f"meeting__region__id__exact={region(9).pk}") == {souss.pk}
    assert listed(staff_client, f"meeting__tour__id__exact={souss.meeting.tour_id}") == {souss.pk}
    assert listed(staff_client, "axis__exact=domestic") == {dakhla.pk}
    assert listed(staff_client, "owner__exact=cnt") == {dakhla.pk}
    assert listed(staff_client, "scope__exact=national") == {souss.pk}
    assert listed(staff_client, "action_feuille_de_route=avec") == {souss.pk}
    assert listed(staff_client, "action_feuille_de_route=sans") == {dakhla.pk}
    # A hand-edited value filters nothing rather than failing.
    assert listed(staff_client, "action_feuille_de_route=<script>") == {dakhla.pk, souss.pk}
    assert listed(staff_client, f"q={souss.title}") == {souss.pk}
    assert listed(staff_client, f"q={dakhla.meeting.title}") == {dakhla.pk}


def test_the_action_turns_the_selected_decisions_into_items_and_offers_to_link_a_namesake(staff_client):
    fresh, taken, namesake_of = DecisionFactory.create_batch(3, meeting__region=region(9))
    roadmap_item_from_decision(actor=UserFactory(is_staff=True), decision=taken)
    namesake = RoadmapItemFactory(region=region(9), title=namesake_of.title)
    response = staff_client.post(
        CHANGELIST,
        {"action": "create_roadmap_items", "_selected_action": [fresh.pk, taken.pk, namesake_of.pk]},
        follow=True,
    )
    body = response.content.decode()
    assert "1 action ajoutée aux feuilles de route." in body
    assert RoadmapItem.objects.get(decision=fresh).status == RoadmapItem.Status.PLANNED
    assert RoadmapItem.objects.filter(decision=taken).count() == 1
    assert "a déjà une action intitulée" in body
    assert reverse("admin:meetings_decision_link", args=[namesake_of.pk]) in body
    assert not RoadmapItem.objects.filter(decision=namesake_of).exists()
    namesake.refresh_from_db()
    assert namesake.decision is None


def test_the_row_button_posts_to_the_endpoint_and_comes_back_to_the_filtered_list(staff_client):
    decision = DecisionFactory()
    page = staff_client.get(f"{CHANGELIST}?scope__exact=regional").content.decode()
    endpoint = reverse("roadmap:decision_to_item", args=[decision.pk])
    assert f'formaction="{endpoint}"' in page
    assert f'name="next" value="{CHANGELIST}?scope__exact=regional"' in page
    response = staff_client.post(endpoint, {"next": f"{CHANGELIST}?scope__exact=regional", "action": ""})
    assert response.status_code == 302
    assert response["Location"] == f"{CHANGELIST}?scope__exact=regional"
    assert RoadmapItem.objects.filter(decision=decision).exists()


def test_the_decision_page_shows_its_item_and_the_item_page_its_decision(staff_client, staff_user):
    decision = DecisionFactory(title="Caravane du tourisme interne")
    without = DecisionFactory()
    item = roadmap_item_from_decision(actor=staff_user, decision=decision)
    page = staff_client.get(change_url(decision)).content.decode()
    assert reverse("admin:roadmap_roadmapitem_change", args=[item.pk]) in page
    item_page = staff_client.get(reverse("admin:roadmap_roadmapitem_change", args=[item.pk])).content.decode()
    assert f'<a href="{change_url(decision)}">Caravane du tourisme interne</a>' in item_page
    assert (
        reverse("roadmap:decision_to_item", args=[without.pk]) in staff_client.get(change_url(without)).content.decode()
    )


def test_editing_a_decision_in_the_admin_keeps_its_item_as_it_is(staff_client, staff_user):
    decision = DecisionFactory(title="Roadshow Espagne")
    item = roadmap_item_from_decision(actor=staff_user, decision=decision)
    data = {
        "agenda_item": decision.agenda_item_id,
        "title_fr": "Roadshow Espagne et Portugal",
        "details": "",
        "axis": decision.axis,
        "product_line": decision.product_line,
        "owner": decision.owner,
        "scope": decision.scope,
        "is_public": "on",
        "position": 0,
    }
    assert staff_client.post(change_url(decision), data).status_code == 302
    item.refresh_from_db()
    assert (item.decision_id, item.title) == (decision.pk, "Roadshow Espagne")
    assert Decision.objects.get(pk=decision.pk).title == "Roadshow Espagne et Portugal"


def test_an_agenda_item_of_another_meeting_is_refused_on_the_form(staff_client):
    meeting = MeetingFactory()
    other = DecisionFactory()
    data = {"meeting": meeting.pk, "agenda_item": other.agenda_item_id, "title_fr": "Nouvelle décision"}
    data |= {"axis": "promotion", "product_line": "other", "owner": "onmt", "scope": "regional", "position": 0}
    response = staff_client.post(reverse("admin:meetings_decision_add"), data)
    assert response.status_code == 200
    assert "Ce point est à l&#x27;ordre du jour d&#x27;une autre rencontre." in response.content.decode()
    assert Decision.objects.count() == 1


# ------------------------------------------------------------------ linking to an existing item


def test_the_link_page_proposes_the_namesake_and_links_it(staff_client):
    decision = DecisionFactory(meeting__region=region(9), title="Salon ITB Berlin")
    namesake = RoadmapItemFactory(region=region(9), title="Salon ITB Berlin")
    RoadmapItemFactory(region=region(12), title="Autre région")
    url = reverse("admin:meetings_decision_link", args=[decision.pk])
    page = staff_client.get(url)
    assert page.context["form"].initial["item"] == namesake
    assert "Autre région" not in page.content.decode()
    response = staff_client.post(url, {"item": namesake.pk, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == change_url(decision)
    namesake.refresh_from_db()
    assert namesake.decision == decision
    # Linked: the page only says so.
    assert staff_client.get(url).status_code == 302


@pytest.mark.parametrize("value", ["", "abc", "999999", "<script>"])
def test_the_link_page_refuses_a_bad_choice_without_error(staff_client, value):
    decision = DecisionFactory()
    other_region = RoadmapItemFactory(region=region(1))
    url = reverse("admin:meetings_decision_link", args=[decision.pk])
    for item in (value, other_region.pk):
        response = staff_client.post(url, {"item": item})
        assert response.status_code == 400
        assert "<script>" not in response.content.decode()
    assert not RoadmapItem.objects.filter(decision=decision).exists()


# ------------------------------------------------------------------ deletion


def test_deleting_a_decision_with_an_item_asks_and_keeps_it_unlinked(staff_client, staff_user):
    decision = DecisionFactory(title="Roadshow Chine")
    item = roadmap_item_from_decision(actor=staff_user, decision=decision)
    page = staff_client.get(delete_url(decision))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="item_action" value="keep"' in body and 'name="item_action" value="delete"' in body
    response = staff_client.post(delete_url(decision), {"confirm": "yes", "item_action": "keep"})
    assert response.status_code == 302
    assert not Decision.objects.filter(pk=decision.pk).exists()
    item.refresh_from_db()
    assert item.decision is None
    assert "Roadshow Chine" in Comment.objects.get(item=item).body
    assert LogEntry.objects.filter(action_flag=DELETION, object_repr="Roadshow Chine").count() == 1


def test_deleting_a_decision_and_its_item_too(staff_client, staff_user):
    decision = DecisionFactory()
    item = roadmap_item_from_decision(actor=staff_user, decision=decision)
    response = staff_client.post(delete_url(decision), {"confirm": "yes", "item_action": "delete"})
    assert response.status_code == 302
    assert not Decision.objects.filter(pk=decision.pk).exists()
    assert not RoadmapItem.objects.filter(pk=item.pk).exists()
    assert LogEntry.objects.filter(action_flag=DELETION, object_repr=item.title).count() == 2


@pytest.mark.parametrize("choice", [None, "", "archive", "<script>alert(1)</script>"])
def test_deleting_without_a_valid_choice_is_refused_and_deletes_nothing(staff_client, staff_user, choice):
    decision = DecisionFactory()
    roadmap_item_from_decision(actor=staff_user, decision=decision)
    data = {"confirm": "yes"} | ({"item_action": choice} if choice is not None else {})
    response = staff_client.post(delete_url(decision), data)
    assert response.status_code == 400
    assert "<script>alert" not in response.content.decode()
    assert Decision.objects.filter(pk=decision.pk).exists()
    assert RoadmapItem.objects.filter(decision=decision).exists()


def test_a_decision_without_item_is_deleted_without_question(staff_client):
    decision = DecisionFactory()
    assert "item_action" not in staff_client.get(delete_url(decision)).content.decode()
    assert staff_client.post(delete_url(decision), {"confirm": "yes"}).status_code == 302
    assert not Decision.objects.exists()


def test_an_unknown_or_hostile_decision_id_is_no_error(staff_client):
    for object_id in ("999999", "abc", "%00"):
        url = reverse("admin:meetings_decision_delete", args=[object_id])
        assert staff_client.get(url).status_code in (302, 404)
        assert staff_client.post(url, {"confirm": "yes", "item_action": "delete"}).status_code in (302, 404)


def test_without_the_right_to_delete_items_the_choice_is_to_keep_them(client, staff_user):
    decision = DecisionFactory()
    roadmap_item_from_decision(actor=staff_user, decision=decision)
    limited = UserFactory(is_staff=True)
    limited.user_permissions.set(
        Permission.objects.filter(codename__in=["view_decision", "delete_decision", "view_roadmapitem"])
    )
    client.force_login(limited)
    page = client.get(delete_url(decision)).content.decode()
    assert 'value="keep"' in page and 'value="delete"' not in page
    assert client.post(delete_url(decision), {"confirm": "yes", "item_action": "delete"}).status_code == 400
    assert RoadmapItem.objects.filter(decision=decision).exists()


def test_the_bulk_deletion_asks_once_for_every_item(staff_client, staff_user):
    with_item, without_item, untouched = DecisionFactory.create_batch(3)
    item = roadmap_item_from_decision(actor=staff_user, decision=with_item)
    selection = {"action": "delete_decisions", "_selected_action": [with_item.pk, without_item.pk]}
    page = staff_client.post(CHANGELIST, selection)
    assert page.status_code == 200
    assert 'name="item_action" value="keep"' in page.content.decode()
    assert "delete_selected" not in staff_client.get(CHANGELIST).content.decode()
    response = staff_client.post(CHANGELIST, selection | {"confirm": "yes", "item_action": "keep"}, follow=True)
    assert "2 décisions supprimées." in response.content.decode()
    assert list(Decision.objects.all()) == [untouched]
    item.refresh_from_db()
    assert item.decision is None
