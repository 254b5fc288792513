"""The tasks of the minutes document: thin, idempotent, taking ids.

Queued by `meetings.services.documents` after commit; the work is in `meetings.documents`. They are
apart from `meetings.tasks` (whose tasks call the services) so that the services can queue them
without an import cycle; `meetings.tasks` names them, for the worker's autodiscovery.
"""

from celery import shared_task

from meetings import documents

# A notice waits for its PDFs this long at first, then twice as long each time (at most 32 minutes in all,
# every countdown well below the broker's visibility timeout).
NOTICE_RETRY_SECONDS = 60


@shared_task
def make_minutes_document(document_id: int) -> None:
    """Render and store one PDF of the minutes; nothing to do once it is ready or failed."""
    documents.minutes_document_render(document_id=document_id)


@shared_task(bind=True, max_retries=5)
def notify_minutes_validated(self, version_id: int) -> int:
    """E-mail the validated minutes, their PDFs attached, to the region's CRT contacts; once per contact."""
    try:
        return documents.minutes_validated_messages_queue(version_id=version_id)
    except (documents.MinutesDocumentNotReady, *documents.DATABASE_ERRORS) as error:
        raise self.retry(exc=error, countdown=NOTICE_RETRY_SECONDS * 2**self.request.retries) from error
