import smtplib
from datetime import timedelta
from email import message_from_bytes

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core import mail
from django.utils import timezone

from meetings import calendar
from meetings import drafts as content
from meetings.models import Meeting
from meetings.services import notifications
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from messaging import sending, services, tasks
from messaging.links import absolute_url
from messaging.models import OutboundMessage
from messaging.tests.factories import OutboundMessageFactory

pytestmark = pytest.mark.django_db

Status = OutboundMessage.Status


class FlakyBackend:
    """An e-mail backend whose server refuses for now, or refuses the recipient for good."""

    def __init__(self, error):
        self.error = error
        self.sent = []

    def __call__(self, *args, **kwargs):
        return self

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        if self.error:
            raise self.error
        self.sent += messages
        return len(messages)


def test_queued_message_is_sent_after_commit_once(django_capture_on_commit_callbacks):
    registration = RegistrationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify_registration_confirmed(registration=registration)
        notifications.notify_registration_confirmed(registration=registration)
        assert mail.outbox == []
    assert len(mail.outbox) == 1
    message = OutboundMessage.objects.get()
    assert message.status == Status.SENT and message.attempts == 1 and message.sent_at
    # A redelivered task finds it sent.
    tasks.send_batch.delay([message.pk])
    assert len(mail.outbox) == 1


def test_queueing_stores_only_new_keys_and_returns_their_ids():
    first, second = RegistrationFactory(), RegistrationFactory()
    [stored] = services.messages_queue(drafts=[content.registration_draft(first, kind="confirmation", key="k1")])
    drafts = [
        content.registration_draft(first, kind="confirmation", key="k1"),
        content.registration_draft(second, kind="confirmation", key="k2"),
    ]
    [created] = services.messages_queue(drafts=drafts)
    rows = dict(OutboundMessage.objects.values_list("idempotency_key", "pk"))
    assert rows == {"k1": stored, "k2": created}
    assert OutboundMessage.objects.get(pk=created).recipient_email == second.email
    # A repeat of one message alone is skipped by the insert itself.
    assert services.messages_queue(drafts=[content.registration_draft(second, kind="confirmation", key="k2")]) == []
    assert OutboundMessage.objects.count() == 2


def test_confirmation_carries_a_calendar_request_without_secret(django_capture_on_commit_callbacks):
    registration = RegistrationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify_registration_confirmed(registration=registration)
    parsed = message_from_bytes(mail.outbox[0].message().as_bytes())
    calendars = [part for part in parsed.walk() if part.get_content_type() == "text/calendar"]
    assert len(calendars) == 1
    assert calendars[0].get_param("method") == "REQUEST"
    ics = calendars[0].get_payload(decode=True).decode()
    assert "METHOD:REQUEST" in ics and "ORGANIZER" in ics and "BEGIN:VALARM" in ics
    assert registration.manage_secret not in ics and str(registration.public_id) not in ics
    assert registration.manage_secret in mail.outbox[0].body


def test_meeting_cancelled_tells_every_active_registrant_with_a_cancel_calendar(django_capture_on_commit_callbacks):
    meeting = MeetingFactory()
    active = RegistrationFactory.create_batch(2, meeting=meeting)
    RegistrationFactory(meeting=meeting, status="cancelled", cancelled_at=timezone.now())
    meeting.status = Meeting.Status.CANCELLED
    meeting.save()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify_meeting_cancelled(meeting=meeting)
        notifications.notify_meeting_cancelled(meeting=meeting)
    assert sorted(m.to[0].split("<")[-1].rstrip(">") for m in mail.outbox) == sorted(r.email for r in active)
    parsed = message_from_bytes(mail.outbox[0].message().as_bytes())
    calendar = next(part for part in parsed.walk() if part.get_content_type() == "text/calendar")
    assert calendar.get_param("method") == "CANCEL"


def test_a_second_postponement_is_told_again(django_capture_on_commit_callbacks):
    meeting = MeetingFactory()
    RegistrationFactory(meeting=meeting)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify_meeting_postponed(meeting=meeting)
        notifications.notify_meeting_postponed(meeting=meeting)
        meeting.sequence += 1
        notifications.notify_meeting_postponed(meeting=meeting)
    assert len(mail.outbox) == 2


