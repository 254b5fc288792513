import pytest
from django.urls import reverse

from regions.models import Contact
from regions.tests.factories import ContactFactory, OfficialFactory, region

pytestmark = pytest.mark.django_db

CONTACTS = reverse("admin:regions_contact_changelist")


def _listed(client, url, query):
    response = client.get(url, query)
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def test_contacts_are_searched_and_filtered_by_region_kind_language_and_invite(staff_client):
    hotel = ContactFactory(
        region=region(9), kind=Contact.Kind.ASSOCIATION, full_name="Amina Tazi", organisation="AIH Souss"
    )
    arabic = ContactFactory(region=region(12), full_name="عبد الرحيم", language="ar", invite=False)
    official = OfficialFactory(region=region(12), full_name="Omar Bennani")

    assert _listed(staff_client, CONTACTS, {"q": "AIH Souss"}) == {hotel.pk}
    assert _listed(staff_client, CONTACTS, {"q": "عبد الرحيم"}) == {arabic.pk}
    assert _listed(staff_client, CONTACTS, {"region__id__exact": region(12).pk}) == {arabic.pk, official.pk}
    assert _listed(staff_client, CONTACTS, {"kind__exact": Contact.Kind.ASSOCIATION}) == {hotel.pk}
    assert _listed(staff_client, CONTACTS, {"language__exact": "ar"}) == {arabic.pk}
    assert _listed(staff_client, CONTACTS, {"invite__exact": 0}) == {arabic.pk}


def test_regions_are_searched_in_french_and_arabic_and_cannot_be_added_or_deleted(staff_client):
    url = reverse("admin:regions_region_changelist")
    assert _listed(staff_client, url, {"q": "Souss"}) == {region(9).pk}
    assert _listed(staff_client, url, {"q": "الداخلة"}) == {region(12).pk}
    assert staff_client.get(reverse("admin:regions_region_add")).status_code == 403
    assert staff_client.get(reverse("admin:regions_region_delete", args=[region(9).pk])).status_code == 403


def test_councils_are_filtered_by_region(staff_client):
    from regions.models import RegionalCouncil

    dakhla = RegionalCouncil.objects.create(region=region(12), name="CRT Dakhla-Oued Ed-Dahab")
    RegionalCouncil.objects.create(region=region(9), name="CRT Souss-Massa")
    url = reverse("admin:regions_regionalcouncil_changelist")
    assert _listed(staff_client, url, {"region__id__exact": region(12).pk}) == {dakhla.pk}
    assert _listed(staff_client, url, {"q": "Dakhla"}) == {dakhla.pk}
