"""Who reaches which roadmap URL, and that no other region's data leaks into any answer."""

import pytest
from django.urls import reverse

from roadmap.models import Acknowledgement, Comment

pytestmark = pytest.mark.django_db

WHO = ["anonymous", "official_a", "official_b", "staff"]
# (route name, method, needs an item)
REGION_ROUTES = [
    ("roadmap:region", "get", False),
    ("roadmap:export_csv", "get", False),
    ("roadmap:print", "get", False),
    ("roadmap:item", "get", True),
    ("roadmap:comment", "post", True),
    ("roadmap:acknowledge", "post", True),
]
SUCCESS = {"get": 200, "post": 302}
MARKERS = {"a": ("SECRET-A", "COMMENT-A"), "b": ("SECRET-B", "COMMENT-B")}


def _login(client, world, who):
    if who != "anonymous":
        client.force_login(getattr(world, who))


def _expected(who, route, target):
    name, method, _needs_item = route
    if who == "anonymous":
        return 302
    if who == "staff":
        # Acknowledging is the region's CRT's act, not ONMT's.
        return 403 if name == "roadmap:acknowledge" else SUCCESS[method]
    own = who[-1]
    return SUCCESS[method] if target == own else 404


def _assert_no_leak(response, who):
    if who in ("official_a", "official_b"):
        other = "b" if who == "official_a" else "a"
        body = response.content.decode("utf-8-sig")
        for marker in MARKERS[other]:
            assert marker not in body


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("target", ["a", "b"])
@pytest.mark.parametrize("route", REGION_ROUTES, ids=[route[0] for route in REGION_ROUTES])
def test_region_urls(client, world, who, target, route):
    name, method, needs_item = route
    region = getattr(world, f"region_{target}")
    item = getattr(world, f"item_{target}")
    args = [region.slug, item.pk] if needs_item else [region.slug]
    data = {"body": "Un avis du CRT", "revision": item.revision} if method == "post" else {}
    comments_before = Comment.objects.filter(item=item).count()
    _login(client, world, who)

    response = getattr(client, method)(reverse(name, args=args), data)

    expected = _expected(who, route, target)
    assert response.status_code == expected
    if who == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    _assert_no_leak(response, who)
    if method == "post" and expected != 302:
        assert Comment.objects.filter(item=item).count() == comments_before
        assert not Acknowledgement.objects.filter(item=item).exists()


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", ["roadmap:item", "roadmap:comment", "roadmap:acknowledge"])
def test_item_of_another_region_under_own_slug_is_404(client, world, who, name):
    _login(client, world, who)
    method = client.get if name == "roadmap:item" else client.post
    response = method(reverse(name, args=[world.region_a.slug, world.item_b.pk]), {"body": "x", "revision": 1})
    assert response.status_code == (302 if who == "anonymous" else 404)
    _assert_no_leak(response, who)
    assert Comment.objects.filter(item=world.item_b).count() == 1


@pytest.mark.parametrize(
    ("who", "status", "location"),
    [
        ("anonymous", 302, "/comptes/login/"),
        ("official_a", 302, "/feuille-de-route/dakhla-oued-ed-dahab/"),
        ("official_b", 302, "/feuille-de-route/souss-massa/"),
        ("staff", 302, "/feuille-de-route/vue-nationale/"),
    ],
)
def test_home_sends_each_user_to_their_page(client, world, who, status, location):
    _login(client, world, who)
    response = client.get(reverse("roadmap:home"))
    assert response.status_code == status
    assert response["Location"].startswith(location)


def test_home_for_a_user_without_region_explains_and_refuses(client, world):
    from regions.tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get(reverse("roadmap:home"))
    assert response.status_code == 403
    assert "aucune région" in response.content.decode()
    assert client.get(reverse("roadmap:region", args=[world.region_a.slug])).status_code == 404


@pytest.mark.parametrize(("who", "status"), [("anonymous", 302), ("official_a", 403), ("staff", 200)])
def test_overview_is_for_staff_only(client, world, who, status):
    _login(client, world, who)
    response = client.get(reverse("roadmap:overview"))
    assert response.status_code == status
    _assert_no_leak(response, who)


def test_posting_endpoints_refuse_get(client, world):
    client.force_login(world.official_a)
    for name in ["roadmap:comment", "roadmap:acknowledge"]:
        assert client.get(reverse(name, args=[world.region_a.slug, world.item_a.pk])).status_code == 405


def test_unknown_region_is_404_even_for_staff(client, world):
    client.force_login(world.staff)
    assert client.get(reverse("roadmap:region", args=["atlantide"])).status_code == 404


def test_login_lands_an_official_on_their_roadmap(client, world):
    world.official_a.set_password("un-mot-de-passe-solide")
    world.official_a.save()
    response = client.post(
        reverse("login"), {"username": world.official_a.username, "password": "un-mot-de-passe-solide"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("roadmap:region", args=[world.region_a.slug])
    assert "SECRET-A" in response.content.decode()