def test_postponement_notice_carries_the_updated_calendar(django_capture_on_commit_callbacks):
    from icalendar import Calendar

    from meetings.services.meeting import meeting_postpone

    start = timezone.now().replace(microsecond=0) + timedelta(days=20)
    meeting = MeetingFactory(starts_at=start, ends_at=start + timedelta(hours=3))
    registration = RegistrationFactory(meeting=meeting)
    new_start = start + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        meeting_postpone(meeting=meeting, starts_at=new_start, ends_at=new_start + timedelta(hours=3))
    [sent] = mail.outbox
    assert registration.email in sent.to[0]
    calendar = next(
        part
        for part in message_from_bytes(sent.message().as_bytes()).walk()
        if part.get_content_type() == "text/calendar"
    )
    assert calendar.get_param("method") == "REQUEST"
    event = Calendar.from_ical(calendar.get_payload(decode=True)).walk("VEVENT")[0]
    assert event.decoded("dtstart") == new_start
    assert int(event["sequence"]) == Meeting.objects.get(pk=meeting.pk).sequence > 0
    assert registration.manage_secret not in calendar.get_payload(decode=True).decode()


def test_waitlisted_message_links_to_the_page_that_shows_the_current_position(
    client, django_capture_on_commit_callbacks
):
    # A position written in an e-mail goes stale as people ahead cancel: the personal page counts it when opened.
    meeting = MeetingFactory()
    RegistrationFactory(meeting=meeting, status="waitlisted")
    second = RegistrationFactory(meeting=meeting, status="waitlisted")
    with django_capture_on_commit_callbacks(execute=True):
        welcome = notifications.registration_welcome_render(registration=second)
        notifications.registration_welcome_store(registration=second, message=welcome)
    [sent] = mail.outbox
    manage_url = absolute_url("registrations:manage", second.public_id, second.manage_secret)
    assert "liste d'attente" in sent.body and manage_url in sent.body
    assert "en position 2" in client.get(manage_url.removeprefix(settings.SITE_URL)).content.decode()


def test_a_new_manage_link_is_sent_for_each_new_secret(django_capture_on_commit_callbacks):
    registration = RegistrationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify_manage_link(registration=registration)
        notifications.notify_manage_link(registration=registration)
        registration.manage_secret = "another-secret"
        notifications.notify_manage_link(registration=registration)
    assert len(mail.outbox) == 2
    assert "another-secret" in mail.outbox[1].body
    assert not OutboundMessage.objects.filter(idempotency_key__contains="another-secret").exists()


def test_refused_recipient_is_marked_failed_with_the_reason(settings, monkeypatch):
    refused = smtplib.SMTPRecipientsRefused({"x@example.ma": (550, b"No such user")})
    monkeypatch.setattr(sending, "get_connection", FlakyBackend(refused))
    message = OutboundMessageFactory()
    assert sending.messages_send_batch(message_ids=[message.pk]) == []
    message.refresh_from_db()
    assert message.status == Status.FAILED and "No such user" in message.last_error and message.attempts == 1


def test_a_5xx_answer_is_permanent(monkeypatch):
    monkeypatch.setattr(sending, "get_connection", FlakyBackend(smtplib.SMTPDataError(554, b"Message refused")))
    message = OutboundMessageFactory()
    assert sending.messages_send_batch(message_ids=[message.pk]) == []
    message.refresh_from_db()
    assert message.status == Status.FAILED and "Message refused" in message.last_error


def test_transient_error_keeps_the_rest_of_the_batch_queued_for_a_retry(monkeypatch):
    backend = FlakyBackend(smtplib.SMTPServerDisconnected("Connection unexpectedly closed"))
    monkeypatch.setattr(sending, "get_connection", backend)
    first, second = OutboundMessageFactory.create_batch(2)
    assert sending.messages_send_batch(message_ids=[first.pk, second.pk]) == [first.pk, second.pk]
    first.refresh_from_db()
    assert first.status == Status.QUEUED and first.attempts == 1 and "unexpectedly" in first.last_error
    assert first.dispatched_at is not None
    backend.error = None
    assert sending.messages_send_batch(message_ids=[first.pk, second.pk]) == []
    assert len(backend.sent) == 2
    # The same Message-ID on every attempt lets mail clients fold a rare duplicate delivery.
    first.refresh_from_db()
    assert backend.sent[0].message()["Message-ID"] == f"<{first.message_key}@onmt.ma>"
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {Status.SENT}


def test_a_batch_with_nothing_left_to_send_opens_no_smtp_connection(monkeypatch):
    sent = OutboundMessageFactory(status=Status.SENT, sent_at=timezone.now())
    failed = OutboundMessageFactory(status=Status.FAILED)
    queued = OutboundMessageFactory()

    def no_connection(*args, **kwargs):
        raise AssertionError("an SMTP connection was opened for messages already dealt with")

    monkeypatch.setattr(sending, "get_connection", no_connection)
    assert sending.messages_send_batch(message_ids=[sent.pk, failed.pk, sent.pk + 10_000]) == []
    backend = FlakyBackend(None)
    monkeypatch.setattr(sending, "get_connection", backend)
    assert sending.messages_send_batch(message_ids=[sent.pk, queued.pk, failed.pk]) == []
    assert [email.to for email in backend.sent] == [[f"Amina Alaoui <{queued.recipient_email}>"]]


