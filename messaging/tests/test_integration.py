"""A real Celery worker on the real Redis, and again on the real RabbitMQ, sending to a real SMTP server in the
test process."""

import os
import re
import signal
import socket
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from kombu import Connection

from meetings import tasks as meeting_tasks
from meetings.services import campaigns, notifications
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from messaging import tasks
from messaging.models import OutboundMessage
from messaging.tests.factories import OutboundMessageFactory
from messaging.tests.live import use_broker, wait_for
from regions.tests.factories import ContactFactory

pytestmark = [pytest.mark.real_broker, pytest.mark.django_db(transaction=True)]

RABBITMQ_URL = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")


@pytest.fixture(params=["redis", "rabbitmq"])
def broker_url(request) -> str:
    """Each test twice: on the machine's Redis (the default broker) and on its RabbitMQ."""
    if request.param == "rabbitmq":
        return RABBITMQ_URL
    return os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/6"


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
    wait_for(_all_sent(150), timeout=60, what="150 invitations")
    time.sleep(0.5)
    assert handler.recipients() == Counter({contact.email: 1 for contact in contacts})
    # One SMTP connection per batch of 100, not one per message.
    assert handler.sessions == 2


def _tasks_waiting(broker_url: str, queue: str) -> int:
    with Connection(broker_url, connect_timeout=5) as connection:
        return connection.default_channel.queue_declare(queue, passive=True).message_count


def test_confirmations_stored_one_by_one_go_with_one_sweep_each_sent_once(workers, smtp_server, broker, broker_url):
    _controller, handler = smtp_server
    registrations = RegistrationFactory.create_batch(20)
    for registration in registrations:
        with transaction.atomic():
            notifications.notify_registration_confirmed(registration=registration)
    # No worker yet: the first confirmation asked for a sweep, the 19 after it found one asked for.
    assert _tasks_waiting(broker_url, broker) == 1
    workers.start()
    wait_for(_all_sent(20), timeout=60, what="20 confirmations")
    # The sweep released its claim as it began: a confirmation stored after it asks for the next one.
    late = RegistrationFactory()
    with transaction.atomic():
        notifications.notify_registration_confirmed(registration=late)
    wait_for(_all_sent(21), timeout=60, what="the confirmation after the sweep")
    time.sleep(0.5)
    assert handler.recipients() == Counter({registration.email: 1 for registration in [*registrations, late]})
    # Two sweeps in all, each handing its confirmations over in one batch.
    assert len(re.findall(r"sweep_messages\[[-\w]+\] received", workers.log())) == 2
    assert len(re.findall(r"send_batch\[[-\w]+\] received", workers.log())) == 2


def test_a_retry_after_a_transient_smtp_error_sends_once(workers, smtp_server):
    _controller, handler = smtp_server
    handler.fail_next = 1
    workers.start()
    with transaction.atomic():
        registration = RegistrationFactory()
        notifications.notify_registration_confirmed(registration=registration)
    wait_for(_all_sent(1), timeout=30, what="the confirmation after a retry")
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
    tasks.messages_dispatch(message_ids=[message.pk for message in messages])
    # Killed while the SMTP server receives the 11th message.
    assert handler.holding.wait(timeout=30)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert OutboundMessage.objects.filter(status=OutboundMessage.Status.SENT).count() == 10
    workers.start()
    # The beat sweep also finds the unsent rows: they are dispatched twice, and still sent once.
    tasks.messages_sweep(now=timezone.now() + timedelta(seconds=2 + 61))
    wait_for(_all_sent(60), timeout=60, what="the redelivered batch")
    time.sleep(1)
    assert handler.recipients() == Counter({message.recipient_email: 1 for message in messages})
    assert len({str(received["Message-ID"]) for received in handler.received}) == 60


def test_with_the_broker_down_the_change_commits_and_the_mail_goes_out_when_it_is_back(
    workers, smtp_server, broker_url
):
    _controller, handler = smtp_server
    workers.start()
    # A hung broker: the connection is accepted by the kernel but never answered.
    hung = socket.create_server(("127.0.0.1", 0))
    scheme, _rest = broker_url.split("://", 1)
    use_broker(f"{scheme}://guest:guest@127.0.0.1:{hung.getsockname()[1]}/" + ("/" if scheme == "amqp" else "6"))
    try:
        started = time.monotonic()
        with transaction.atomic():
            registration = RegistrationFactory()
            notifications.notify_registration_confirmed(registration=registration)
        # The failed dispatch after commit is quick and never reaches the caller.
        assert time.monotonic() - started < 10
    finally:
        use_broker(broker_url)
        hung.close()
    message = OutboundMessage.objects.get(registration=registration)
    assert message.status == OutboundMessage.Status.QUEUED and message.dispatched_at is None
    time.sleep(1)
    assert handler.received == []
    # The beat sweep, a minute later, finds it.
    assert tasks.messages_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
    wait_for(_all_sent(1), timeout=30, what="the swept confirmation")
    assert tasks.messages_sweep(now=timezone.now() + timedelta(minutes=2)) == 0
    time.sleep(0.5)
    assert handler.recipients() == Counter({registration.email: 1})


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
    meeting_tasks.send_due_reminders.delay()
    meeting_tasks.send_due_reminders.delay()
    wait_for(_all_sent(1), timeout=30, what="the reminder")
    time.sleep(1)
    assert handler.recipients() == Counter({due.email: 1})
    assert OutboundMessage.objects.get().kind == OutboundMessage.Kind.REMINDER
