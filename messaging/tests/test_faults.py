"""Faults of Redis while professionals register, on a throwaway redis-server of the test's own.

As in production, the cache (rate limits, public pages) and the Celery broker share that Redis:
stopping or pausing it takes both away. The shared Redis of the machine is never touched.
"""

import statistics
import time
from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse

from meetings.tests.factories import MeetingFactory, registration_form_data
from messaging import services
from messaging.models import OutboundMessage
from messaging.tests.live import RedisServer, wait_for
from onmt_portal.cache import TolerantRedisCache, cache_config

pytestmark = [pytest.mark.real_broker, pytest.mark.django_db(transaction=True)]

REGISTRATIONS_WHILE_DOWN = 20
# The bound for a registration while Redis accepts connections but never answers.
HUNG_REDIS_BOUND_SECONDS = 3.0


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker_url(own_redis):
    return own_redis.url(0)


@pytest.fixture
def cache_on_own_redis(own_redis, settings):
    settings.CACHES = {"default": cache_config(own_redis.url(1))}
    yield
    # The tolerant cache remembers a failed server for a while: forget it for the tests that follow.
    TolerantRedisCache.unavailable_until.clear()


def _register(meeting, email: str, address: str) -> tuple[int, float]:
    """Post the registration form as a browser would; the status and the seconds it took."""
    client = Client(REMOTE_ADDR=address)
    started = time.monotonic()
    response = client.post(reverse("registrations:register", args=[meeting.slug]), registration_form_data(email=email))
    return response.status_code, time.monotonic() - started


def _sent_to(emails) -> Counter:
    return Counter(
        OutboundMessage.objects.filter(recipient_email__in=emails, status=OutboundMessage.Status.SENT).values_list(
            "recipient_email", flat=True
        )
    )


def _report(what: str, seconds: list[float]) -> None:
    print(f"{what}: {len(seconds)} registrations, median {statistics.median(seconds):.3f} s, max {max(seconds):.3f} s")


def test_registrations_while_redis_is_stopped_are_quick_and_mailed_exactly_once_after(
    workers, smtp_server, own_redis, cache_on_own_redis
):
    _controller, handler = smtp_server
    workers.start()
    meeting = MeetingFactory(capacity=100)
    own_redis.stop()

    emails = [f"pendant-panne{i}@example.ma" for i in range(REGISTRATIONS_WHILE_DOWN)]
    results = [_register(meeting, email, f"10.9.0.{i}") for i, email in enumerate(emails)]
    seconds = [duration for _status, duration in results]
    _report("Redis stopped", seconds)
    assert [status for status, _duration in results] == [302] * len(emails)
    assert max(seconds) < 1.0
    # Every confirmation is kept, queued for the sweep (never handed to a broker that was not there).
    waiting = OutboundMessage.objects.filter(recipient_email__in=emails)
    assert waiting.count() == len(emails)
    assert set(waiting.values_list("status", "dispatched_at")) == {(OutboundMessage.Status.QUEUED, None)}

    own_redis.start()
    # The worker reconnects by itself; a registration made now is sent at once, without the sweep.
    status, _duration = _register(meeting, "apres-retour@example.ma", "10.9.1.1")
    assert status == 302
    wait_for(
        lambda: _sent_to(["apres-retour@example.ma"]), timeout=60, what="the mail of a registration after Redis is back"
    )
    assert handler.received and set(handler.recipients()) == {"apres-retour@example.ma"}

    assert services.messages_sweep() == len(emails)
    wait_for(lambda: sum(_sent_to(emails).values()) == len(emails), timeout=60, what="the swept confirmations")
    assert services.messages_sweep() == 0
    time.sleep(1)
    assert handler.recipients() == Counter(dict.fromkeys([*emails, "apres-retour@example.ma"], 1))


def test_registrations_while_redis_hangs_answer_within_three_seconds_and_are_mailed_once(
    workers, smtp_server, own_redis, cache_on_own_redis
):
    _controller, handler = smtp_server
    workers.start()
    meeting = MeetingFactory(capacity=100)
    # Connections are accepted, no command is answered: a hung Redis. CLIENT UNPAUSE would wait too.
    pause_seconds = 8
    own_redis.pause(pause_seconds)
    paused_until = time.monotonic() + pause_seconds

    emails = [f"redis-fige{i}@example.ma" for i in range(3)]
    results = [_register(meeting, email, f"10.9.2.{i}") for i, email in enumerate(emails)]
    seconds = [duration for _status, duration in results]
    _report("Redis paused", seconds)
    assert time.monotonic() < paused_until, "the pause ended before the registrations: the test proves nothing"
    assert [status for status, _duration in results] == [302] * len(emails)
    assert max(seconds) < HUNG_REDIS_BOUND_SECONDS

    time.sleep(max(0.0, paused_until - time.monotonic()) + 0.5)
    # Whatever reached Redis before the timeout may run as well as the sweep's task: still sent once.
    services.messages_sweep()
    wait_for(lambda: sum(_sent_to(emails).values()) == len(emails), timeout=60, what="the confirmations")
    assert services.messages_sweep() == 0
    time.sleep(1)
    assert handler.recipients() == Counter(dict.fromkeys(emails, 1))
