"""Faults of Redis and of the SMTP server, with a real Celery worker.

Redis faults run on a throwaway redis-server of the test's own (the shared Redis of the machine is
never touched); as in production, the cache (rate limits, public pages) and the broker share it,
so stopping or pausing it takes both away.
"""

import re
import signal
import socket
import statistics
import time
from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse

from core.brokers import broker_transport_options
from core.cache import cache_config
from meetings.services import campaigns
from meetings.tests.factories import MeetingFactory, registration_form_data
from messaging import tasks
from messaging.models import OutboundMessage
from messaging.tests.factories import OutboundMessageFactory
from messaging.tests.live import RedisServer, wait_for
from regions.tests.factories import ContactFactory

pytestmark = [pytest.mark.real_broker, pytest.mark.django_db(transaction=True)]

REGISTRATIONS_WHILE_DOWN = 20
# The bound for a registration while Redis accepts connections but never answers.
HUNG_REDIS_BOUND_SECONDS = 3.0
BROKER_SOCKET_TIMEOUT_SECONDS = broker_transport_options("redis://", visibility_timeout=60)["socket_connect_timeout"]


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
    """As in production, the cache lives on the broker's Redis (another database number)."""
    settings.CACHES = {"default": cache_config(own_redis.url(1))}


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
    # Refused at once, never waiting for the broker's socket timeouts.
    assert max(seconds) < BROKER_SOCKET_TIMEOUT_SECONDS
    # Every confirmation is kept, queued for the sweep (never handed to a broker that was not there).
    waiting = OutboundMessage.objects.filter(recipient_email__in=emails)
    assert waiting.count() == len(emails)
    assert set(waiting.values_list("status", "dispatched_at")) == {(OutboundMessage.Status.QUEUED, None)}

    own_redis.start()
    # The worker reconnects by itself; a registration made now asks for a sweep at once, without waiting for the
    # periodic one, and that sweep takes the confirmations left during the outage with its own.
    status, _duration = _register(meeting, "apres-retour@example.ma", "10.9.1.1")
    assert status == 302
    wait_for(
        lambda: _sent_to(["apres-retour@example.ma"]), timeout=60, what="the mail of a registration after Redis is back"
    )
    wait_for(lambda: sum(_sent_to(emails).values()) == len(emails), timeout=60, what="the swept confirmations")
    assert tasks.messages_sweep() == 0
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
    tasks.messages_sweep()
    wait_for(lambda: sum(_sent_to(emails).values()) == len(emails), timeout=60, what="the confirmations")
    assert tasks.messages_sweep() == 0
    time.sleep(1)
    assert handler.recipients() == Counter(dict.fromkeys(emails, 1))


def _retry_countdowns(workers) -> list[float]:
    return [float(seconds) for seconds in re.findall(r"retry: Retry in ([0-9.]+)s", workers.log())]


def _status_count(status) -> int:
    return OutboundMessage.objects.filter(status=status).count()


def _staff_resend_failed(staff_client) -> str:
    """What staff do: list the failed messages in the admin, then resend them all; the list's HTML."""
    url = reverse("admin:messaging_outboundmessage_changelist")
    listing = staff_client.get(url, {"status__exact": OutboundMessage.Status.FAILED})
    assert listing.status_code == 200
    failed = OutboundMessage.objects.filter(status=OutboundMessage.Status.FAILED).values_list("pk", flat=True)
    response = staff_client.post(url, {"action": "resend", "_selected_action": list(failed)}, follow=True)
    assert response.status_code == 200
    return listing.text


@pytest.mark.parametrize("fault", ["refused", "silent"])
def test_an_smtp_server_refusing_or_silent_is_retried_with_backoff_then_shown_to_staff_and_sent_once(
    workers, smtp_server, staff_client, fault
):
    controller, handler = smtp_server
    controller.stop()
    # "refused": nothing listens on the port; "silent": connections are accepted and never greeted.
    silent = socket.create_server((controller.hostname, controller.port)) if fault == "silent" else None
    workers.env.update(MESSAGING_MAX_ATTEMPTS="3", EMAIL_TIMEOUT="1")
    workers.start()
    messages = OutboundMessageFactory.create_batch(5)
    assert tasks.messages_sweep() == 5
    wait_for(lambda: _status_count(OutboundMessage.Status.FAILED) == 5, timeout=60, what="the messages to fail")

    # Three attempts, two retries whose countdown doubles (MESSAGING_RETRY_BACKOFF=0.3, jitter 0.5-1).
    assert set(OutboundMessage.objects.values_list("attempts", flat=True)) == {3}
    countdowns = _retry_countdowns(workers)
    assert len(countdowns) == 2 and 0.15 <= countdowns[0] <= 0.3 <= countdowns[1] <= 0.6, countdowns
    reason = "Connection refused" if fault == "refused" else "timed out"

    if silent is not None:
        silent.close()
    controller.start()
    listing = _staff_resend_failed(staff_client)
    for message in messages:
        assert message.recipient_email in listing
    assert reason in listing
    wait_for(lambda: _status_count(OutboundMessage.Status.SENT) == 5, timeout=60, what="the resent messages")
    time.sleep(1)
    assert handler.recipients() == Counter(message.recipient_email for message in messages)


def test_an_smtp_server_timing_out_mid_batch_fails_the_rest_and_never_sends_twice(workers, smtp_server, staff_client):
    _controller, handler = smtp_server
    # The server accepts two messages, then never answers the next ones.
    handler.stall_after = 2
    workers.env.update(MESSAGING_MAX_ATTEMPTS="2", EMAIL_TIMEOUT="1")
    workers.start()
    messages = OutboundMessageFactory.create_batch(5)
    tasks.messages_sweep()
    wait_for(lambda: _status_count(OutboundMessage.Status.FAILED) == 3, timeout=60, what="the stalled messages to fail")
    assert _status_count(OutboundMessage.Status.SENT) == 2
    # Each message waited for its own timeouts, with a growing countdown between the task's runs.
    countdowns = _retry_countdowns(workers)
    assert len(countdowns) == 3 and countdowns == sorted(countdowns), countdowns

    handler.stall_after = None
    listing = _staff_resend_failed(staff_client)
    assert "timed out" in listing
    wait_for(lambda: _status_count(OutboundMessage.Status.SENT) == 5, timeout=60, what="the resent messages")
    time.sleep(1)
    assert handler.recipients() == Counter(message.recipient_email for message in messages)


def test_a_worker_killed_in_the_middle_of_a_campaign_loses_and_duplicates_nothing_without_the_sweep(
    workers, smtp_server
):
    """250 invitations in three batches; the worker is killed in the first, another takes over.
    No sweep here: the broker's redelivery alone brings the interrupted batch back."""
    _server, handler = smtp_server
    handler.hold_after = 30
    workers.env["CELERY_VISIBILITY_TIMEOUT"] = "2"
    first = workers.start()
    meeting = MeetingFactory()
    contacts = ContactFactory.create_batch(250, region=meeting.region)
    assert campaigns.invitations_send(meeting_id=meeting.pk) == 250
    # Killed while the SMTP server receives the 31st message.
    assert handler.holding.wait(timeout=30)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert _status_count(OutboundMessage.Status.SENT) == 30
    workers.start()
    wait_for(lambda: _status_count(OutboundMessage.Status.SENT) == 250, timeout=90, what="the 250 invitations")
    time.sleep(1)
    assert handler.recipients() == Counter(contact.email for contact in contacts)
    assert len({str(received["Message-ID"]) for received in handler.received}) == 250
