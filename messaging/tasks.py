"""The outbox's tasks: thin, idempotent, taking ids. The broker is handed work here, and only here."""

import logging
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from core.cache import cache_claim
from messaging import sending
from messaging.models import OutboundMessage

logger = logging.getLogger(__name__)

# Messages handed to one task, sent over one SMTP connection.
BATCH_SIZE = 100

# A message stored on its own (a registration's confirmation) is not handed to the broker by itself: the
# first of a moment asks for a sweep in SWEEP_SOON_DELAY seconds, and the messages stored meanwhile go
# with it. Publishing a task cost a registration more than any other step of it.
SWEEP_SOON_KEY = "messaging:sweep-soon"
SWEEP_SOON_DELAY = 0.25
# Past this, the claim lapses and the next message asks again (a sweep task lost with a worker).
SWEEP_SOON_HOLD = 10.0


@shared_task(bind=True, max_retries=8, acks_late=True)
def send_batch(self, message_ids: list[int], accepted_ids: list[int] = ()) -> None:
    """Send messages by id over one SMTP connection; safe to run twice, retries what is left.

    A database outage is retried for as long as it lasts (with the same capped backoff): the
    retry carries the messages the SMTP server accepted meanwhile, to be recorded, not resent.
    """
    accepted, outage = [], False
    try:
        left = sending.messages_send_batch(message_ids=message_ids, accepted_ids=accepted_ids)
    except sending.DatabaseUnavailable as unavailable:
        left, accepted, outage = unavailable.left, unavailable.accepted, True
    if (left or accepted) and (outage or self.request.retries < self.max_retries):
        countdown = sending.retry_countdown(retries=self.request.retries)
        sending.messages_hold(message_ids=left, seconds=countdown)
        raise self.retry(args=[left], kwargs={"accepted_ids": accepted}, countdown=countdown, max_retries=None)
    # Out of retries: the rows stay queued and the sweep dispatches them again later.


@shared_task
def sweep_messages() -> int:
    # Released before the rows are read: a message stored after this asks for the next sweep.
    cache.delete(SWEEP_SOON_KEY)
    return messages_sweep()


def messages_sweep_soon() -> None:
    """Ask for a sweep in SWEEP_SOON_DELAY seconds, unless one is asked for already (runs after commit).

    If the broker is down, the failure is logged, never raised to the request that saved the change:
    the messages wait for the periodic sweep.
    """
    if not cache_claim(SWEEP_SOON_KEY, SWEEP_SOON_HOLD):
        return
    try:
        sweep_messages.apply_async(countdown=SWEEP_SOON_DELAY)
    except Exception:
        logger.exception("Could not ask for a sweep; the messages stay queued for the periodic one")
        cache.delete(SWEEP_SOON_KEY)


def messages_dispatch(*, message_ids: list[int]) -> None:
    """Hand messages (marked dispatched by the caller) to the broker in batches.

    Runs after commit: if the broker is down the failure is logged, never raised to the
    request that saved the change, and the rows are unmarked for the next sweep.
    """
    for start in range(0, len(message_ids), BATCH_SIZE):
        try:
            send_batch.delay(message_ids[start : start + BATCH_SIZE])
        except Exception:
            logger.exception("Could not dispatch %d messages; they stay queued for the sweep", len(message_ids) - start)
            OutboundMessage.objects.filter(pk__in=message_ids[start:], status=OutboundMessage.Status.QUEUED).update(
                dispatched_at=None
            )
            return


@transaction.atomic
def messages_sweep(*, now: datetime | None = None) -> int:
    """Dispatch queued messages that are due and have no live task; returns how many.

    That is: never handed to the broker (it was down, or the message was scheduled), or whose
    task has not renewed its lease for MESSAGING_LEASE_SECONDS (it died, or ended early).
    A task renews the lease of its messages when it starts and as it goes, and a retry holds
    them until its countdown ends; the row a worker is sending right now is locked and skipped.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.MESSAGING_LEASE_SECONDS)
    ids = list(
        OutboundMessage.objects.select_for_update(skip_locked=True)
        .filter(status=OutboundMessage.Status.QUEUED)
        .exclude(send_after__gt=now)
        .exclude(dispatched_at__gt=stale)
        .order_by("pk")
        .values_list("pk", flat=True)[: settings.MESSAGING_SWEEP_LIMIT]
    )
    OutboundMessage.objects.filter(pk__in=ids).update(dispatched_at=timezone.now())
    transaction.on_commit(lambda: messages_dispatch(message_ids=ids))
    return len(ids)
