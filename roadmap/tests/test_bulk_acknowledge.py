"""An official acknowledges several items of their region at once: all of them, or none when one changed."""

import pytest
from django.urls import reverse

from regions.tests.factories import OfficialFactory, region
from roadmap.models import Acknowledgement
from roadmap.services import roadmap_item_update
from roadmap.tests.factories import AcknowledgementFactory, RoadmapItemFactory

pytestmark = pytest.mark.django_db

URL = reverse("roadmap:acknowledge_many", args=["dakhla-oued-ed-dahab"])


@pytest.fixture
def official(client):
    user = OfficialFactory(region=region(12)).user
    client.force_login(user)
    return user


def _form(*items):
    data = {"items": [str(item.pk) for item in items]}
    data.update({f"revision-{item.pk}": str(item.revision) for item in items})
    return data


def test_checked_items_are_acknowledged_together(client, official):
    first, second, left = RoadmapItemFactory.create_batch(3, region=region(12))
    page = client.get(reverse("roadmap:region", args=["dakhla-oued-ed-dahab"])).content.decode()
    assert f'name="revision-{first.pk}" value="1"' in page
    response = client.post(URL, _form(first, second), follow=True)
    assert set(Acknowledgement.objects.values_list("item_id", flat=True)) == {first.pk, second.pk}
    assert all(ack.user == official and ack.revision == 1 for ack in Acknowledgement.objects.all())
    assert "Accusé de réception enregistré pour 2 actions." in response.content.decode()
    page = response.content.decode()
    assert f'name="items" value="{left.pk}"' in page and f'name="items" value="{first.pk}"' not in page


def test_a_stale_item_is_refused_and_nothing_is_acknowledged(client, official, staff_user):
    fresh = RoadmapItemFactory(region=region(12), title="Salon de Berlin")
    changed = RoadmapItemFactory(region=region(12), title="Roadshow Madrid")
    form = _form(fresh, changed)
    # ONMT changes the item after the official's page was drawn.
    roadmap_item_update(actor=staff_user, item=changed, data={"title": "Roadshow Madrid et Barcelone"})
    response = client.post(URL, form, follow=True)
    assert not Acknowledgement.objects.exists()
    body = response.content.decode()
    assert "Aucun accusé de réception enregistré" in body and "Roadshow Madrid et Barcelone" in body
    # Read again, then acknowledged at the new revision.
    changed.refresh_from_db()
    client.post(URL, _form(fresh, changed))
    assert Acknowledgement.objects.get(item=changed).revision == 2


def test_an_item_already_acknowledged_stays_as_it_was(client, official):
    item = RoadmapItemFactory(region=region(12))
    earlier = AcknowledgementFactory(item=item)
    client.post(URL, _form(item))
    assert Acknowledgement.objects.get(item=item) == earlier


def test_another_regions_item_is_refused_whole(client, official):
    own = RoadmapItemFactory(region=region(12))
    other = RoadmapItemFactory(region=region(9))
    assert client.post(URL, _form(own, other)).status_code == 403
    assert not Acknowledgement.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"items": ["x"]},
        {"items": ["1"], "revision-1": "deux"},
        {"items": ["1"]},
        {"items": ["9" * 30], "revision-" + "9" * 30: "1"},
    ],
    ids=["item", "revision", "no-revision", "huge"],
)
def test_bad_input_is_a_400_or_a_refusal_never_a_500(client, official, data):
    assert client.post(URL, data).status_code in (400, 403)
    assert not Acknowledgement.objects.exists()


def test_nothing_checked_says_so(client, official):
    response = client.post(URL, {}, follow=True)
    assert "Cochez au moins une action à valider." in response.content.decode()


def test_staff_and_other_officials_cannot_acknowledge(client, staff_client):
    item = RoadmapItemFactory(region=region(12))
    assert staff_client.post(URL, _form(item)).status_code == 403
    client.force_login(OfficialFactory(region=region(9)).user)
    assert client.post(URL, _form(item)).status_code == 404
    assert not Acknowledgement.objects.exists()
