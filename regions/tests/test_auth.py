"""The signed-in user of each request comes with their CRT contact and its region, in one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regions.auth import AccountBackend
from regions.selectors import region_for_official
from regions.tests.factories import OfficialFactory, UserFactory, region

pytestmark = pytest.mark.django_db


def _signed_in(user_id):
    with CaptureQueriesContext(connection) as queries:
        user = AccountBackend().get_user(user_id)
        scoped_to = region_for_official(user=user) if user is not None else None
    return user, scoped_to, len(queries)


def test_an_official_and_their_region_are_read_in_one_query():
    official = OfficialFactory(region=region(12))
    user, scoped_to, queries = _signed_in(official.user.pk)
    assert (user, scoped_to, queries) == (official.user, region(12), 1)


def test_staff_have_no_region_and_no_second_query_to_learn_it():
    staff = UserFactory(is_staff=True)
    assert _signed_in(staff.pk) == (staff, None, 1)


def test_a_deactivated_account_is_signed_out():
    official = OfficialFactory()
    official.user.is_active = False
    official.user.save()
    assert _signed_in(official.user.pk)[0] is None
    assert _signed_in(999_999)[0] is None


def test_an_officials_page_asks_for_the_account_once(client):
    official = OfficialFactory(region=region(3))
    client.force_login(official.user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/feuille-de-route/{region(3).slug}/").status_code == 200
    reading_the_contact = [query["sql"] for query in queries.captured_queries if '"regions_contact"' in query["sql"]]
    assert len(reading_the_contact) == 1 and 'FROM "auth_user"' in reading_the_contact[0]
