"""Decisions seen from each side: the endpoint that turns them into items, the item page, the national
overview, and the public commitments of held meetings (meeting page, region's summary), always fresh."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings.models import Decision, Meeting
from meetings.tests.factories import DecisionFactory, MeetingFactory
from regions.tests.factories import OfficialFactory, UserFactory, region
from roadmap.models import RoadmapItem
from roadmap.selectors import meeting_commitments
from roadmap.services import roadmap_item_from_decision, roadmap_item_update
from roadmap.tests.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff():
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["meetings", "roadmap"]))
    return user


def endpoint(decision) -> str:
    return reverse("roadmap:decision_to_item", args=[decision.pk])


# ------------------------------------------------------------------ the endpoint


def test_the_endpoint_turns_the_decision_into_an_item_and_goes_back(staff):
    decision = DecisionFactory(meeting__region=region(9), title="Éductour golf")
    client = signed_in(staff)
    back = reverse("admin:meetings_decision_change", args=[decision.pk])
    response = client.post(endpoint(decision), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    item = RoadmapItem.objects.get(decision=decision)
    assert (item.region, item.status) == (region(9), RoadmapItem.Status.PLANNED)
    assert "Action « Éductour golf » ajoutée à la feuille de route" in client.get(back).content.decode()
    # Twice: the same item, said so.
    client.post(endpoint(decision), {"next": back})
    assert RoadmapItem.objects.count() == 1
    assert "La décision a déjà son action" in client.get(back).content.decode()


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""])
def test_the_endpoint_never_sends_anywhere_else_than_this_site(staff, next_url):
    decision = DecisionFactory()
    response = signed_in(staff).post(endpoint(decision), {"next": next_url})
    assert response["Location"] == RoadmapItem.objects.get(decision=decision).get_absolute_url()


def test_a_namesake_item_sends_staff_to_the_link_page(staff):
    decision = DecisionFactory(meeting__region=region(9), title="Salon IFTM")
    RoadmapItemFactory(region=region(9), title="Salon IFTM")
    client = signed_in(staff)
    response = client.post(endpoint(decision), {"next": "/admin/"})
    link = reverse("admin:meetings_decision_link", args=[decision.pk])
    assert response["Location"] == f"{link}?next=%2Fadmin%2F"
    page = client.get(response["Location"]).content.decode()
    assert "a déjà une action intitulée « Salon IFTM »" in page
    assert not RoadmapItem.objects.filter(decision=decision).exists()


def test_the_endpoint_is_for_staff_who_may_add_items_and_by_post_only(staff):
    decision = DecisionFactory()
    assert signed_in(staff).get(endpoint(decision)).status_code == 405
    assert signed_in(OfficialFactory(region=decision.meeting.region).user).post(endpoint(decision)).status_code == 403
    assert signed_in(UserFactory(is_staff=True)).post(endpoint(decision)).status_code == 403
    assert Client().post(endpoint(decision)).status_code == 302
    assert signed_in(staff).post(reverse("roadmap:decision_to_item", args=[999999])).status_code == 404
    assert not RoadmapItem.objects.exists()


# ------------------------------------------------------------------ the item page and the overview


def test_the_item_page_says_where_it_was_decided_to_the_official_and_to_staff(staff):
    meeting = MeetingFactory(region=region(12), title="Rencontre de Dakhla")
    decision = DecisionFactory(meeting=meeting, agenda_item__title="Sports nautiques", title="Festival kitesurf")
    item = roadmap_item_from_decision(actor=staff, decision=decision)
    roadmap_item_update(actor=staff, item=item, data={"title": "Festival international de kitesurf"})
    official_page = signed_in(OfficialFactory(region=region(12)).user).get(item.get_absolute_url()).content.decode()
    for page in (official_page, signed_in(staff).get(item.get_absolute_url()).content.decode()):
        assert "Décidée lors de Rencontre de Dakhla" in page
        assert "point « Sports nautiques »" in page and "décision « Festival kitesurf »" in page
    decision_admin = reverse("admin:meetings_decision_change", args=[decision.pk])
    assert decision_admin in signed_in(staff).get(item.get_absolute_url()).content.decode()
    assert decision_admin not in official_page


def test_the_national_overview_lists_national_decisions_with_constant_queries(staff):
    client = signed_in(staff)

    def add(count):
        for decision in DecisionFactory.create_batch(count, scope=Decision.Scope.NATIONAL, meeting__region=region(9)):
            roadmap_item_from_decision(actor=staff, decision=decision)

    add(3)
    DecisionFactory(title="Décision régionale seulement")
    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("roadmap:overview")).content.decode()
    assert "Décisions nationales" in page and "Souss-Massa" in page and "Planifiée" in page
    assert "Décision régionale seulement" not in page
    add(27)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("roadmap:overview")).status_code == 200
    assert len(many) == len(few)


# ------------------------------------------------------------------ public commitments


def test_commitments_count_every_decision_and_name_only_the_public_ones(staff):
    meeting, other = MeetingFactory(status=Meeting.Status.HELD), MeetingFactory(status=Meeting.Status.HELD)
    done, going, planned = (DecisionFactory(meeting=meeting, position=n) for n in range(3))
    secret = DecisionFactory(meeting=meeting, is_public=False, title="Secret", position=3)
    DecisionFactory(meeting=meeting, position=4)  # not on the roadmap yet
    for decision, status in ((done, "done"), (going, "in_progress"), (planned, None), (secret, "done")):
        item = roadmap_item_from_decision(actor=staff, decision=decision)
        if status:
            roadmap_item_update(actor=staff, item=item, data={"status": status})
    commitments = meeting_commitments(meeting_ids=[meeting.pk, other.pk])
    assert other.pk not in commitments
    tally = commitments[meeting.pk]
    assert (tally.total, tally.done, tally.in_progress) == (5, 2, 1)
    assert "Secret" not in tally.public_titles and len(tally.public_titles) == 4
    assert [c.status for c in tally.public[:3]] == ["done", "in_progress", "planned"]


def _held_meeting_with_decisions(count: int, staff, meeting=None):
    meeting = meeting or MeetingFactory(region=region(12), status=Meeting.Status.HELD, title="Rencontre tenue")
    for index, decision in enumerate(DecisionFactory.create_batch(count, meeting=meeting, details="DETAIL-PRIVE")):
        item = roadmap_item_from_decision(actor=staff, decision=decision)
        if index % 3 == 0:
            roadmap_item_update(actor=staff, item=item, data={"status": RoadmapItem.Status.DONE})
    return meeting


def _queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize("page", ["summary", "meeting"])
def test_public_pages_show_the_commitments_with_queries_that_do_not_grow(
    staff, page, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _held_meeting_with_decisions(3, staff)
        DecisionFactory(meeting=meeting, is_public=False, title="ENGAGEMENT-PRIVE")
    url = reverse("regions:roadmap_summary", args=["dakhla-oued-ed-dahab"]) if page == "summary" else None
    url = url or meeting.get_absolute_url()
    few, body = _queries(Client(), url)
    assert "4 engagements décidés lors de cette rencontre" in body and "1 réalisé, 0 en cours" in body
    assert "Engagement n°" in body and "ENGAGEMENT-PRIVE" not in body and "DETAIL-PRIVE" not in body
    with django_capture_on_commit_callbacks(execute=True):
        _held_meeting_with_decisions(27, staff, meeting=meeting)
        _held_meeting_with_decisions(30, staff, meeting=MeetingFactory(region=region(12), status=Meeting.Status.HELD))
    many, body = _queries(Client(), url)
    assert "31 engagements décidés lors de cette rencontre" in body
    assert many == few


def test_the_commitments_show_only_once_the_meeting_is_held(staff, client, django_capture_on_commit_callbacks):
    meeting = MeetingFactory(region=region(12))
    DecisionFactory(meeting=meeting, title="Engagement annoncé trop tôt")
    summary = reverse("regions:roadmap_summary", args=["dakhla-oued-ed-dahab"])
    for url in (meeting.get_absolute_url(), summary):
        assert "Engagement annoncé trop tôt" not in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.HELD)
        meeting.refresh_from_db()
        meeting.save()
    for url in (meeting.get_absolute_url(), summary):
        assert "Engagement annoncé trop tôt" in client.get(url).content.decode()


def test_a_held_meeting_without_decisions_shows_no_commitments(client):
    meeting = MeetingFactory(status=Meeting.Status.HELD)
    assert "Engagements de la rencontre" not in client.get(meeting.get_absolute_url()).content.decode()


def test_an_item_or_decision_change_shows_at_once_on_the_public_pages(
    staff, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = MeetingFactory(region=region(12), status=Meeting.Status.HELD)
        decision = DecisionFactory(meeting=meeting, title="Roadshow Royaume-Uni")
        item = roadmap_item_from_decision(actor=staff, decision=decision)
    pages = [meeting.get_absolute_url(), reverse("regions:roadmap_summary", args=["dakhla-oued-ed-dahab"])]
    for url in pages:
        assert "0 réalisé" in client.get(url).content.decode()
    # The meeting page is served from the cache now (the summary is computed on every visit).
    queries, _body = _queries(client, pages[0])
    assert queries <= 1

    with django_capture_on_commit_callbacks(execute=True):
        roadmap_item_update(actor=staff, item=item, data={"status": RoadmapItem.Status.DONE})
    for url in pages:
        body = client.get(url).content.decode()
        assert "1 réalisé" in body and "Réalisé</span>" in body

    with django_capture_on_commit_callbacks(execute=True):
        decision.is_public = False
        decision.save()
    for url in pages:
        assert "Roadshow Royaume-Uni" not in client.get(url).content.decode()
