"""The region roadmap page is rendered once and shared by everyone allowed to see it."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from regions.tests.factories import OfficialFactory, UserFactory, region
from roadmap.services import roadmap_comment_add, roadmap_item_acknowledge
from roadmap.tests.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db

DAKHLA = "dakhla-oued-ed-dahab"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def roadmap_url(slug=DAKHLA):
    return reverse("roadmap:region", args=[slug])


def queries_of(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_second_official_gets_the_page_with_only_the_access_check_queries():
    RoadmapItemFactory.create_batch(30, region=region(12))
    first = signed_in(OfficialFactory(region=region(12)).user)
    second = signed_in(OfficialFactory(region=region(12)).user)
    rendered = queries_of(first, roadmap_url())
    shared = queries_of(second, roadmap_url())
    # The user, the official's contact with its region (the session comes from the cache): the items are not
    # read again.
    assert shared <= 2 < rendered


def test_a_comment_or_an_acknowledgement_shows_at_once_to_the_others(django_capture_on_commit_callbacks):
    item = RoadmapItemFactory(region=region(12), title="Roadshow Espagne")
    amina, karim = OfficialFactory(region=region(12)), OfficialFactory(region=region(12))
    assert "0 commentaire" in signed_in(karim.user).get(roadmap_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        roadmap_comment_add(actor=amina.user, item=item, body="D'accord sur le calendrier.")
        roadmap_item_acknowledge(actor=amina.user, item=item, revision=item.revision)

    page = signed_in(karim.user).get(roadmap_url()).content.decode()
    assert "1 commentaire" in page
    assert "À valider" not in page


def test_an_item_changed_in_the_admin_shows_at_once(django_capture_on_commit_callbacks):
    item = RoadmapItemFactory(region=region(12), title="Roadshow Espagne")
    official = signed_in(OfficialFactory(region=region(12)).user)
    official.get(roadmap_url())
    with django_capture_on_commit_callbacks(execute=True):
        item.title = "Roadshow Espagne et Portugal"
        item.save()
    assert "Roadshow Espagne et Portugal" in official.get(roadmap_url()).content.decode()


def test_a_cached_page_never_reaches_an_official_of_another_region():
    RoadmapItemFactory(region=region(12), title="Secret de Dakhla")
    signed_in(OfficialFactory(region=region(12)).user).get(roadmap_url())
    other = signed_in(OfficialFactory(region=region(9)).user)
    response = other.get(roadmap_url())
    assert response.status_code == 404
    assert "Secret de Dakhla" not in response.content.decode()
    assert Client().get(roadmap_url()).status_code == 302


def test_staff_and_officials_each_get_their_own_version():
    RoadmapItemFactory(region=region(12))
    staff = signed_in(UserFactory(is_staff=True))
    official = signed_in(OfficialFactory(region=region(12)).user)
    assert reverse("roadmap:overview") in staff.get(roadmap_url()).content.decode()
    assert reverse("roadmap:overview") not in official.get(roadmap_url()).content.decode()


def test_each_user_gets_their_own_csrf_token_for_the_logout_form():
    RoadmapItemFactory(region=region(12))
    first = signed_in(OfficialFactory(region=region(12)).user)
    second = signed_in(OfficialFactory(region=region(12)).user)
    first.get(roadmap_url())
    page = second.get(roadmap_url())
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert "__cached-page-csrf-token__" not in page.content.decode()
    second.handler.enforce_csrf_checks = True
    assert second.post(reverse("logout"), {"csrfmiddlewaretoken": token}).status_code == 302
