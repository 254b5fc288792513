"""The minutes document (PDF): asked for by a reader, tried again, sent to the CRT once validated.

Each PDF is made by a task after commit (meetings.document_tasks); the page that asks for it shows
its state (pending, ready, failed) instead of a request that hangs while it renders.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from meetings import document_tasks
from meetings.documents import minutes_document_get_or_create, minutes_document_reset
from meetings.models import Minutes, MinutesDocument

# Rendering takes seconds; a document pending for longer lost its task (broker down, worker killed)
# and is queued again by the next reader who asks for it.
PENDING_REQUEUE_AFTER = timedelta(minutes=2)


def _make_after_commit(document_id: int) -> None:
    transaction.on_commit(lambda: document_tasks.make_minutes_document.delay(document_id))


@transaction.atomic
def minutes_document_request(*, minutes: Minutes, language: str) -> MinutesDocument:
    """The PDF of the minutes' current edit version in `language`: the one already asked for, or a new
    pending one whose task is queued on commit. A pending one whose task was lost is queued again."""
    document, created = minutes_document_get_or_create(minutes=minutes, language=language)
    stale = (
        document.state == MinutesDocument.State.PENDING and document.updated_at < timezone.now() - PENDING_REQUEUE_AFTER
    )
    if stale:
        # Touched first, so that readers polling meanwhile do not queue it again and again.
        MinutesDocument.objects.filter(pk=document.pk).update(updated_at=timezone.now())
    if created or stale:
        _make_after_commit(document.pk)
    return document


@transaction.atomic
def minutes_document_retry(*, minutes: Minutes, language: str) -> MinutesDocument | None:
    """Try the failed PDF of the minutes' current version in `language` again, its task queued on commit.

    A document that is not failed (any more) is left as it is.
    """
    document = MinutesDocument.objects.filter(minutes=minutes, version=minutes.version, language=language).first()
    if document is None:
        return None
    reset = minutes_document_reset(document_id=document.pk)
    if reset is None:
        return document
    _make_after_commit(reset.pk)
    return reset


@transaction.atomic
def minutes_document_lost(*, document: MinutesDocument) -> None:
    """A ready PDF whose file has gone from private storage is made again (pending, its task queued on commit)."""
    remade = MinutesDocument.objects.filter(pk=document.pk, state=MinutesDocument.State.READY).update(
        state=MinutesDocument.State.PENDING, file="", updated_at=timezone.now()
    )
    if remade:
        _make_after_commit(document.pk)


def minutes_validated_notify(*, version_id: int) -> None:
    """Call in the transaction that validates a version: once it commits, a task makes the PDFs and
    e-mails the minutes to the region's CRT contacts, each in their language with the PDF attached."""
    transaction.on_commit(lambda: document_tasks.notify_minutes_validated.delay(version_id))
