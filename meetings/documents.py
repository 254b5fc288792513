"""The minutes as a PDF, and the work of the tasks that make and send it (meetings.document_tasks).

The PDF is the template `meetings/minutes_pdf.html` in the reader's language, laid out by
WeasyPrint (core.pdf) with the stylesheet and fonts of `static/`.

This module sits below the services that queue the tasks (services → document_tasks → here), as
`messaging.sending` sits below the outbox's services: it never imports `meetings.services`.
A document row is written under its own lock only; the minutes row is locked while they are read.
"""

import logging

from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, transaction

from core.pdf import pdf_from_template
from meetings import drafts
from meetings.models import Meeting, Minutes, MinutesDocument, MinutesValidation, MinutesVersion
from meetings.selectors.minutes_document import (
    MinutesDocumentContent,
    minutes_document_content,
    minutes_notice_recipients,
)
from messaging.services import messages_queue

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)


class MinutesDocumentNotReady(Exception):
    """A PDF that a message must carry could not be made (yet)."""


def minutes_pdf_filename(*, meeting: Meeting, version: int, language: str) -> str:
    return f"compte-rendu-{meeting.slug}-v{version}-{language}.pdf"


def minutes_pdf_render(*, content: MinutesDocumentContent, language: str) -> bytes:
    """The PDF of `content` in `language`."""
    return pdf_from_template(template="meetings/minutes_pdf.html", context={"document": content}, language=language)


def minutes_document_get_or_create(*, minutes: Minutes, language: str) -> tuple[MinutesDocument, bool]:
    """The document of the minutes' current edit version in `language`; created pending if there is none."""
    return MinutesDocument.objects.get_or_create(minutes=minutes, version=minutes.version, language=language)


@transaction.atomic
def minutes_document_reset(*, document_id: int) -> MinutesDocument | None:
    """A failed document back to pending, for another attempt; None when it is not failed (any more)."""
    document = (
        MinutesDocument.objects.select_for_update().filter(pk=document_id, state=MinutesDocument.State.FAILED).first()
    )
    if document is None:
        return None
    document.state, document.error = MinutesDocument.State.PENDING, ""
    document.save(update_fields=["state", "error", "updated_at"])
    return document


def minutes_document_render(*, document_id: int) -> MinutesDocument | None:
    """Make the PDF of a pending document, store it and mark it ready; failed, with the reason, if it cannot be made.

    Safe to run twice, or on two workers at once: the outcome is recorded under the document's lock,
    and only while it is still pending. A database failure is raised (the document stays pending).
    """
    document = MinutesDocument.objects.select_related("minutes__meeting").filter(pk=document_id).first()
    if document is None or document.state != MinutesDocument.State.PENDING:
        return document
    try:
        content = minutes_document_content(minutes_id=document.minutes_id, version=document.version)
        pdf = minutes_pdf_render(content=content, language=document.language)
    except DATABASE_ERRORS:
        raise
    except Exception as error:
        # A fault of the data or of the template (or the task's time ran out): staff see it and try again.
        logger.exception("The PDF of minutes document %s could not be made", document_id)
        return _document_finish(document_id, error=str(error) or type(error).__name__)
    name = minutes_pdf_filename(meeting=document.minutes.meeting, version=document.version, language=document.language)
    return _document_finish(document_id, pdf=pdf, name=name)


@transaction.atomic
def _document_finish(document_id: int, *, pdf: bytes | None = None, name: str = "", error: str = ""):
    document = (
        MinutesDocument.objects.select_for_update().filter(pk=document_id, state=MinutesDocument.State.PENDING).first()
    )
    if document is None:
        # Another worker finished it meanwhile.
        return MinutesDocument.objects.filter(pk=document_id).first()
    if pdf is not None:
        document.file.save(name, ContentFile(pdf), save=False)
        document.state, document.error = MinutesDocument.State.READY, ""
    else:
        document.state, document.error = MinutesDocument.State.FAILED, error[:4000]
    document.save(update_fields=["file", "state", "error", "updated_at"])
    return document


def minutes_document_ready(*, minutes: Minutes, language: str) -> MinutesDocument:
    """The ready PDF of the minutes' current version in `language`, made now if need be.

    MinutesDocumentNotReady when it cannot be made (the reason is on the document, for staff).
    """
    document, _created = minutes_document_get_or_create(minutes=minutes, language=language)
    if document.state == MinutesDocument.State.FAILED:
        document = minutes_document_reset(document_id=document.pk) or document
    if document.state != MinutesDocument.State.READY:
        document = minutes_document_render(document_id=document.pk)
    if document is None or document.state != MinutesDocument.State.READY:
        reason = document.error if document is not None else "document supprimé"
        raise MinutesDocumentNotReady(f"PDF {language} du compte rendu {minutes.pk} : {reason}")
    return document


def _still_validated(version: MinutesVersion) -> bool:
    """The version was validated and nothing has changed since: no later version, the minutes still validated."""
    validation = getattr(version, "validation", None)
    return (
        validation is not None
        and validation.outcome == MinutesValidation.Outcome.VALIDATED
        and version.minutes.status == Minutes.Status.VALIDATED
        and not version.minutes.versions.filter(number__gt=version.number).exists()
    )


def minutes_validated_messages_queue(*, version_id: int) -> int:
    """E-mail the validated minutes to the region's CRT contacts, each with the PDF in their language attached.

    The PDFs are made first (never a message without its file): a PDF that cannot be made raises
    MinutesDocumentNotReady before any message is queued. Once per version and contact (the
    idempotency key), so safe to run again. Returns how many messages were queued by this call.
    """
    version = (
        MinutesVersion.objects.select_related("minutes__meeting__region", "validation").filter(pk=version_id).first()
    )
    if version is None or not _still_validated(version):
        logger.info("Minutes version %s is no longer the validated one: not sent", version_id)
        return 0
    minutes = version.minutes
    contacts = minutes_notice_recipients(region_id=minutes.meeting.region_id)
    documents = {
        language: minutes_document_ready(minutes=minutes, language=language)
        for language in sorted({contact.language for contact in contacts})
    }
    with transaction.atomic():
        queued = messages_queue(
            drafts=[
                drafts.minutes_validated_draft(
                    contact,
                    version,
                    attachment=documents[contact.language].file.name,
                    attachment_filename=minutes_pdf_filename(
                        meeting=minutes.meeting, version=minutes.version, language=contact.language
                    ),
                )
                for contact in contacts
            ]
        )
    return len(queued)
