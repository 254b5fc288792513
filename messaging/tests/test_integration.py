"""A real Celery worker on the real Redis, sending to a real SMTP server in the test process."""

import asyncio
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from meetings.tests.factories import MeetingFactory, RegistrationFactory
from messaging import campaigns, notifications, services, tasks
from messaging.models import OutboundMessage
from messaging.tests.factories import OutboundMessageFactory
from onmt_portal.celery import app as celery_app
from regions.models import Region
from regions.tests.factories import ContactFactory

pytestmark = [pytest.mark.real_broker, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(settings.BASE_DIR)
BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/6"


def _seed_regions() -> None:
    """The 12 regions as the data migration made them, with the same ids (numbers 1 to 12)."""
    fields = ["number", "slug", "name_fr", "name_ar", "name_en", "seat_city", "seat_city_ar", "tourism_profile"]
    present = set(Region.objects.values_list("number", flat=True))
    Region.objects.bulk_create(
        Region(pk=row[0], **dict(zip(fields, row, strict=True)))
        for row in importlib.import_module("regions.migrations.0002_seed_regions").REGIONS
        if row[0] not in present
    )


@pytest.fixture(scope="module", autouse=True)
def _regions_kept(django_db_setup, django_db_blocker):
    """Transactional tests end with a flush that empties the seeded regions; put them back after
    this module so the tests that follow (and a --reuse-db run) still find the 12 regions."""
    yield
    with django_db_blocker.unblock():
        _seed_regions()


@pytest.fixture
def regions(transactional_db):
    _seed_regions()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"Timed out waiting for {what}")


class RecordingHandler:
    """Accepts mail like a real server; can answer 451 first, or be slow to accept."""

    def __init__(self):
        self.received = []
        self.sessions = 0
        self.fail_next = 0
        # Hold the message after this many were accepted, and tell the test it is being received.
        self.hold_after = None
        self.holding = threading.Event()
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        if self.hold_after is not None and len(self.received) == self.hold_after and not self.holding.is_set():
            self.holding.set()
            await asyncio.sleep(2)
        if server.transport is None or server.transport.is_closing():
            # The client went away before the final answer: the message is not accepted.
            return "421 Connection lost"
        with self.lock:
            if self.fail_next:
                self.fail_next -= 1
                return "451 4.3.0 Try again later"
            self.received.append(message_from_bytes(envelope.content))
        return "250 OK"

    def recipients(self) -> Counter:
        with self.lock:
            return Counter(str(message["To"]).split("<")[-1].rstrip(">") for message in self.received)


@pytest.fixture
def smtp_server():
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture
def broker():
    """A queue of this test's own on the real Redis: no other run's or engineer's worker takes its tasks."""
    queue = f"messaging-test-{uuid.uuid4().hex}"
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    celery_app.conf.broker_url = celery_app.conf.broker_write_url = BROKER_URL
    yield queue
    celery_app.conf.task_default_queue = previous
    client = redis.Redis.from_url(BROKER_URL)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    # A killed worker's task may still wait for redelivery: drop it, or a later worker would restore it.
    for tag, entry in client.hgetall("unacked").items():
        if json.loads(entry)[2] == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
    client.close()


class Workers:
    def __init__(self, env):
        self.env = env
        self.processes = []

    def start(self) -> subprocess.Popen:
        log = open(self.env["WORKER_LOG"], "a")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "onmt_portal",
                "worker",
                "--pool=solo",
                "-l",
                "info",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"test{len(self.processes)}@%h",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append((process, log))
        offset = len(Path(self.env["WORKER_LOG"]).read_text())
        _wait_for(
            lambda: "ready." in Path(self.env["WORKER_LOG"]).read_text()[offset:] or process.poll() is not None,
            timeout=30,
            what="the Celery worker",
        )
        assert process.poll() is None, Path(self.env["WORKER_LOG"]).read_text()[-3000:]
        return process

    def stop(self):
        for process, log in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            log.close()


@pytest.fixture
def workers(smtp_server, broker, tmp_path, regions):
    controller, _handler = smtp_server
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "messaging.tests.worker_settings",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CELERY_BROKER_URL": BROKER_URL,
        "EMAIL_URL": f"smtp://{controller.hostname}:{controller.port}",
        "MESSAGING_RETRY_BACKOFF": "0.3",
        "CELERY_VISIBILITY_TIMEOUT": "3600",
        "WORKER_LOG": str(tmp_path / "worker.log"),
        "MESSAGING_TEST_QUEUE": broker,
    }
    pool = Workers(env)
    yield pool
    pool.stop()
    # Shown by pytest when the test failed.
    print(Path(env["WORKER_LOG"]).read_text()[-6000:])


def _all_sent(count: int):
    return lambda: OutboundMessage.objects.filter(status=OutboundMessage.Status.SENT).count() == count


