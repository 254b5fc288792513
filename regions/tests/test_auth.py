"""The signed-in user of each request comes with their CRT contact and its region, in one query, read again only
when a change of accounts is heard."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.generation_watch import watch
from messaging.tests.live import run_in_another_process, wait_for
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


DEACTIVATE_IN_ANOTHER_PROCESS = """
import django; django.setup()
from django.contrib.auth import get_user_model
user = get_user_model().objects.get(username="{username}")
user.is_active = False
user.save()
"""


def _listening():
    wait_for(lambda: watch.marks([]) is not None, timeout=10, what="the process to listen")


def test_an_account_is_read_once_while_no_change_is_heard_and_each_request_gets_its_own_copy(kept_reads):
    official = OfficialFactory(region=region(5))
    _listening()
    assert _signed_in(official.user.pk)[2] == 1
    # Changes announced by earlier tests may still be arriving: soon the account is kept.
    wait_for(lambda: _signed_in(official.user.pk)[2] == 0, timeout=5, what="the account kept")
    first, second = _signed_in(official.user.pk), _signed_in(official.user.pk)
    assert second[1] == region(5)
    first, second = first[0], second[0]
    first.first_name = "Changé par une requête"
    assert second is not first and AccountBackend().get_user(official.user.pk).first_name == official.user.first_name


def test_a_contact_moved_to_another_region_in_this_process_is_seen_at_the_next_request(kept_reads):
    official = OfficialFactory(region=region(5))
    _listening()
    _signed_in(official.user.pk)
    official.region = region(9)
    official.save()
    assert _signed_in(official.user.pk)[1:] == (region(9), 1)


@pytest.mark.django_db(transaction=True)
def test_an_account_deactivated_by_another_process_is_signed_out_at_its_next_request(kept_reads):
    official = OfficialFactory()
    _listening()
    assert _signed_in(official.user.pk)[0] == official.user
    # Once the announcement of its creation has arrived, the account is kept.
    wait_for(lambda: _signed_in(official.user.pk)[2] == 0, timeout=5, what="the account kept")
    run_in_another_process(DEACTIVATE_IN_ANOTHER_PROCESS.format(username=official.user.username))
    wait_for(lambda: _signed_in(official.user.pk)[0] is None, timeout=5, what="the deactivation heard")
