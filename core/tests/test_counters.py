"""The benchmark's counters: off by default, shared through the cache when on."""

import pytest
from django.core.cache import cache

from core import counters
from meetings.services.registration import registration_create
from meetings.tests.factories import MeetingFactory


def test_counts_add_up_and_a_marker_counts_once():
    counters.count("renders")
    counters.count("renders", 2)
    counters.count_once("misses", marker="page-a")
    counters.count_once("misses", marker="page-a")
    counters.count_once("misses", marker="page-b")
    assert (counters.read("renders"), counters.read("misses"), counters.read("absent")) == (3, 2, 0)


def test_durations_fall_in_tenths_of_a_millisecond_then_whole_milliseconds():
    assert counters.duration_bucket(0.00345) == 3400
    assert counters.duration_bucket(0.0201) == 20000
    assert counters.duration_bucket(0.0257) == 25000


def lock_holds() -> int:
    keys = cache._cache.get_client().keys("*perf:registration-lock:*")
    return sum(cache.get(key.decode().split(":", 2)[2]) for key in keys)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("counting", [True, False])
def test_each_registration_counts_its_lock_hold_only_when_asked(settings, counting):
    settings.PERFORMANCE_COUNTERS = counting
    meeting = MeetingFactory(capacity=1)
    for email in ("amina@example.ma", "karim@example.ma"):
        registration_create(
            meeting_id=meeting.pk,
            full_name="Amina Berrada",
            organisation="Riad Atlas",
            sector="lodging",
            email=email,
            phone="+212612345678",
        )
    assert lock_holds() == (2 if counting else 0)
