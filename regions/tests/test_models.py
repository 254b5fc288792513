import pytest
from django.db import IntegrityError

from regions.models import Contact, Region
from regions.selectors import region_for_official, regions_visible_to
from regions.tests.factories import ContactFactory, OfficialFactory, UserFactory, region

pytestmark = pytest.mark.django_db


# The 2015 division (decree 2-15-40), typed here independently of the migration.
OFFICIAL_REGIONS = [
    (1, "tanger-tetouan-al-hoceima", "Tanger-Tétouan-Al Hoceïma", "طنجة تطوان الحسيمة", "Tanger"),
    (2, "oriental", "L'Oriental", "الشرق", "Oujda"),
    (3, "fes-meknes", "Fès-Meknès", "فاس مكناس", "Fès"),
    (4, "rabat-sale-kenitra", "Rabat-Salé-Kénitra", "الرباط سلا القنيطرة", "Rabat"),
    (5, "beni-mellal-khenifra", "Béni Mellal-Khénifra", "بني ملال خنيفرة", "Béni Mellal"),
    (6, "casablanca-settat", "Casablanca-Settat", "الدار البيضاء سطات", "Casablanca"),
    (7, "marrakech-safi", "Marrakech-Safi", "مراكش آسفي", "Marrakech"),
    (8, "draa-tafilalet", "Drâa-Tafilalet", "درعة تافيلالت", "Errachidia"),
    (9, "souss-massa", "Souss-Massa", "سوس ماسة", "Agadir"),
    (10, "guelmim-oued-noun", "Guelmim-Oued Noun", "كلميم واد نون", "Guelmim"),
    (11, "laayoune-sakia-el-hamra", "Laâyoune-Sakia El Hamra", "العيون الساقية الحمراء", "Laâyoune"),
    (12, "dakhla-oued-ed-dahab", "Dakhla-Oued Ed-Dahab", "الداخلة وادي الذهب", "Dakhla"),
]


def test_the_twelve_regions_are_seeded_once_with_their_names():
    seeded = list(Region.objects.order_by("number").values_list("number", "slug", "name_fr", "name_ar", "seat_city"))
    assert seeded == OFFICIAL_REGIONS
    for seeded_region in Region.objects.all():
        assert seeded_region.name_en and seeded_region.seat_city_ar and len(seeded_region.tourism_profile) > 40


def test_seed_migration_is_idempotent():
    from importlib import import_module

    from django.apps import apps

    seed = import_module("regions.migrations.0002_seed_regions")
    pks = list(Region.objects.order_by("number").values_list("pk", flat=True))
    seed.seed_regions(apps, None)
    assert list(Region.objects.order_by("number").values_list("pk", flat=True)) == pks
    seeded = list(Region.objects.order_by("number").values_list("number", "slug", "name_fr", "name_ar", "seat_city"))
    assert seeded == OFFICIAL_REGIONS


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
