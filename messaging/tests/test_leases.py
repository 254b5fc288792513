"""Which messages the sweep leaves to a live task, and what a batch retried after a database outage sends."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from messaging import sending, tasks
from messaging.models import OutboundMessage
from messaging.tests.factories import OutboundMessageFactory

Status = OutboundMessage.Status


@pytest.mark.django_db(transaction=True)
def test_the_sweep_leaves_alone_a_message_a_live_worker_is_sending(settings, monkeypatch):
    settings.MESSAGING_LEASE_SECONDS = 60
    long_ago = timezone.now() - timedelta(hours=1)
    being_sent, abandoned = OutboundMessageFactory.create_batch(2, dispatched_at=long_ago)
    holding, release = threading.Event(), threading.Event()

    def worker_sending():
        # What message_send holds while the SMTP server takes the message: the row's lock.
        with transaction.atomic():
            OutboundMessage.objects.select_for_update().get(pk=being_sent.pk)
            holding.set()
            release.wait(timeout=30)
        connection.close()

    worker = threading.Thread(target=worker_sending)
    worker.start()
    try:
        assert holding.wait(timeout=10)
        swept = []
        monkeypatch.setattr(tasks, "messages_dispatch", lambda *, message_ids: swept.extend(message_ids))
        assert tasks.messages_sweep() == 1
        assert swept == [abandoned.pk]
    finally:
        release.set()
        worker.join()


@pytest.mark.django_db
def test_the_sweep_tells_a_renewed_or_held_lease_from_an_abandoned_one(settings, django_capture_on_commit_callbacks):
    settings.MESSAGING_LEASE_SECONDS = 60
    now = timezone.now()
    renewed = OutboundMessageFactory(dispatched_at=now - timedelta(seconds=20))
    held = OutboundMessageFactory(dispatched_at=now - timedelta(hours=1))
    abandoned = OutboundMessageFactory(dispatched_at=now - timedelta(seconds=61))
    # A retry waiting ten minutes for its countdown holds its messages that long.
    sending.messages_hold(message_ids=[held.pk], seconds=600)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.messages_sweep(now=now + timedelta(seconds=30)) == 1
    assert [message.to for message in mail.outbox] == [[f"Amina Alaoui <{abandoned.recipient_email}>"]]
    assert tasks.messages_sweep(now=now + timedelta(seconds=30)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.messages_sweep(now=now + timedelta(seconds=90)) == 1  # the renewed lease ran out at last
    assert set(OutboundMessage.objects.filter(status=Status.QUEUED).values_list("pk", flat=True)) == {held.pk}
    assert renewed.pk in {message.pk for message in OutboundMessage.objects.filter(status=Status.SENT)}


@pytest.mark.django_db
def test_messages_the_server_accepted_before_an_outage_are_recorded_not_sent_again():
    accepted, left = OutboundMessageFactory.create_batch(2)
    assert sending.messages_send_batch(message_ids=[left.pk], accepted_ids=[accepted.pk]) == []
    assert [message.to[0].split("<")[-1].rstrip(">") for message in mail.outbox] == [left.recipient_email]
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {Status.SENT}


# Transactional: the sending side closes the connection the outage broke.
@pytest.mark.django_db(transaction=True)
def test_a_database_failure_after_the_server_accepted_a_message_hands_it_over_to_record(monkeypatch):
    first, second, third = OutboundMessageFactory.create_batch(3)
    saved = OutboundMessage.save

    def save_fails_for_the_second(message, *args, **kwargs):
        if message.pk == second.pk and message.status == Status.SENT:
            raise OperationalError("the database system is shutting down")
        return saved(message, *args, **kwargs)

    monkeypatch.setattr(OutboundMessage, "save", save_fails_for_the_second)
    with pytest.raises(sending.DatabaseUnavailable) as outage:
        sending.messages_send_batch(message_ids=[first.pk, second.pk, third.pk])
    assert (outage.value.left, outage.value.accepted) == ([third.pk], [second.pk])
    assert len(mail.outbox) == 2  # the first, and the second the server took
    monkeypatch.undo()
    assert sending.messages_send_batch(message_ids=outage.value.left, accepted_ids=outage.value.accepted) == []
    assert len(mail.outbox) == 3
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {Status.SENT}


@pytest.mark.django_db(transaction=True)
def test_a_database_failure_before_sending_hands_the_whole_batch_back(monkeypatch):
    messages = OutboundMessageFactory.create_batch(2)
    ids = [message.pk for message in messages]

    def unreachable(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(sending, "messages_record_sent", unreachable)
    with pytest.raises(sending.DatabaseUnavailable) as outage:
        sending.messages_send_batch(message_ids=ids, accepted_ids=[ids[0]])
    assert (outage.value.left, outage.value.accepted) == (ids, [ids[0]])
    assert mail.outbox == []
