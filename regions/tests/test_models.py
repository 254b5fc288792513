import pytest
from django.db import IntegrityError

from regions.models import Contact, Region
from regions.selectors import region_for_official, regions_visible_to
from regions.tests.factories import ContactFactory, OfficialFactory, UserFactory, region

pytestmark = pytest.mark.django_db


def test_the_twelve_regions_are_seeded_once_with_their_names():
    assert Region.objects.count() == 12
    assert list(Region.objects.values_list("number", flat=True)) == list(range(1, 13))
    dakhla = Region.objects.get(number=12)
    assert dakhla.name_fr == "Dakhla-Oued Ed-Dahab"
    assert dakhla.name_ar == "الداخلة وادي الذهب"
    assert dakhla.seat_city == "Dakhla"
    assert Region.objects.get(number=6).name_ar == "الدار البيضاء سطات"
    assert Region.objects.values("slug").distinct().count() == 12


def test_seed_migration_is_idempotent():
    from importlib import import_module

    from django.apps import apps

    seed = import_module("regions.migrations.0002_seed_regions")
    seed.seed_regions(apps, None)
    assert Region.objects.count() == 12


def test_region_number_outside_1_to_12_is_refused():
    with pytest.raises(IntegrityError):
        Region.objects.create(
            number=13,
            slug="x",
            name_fr="x",
            name_ar="x",
            name_en="x",
            seat_city="x",
            seat_city_ar="x",
            tourism_profile="x",
        )


def test_an_official_is_tied_to_exactly_one_region():
    official = OfficialFactory(region=region(9))
    assert region_for_official(user=official.user) == region(9)
    assert list(regions_visible_to(user=official.user)) == [region(9)]
    with pytest.raises(IntegrityError):
        ContactFactory(region=region(7), user=official.user)


def test_only_crt_members_can_have_a_login():
    with pytest.raises(IntegrityError):
        ContactFactory(kind=Contact.Kind.ASSOCIATION, user=UserFactory())


def test_a_user_without_contact_sees_no_private_region(django_user_model):
    user = UserFactory()
    assert region_for_official(user=user) is None
    assert not regions_visible_to(user=user).exists()


def test_staff_see_every_region():
    assert regions_visible_to(user=UserFactory(is_staff=True)).count() == 12


def test_same_email_twice_in_a_region_is_refused():
    ContactFactory(region=region(1), email="a@crt.ma")
    with pytest.raises(IntegrityError):
        ContactFactory(region=region(1), email="a@crt.ma")