def test_an_invitation_batch_arrives_exactly_once_per_recipient(workers, smtp_server):
    _controller, handler = smtp_server
    workers.start()
    meeting = MeetingFactory()
    contacts = ContactFactory.create_batch(150, region=meeting.region)
    assert campaigns.invitations_send(meeting_id=meeting.pk) == 150
    # Staff press the button again while the first batch is being sent.
    assert campaigns.invitations_send(meeting_id=meeting.pk) == 0
    _wait_for(_all_sent(150), timeout=60, what="150 invitations")
    time.sleep(0.5)
    assert handler.recipients() == Counter({contact.email: 1 for contact in contacts})
    # One SMTP connection per batch of 100, not one per message.
    assert handler.sessions == 2


def test_a_retry_after_a_transient_smtp_error_sends_once(workers, smtp_server):
    _controller, handler = smtp_server
    handler.fail_next = 1
    workers.start()
    with transaction.atomic():
        registration = RegistrationFactory()
        notifications.notify_registration_confirmed(registration=registration)
    _wait_for(_all_sent(1), timeout=30, what="the confirmation after a retry")
    time.sleep(1)
    assert handler.recipients() == Counter({registration.email: 1})
    message = OutboundMessage.objects.get()
    assert message.attempts == 2
    calendar = next(part for part in handler.received[0].walk() if part.get_content_type() == "text/calendar")
    assert calendar.get_param("method") == "REQUEST"


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(workers, smtp_server):
    _controller, handler = smtp_server
    handler.hold_after = 10
    workers.env["CELERY_VISIBILITY_TIMEOUT"] = "2"
    first = workers.start()
    messages = OutboundMessageFactory.create_batch(60)
    services.messages_dispatch(message_ids=[message.pk for message in messages])
    # Killed while the SMTP server receives the 11th message.
    assert handler.holding.wait(timeout=30)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert OutboundMessage.objects.filter(status=OutboundMessage.Status.SENT).count() == 10
    workers.start()
    # The beat sweep also finds the unsent rows: they are dispatched twice, and still sent once.
    services.messages_sweep(now=timezone.now() + timedelta(seconds=2 + 61))
    _wait_for(_all_sent(60), timeout=60, what="the redelivered batch")
    time.sleep(1)
    assert handler.recipients() == Counter({message.recipient_email: 1 for message in messages})
    assert len({str(received["Message-ID"]) for received in handler.received}) == 60


def test_with_the_broker_down_the_change_commits_and_the_mail_goes_out_when_it_is_back(workers, smtp_server):
    _controller, handler = smtp_server
    workers.start()
    # A hung Redis: the connection is accepted by the kernel but never answered.
    hung = socket.create_server(("127.0.0.1", 0))
    _use_broker(f"redis://127.0.0.1:{hung.getsockname()[1]}/6")
    try:
        started = time.monotonic()
        with transaction.atomic():
            registration = RegistrationFactory()
            notifications.notify_registration_confirmed(registration=registration)
        # The failed dispatch after commit is quick and never reaches the caller.
        assert time.monotonic() - started < 10
    finally:
        _use_broker(BROKER_URL)
        hung.close()
    message = OutboundMessage.objects.get(registration=registration)
    assert message.status == OutboundMessage.Status.QUEUED and message.dispatched_at is None
    time.sleep(1)
    assert handler.received == []
    # The beat sweep, a minute later, finds it.
    assert services.messages_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
    _wait_for(_all_sent(1), timeout=30, what="the swept confirmation")
    assert services.messages_sweep(now=timezone.now() + timedelta(minutes=2)) == 0
    time.sleep(0.5)
    assert handler.recipients() == Counter({registration.email: 1})


def _use_broker(url: str) -> None:
    # kombu keeps one connection pool per broker URL: dropping the app's references is enough.
    celery_app.conf.broker_write_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_beat_reminders_through_the_worker_send_each_reminder_once(workers, smtp_server):
    _controller, handler = smtp_server
    workers.start()
    now = timezone.now()
    tomorrow = MeetingFactory(starts_at=now + timedelta(days=1))
    next_week = MeetingFactory(starts_at=now + timedelta(days=7))
    due = RegistrationFactory(meeting=tomorrow)
    RegistrationFactory(meeting=next_week)
    for meeting in (tomorrow, next_week):
        campaigns.reminders_create_defaults(meeting=meeting)
    # Two beat runs in a row (a late one and a repeated one).
    tasks.send_due_reminders.delay()
    tasks.send_due_reminders.delay()
    _wait_for(_all_sent(1), timeout=30, what="the reminder")
    time.sleep(1)
    assert handler.recipients() == Counter({due.email: 1})
    assert OutboundMessage.objects.get().kind == OutboundMessage.Kind.REMINDER