def test_a_message_failing_too_often_is_marked_failed(settings, monkeypatch):
    settings.MESSAGING_MAX_ATTEMPTS = 2
    monkeypatch.setattr(sending, "get_connection", FlakyBackend(smtplib.SMTPDataError(451, b"Try later")))
    message = OutboundMessageFactory()
    sending.messages_send_batch(message_ids=[message.pk])
    sending.messages_send_batch(message_ids=[message.pk])
    message.refresh_from_db()
    assert message.status == Status.FAILED and message.attempts == 2


def test_scheduled_message_waits_for_its_time(django_capture_on_commit_callbacks):
    later = timezone.now() + timedelta(hours=1)
    message = OutboundMessageFactory(send_after=later)
    assert sending.message_send(message_id=message.pk) is False
    assert mail.outbox == []


def test_sweep_dispatches_lost_and_due_messages_only(django_capture_on_commit_callbacks):
    now = timezone.now()
    lost = OutboundMessageFactory()
    due = OutboundMessageFactory(send_after=now - timedelta(minutes=1))
    later = OutboundMessageFactory(send_after=now + timedelta(hours=1))
    in_flight = OutboundMessageFactory(dispatched_at=now - timedelta(minutes=5))
    stale = OutboundMessageFactory(dispatched_at=now - timedelta(hours=2))
    sent = OutboundMessageFactory(status=Status.SENT, sent_at=now)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.messages_sweep(now=now) == 3
    assert tasks.messages_sweep(now=now) == 0
    sent_to = {m.to[0] for m in mail.outbox}
    assert {lost.recipient_email, due.recipient_email, stale.recipient_email} == {
        address.split("<")[-1].rstrip(">") for address in sent_to
    }
    for message in (later, in_flight, sent):
        assert not any(message.recipient_email in address for address in sent_to)


def test_dispatch_with_the_broker_down_is_logged_and_the_row_stays_queued(monkeypatch, caplog):
    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis")

    monkeypatch.setattr(tasks.send_batch, "delay", broker_down)
    message = OutboundMessageFactory(dispatched_at=timezone.now())
    tasks.messages_dispatch(message_ids=[message.pk])
    message.refresh_from_db()
    assert message.status == Status.QUEUED and message.dispatched_at is None
    assert "stay queued for the sweep" in caplog.text


def test_resend_queues_failed_messages_again(django_capture_on_commit_callbacks):
    failed = OutboundMessageFactory(status=Status.FAILED, attempts=3, last_error="550")
    sent = OutboundMessageFactory(status=Status.SENT, sent_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert services.messages_resend(message_ids=[failed.pk, sent.pk]) == 1
    failed.refresh_from_db()
    assert failed.status == Status.SENT and failed.attempts == 1
    assert len(mail.outbox) == 1


def test_retry_countdown_grows_and_stays_below_the_visibility_timeout(settings):
    settings.MESSAGING_RETRY_BACKOFF = 5
    settings.MESSAGING_RETRY_BACKOFF_MAX = 600
    assert 2.5 <= sending.retry_countdown(retries=0) <= 5
    assert 20 <= sending.retry_countdown(retries=3) <= 40
    assert sending.retry_countdown(retries=30) <= 600 < settings.CELERY_VISIBILITY_TIMEOUT


def test_a_message_that_cannot_be_built_fails_at_once_with_the_reason(monkeypatch):
    def broken(meeting, **kwargs):
        raise ValueError("bad calendar data")

    monkeypatch.setattr(calendar, "meeting_ics", broken)
    message = OutboundMessageFactory(meeting=MeetingFactory(), attach_calendar=True)
    assert sending.messages_send_batch(message_ids=[message.pk]) == []
    message.refresh_from_db()
    assert message.status == Status.FAILED and "bad calendar data" in message.last_error


def test_a_batch_out_of_time_leaves_the_rest_queued_for_the_retry(monkeypatch):
    backend = FlakyBackend(SoftTimeLimitExceeded())
    monkeypatch.setattr(sending, "get_connection", backend)
    first, second = OutboundMessageFactory.create_batch(2)
    assert sending.messages_send_batch(message_ids=[first.pk, second.pk]) == [first.pk, second.pk]
    assert set(OutboundMessage.objects.values_list("status", "attempts")) == {(Status.QUEUED, 0)}
