"""Reads of the minutes document (the PDF): who may read it, and what it shows."""

from dataclasses import dataclass

from django.db import transaction
from django.http import Http404

from meetings.models import Meeting, Minutes, MinutesDocument, MinutesValidation
from meetings.selectors.minutes import Attendance, meeting_attendance
from meetings.selectors.validation import minutes_content, minutes_content_display
from regions.models import Contact
from regions.selectors import region_for_official


def minutes_readable_get(*, user, slug: str) -> Minutes:
    """The minutes of the meeting `slug`, with the meeting and its region, if `user` may read them.

    Staff always (drafts too); the officials of the meeting's region once the minutes are
    validated; Http404 for anybody else, as for a meeting without minutes.
    """
    minutes = Minutes.objects.select_related("meeting__region").filter(meeting__slug=slug).first()
    if minutes is None or not minutes_readable_by(user=user, minutes=minutes):
        raise Http404("Compte rendu introuvable.")
    return minutes


def minutes_readable_by(*, user, minutes: Minutes) -> bool:
    if user.is_staff:
        return True
    if minutes.status != Minutes.Status.VALIDATED:
        return False
    region = region_for_official(user=user)
    return region is not None and region.pk == minutes.meeting.region_id


def minutes_document_readable_get(*, user, minutes: Minutes, document_id: int) -> MinutesDocument:
    """A ready PDF of `minutes` (already checked readable by `user`); Http404 otherwise.

    Officials get only the current edit version, the one validated: never a PDF made of an earlier draft.
    """
    documents = MinutesDocument.objects.filter(minutes=minutes, pk=document_id, state=MinutesDocument.State.READY)
    if not user.is_staff:
        documents = documents.filter(version=minutes.version)
    document = documents.first()
    if document is None:
        raise Http404("Document introuvable.")
    return document


@dataclass(frozen=True)
class MinutesDocumentContent:
    """Everything one PDF of the minutes shows, read at one moment."""

    meeting: Meeting
    status: str
    edit_version: int
    # The text a signatory signs, labelled for reading (meetings.selectors.validation.minutes_content_display).
    content: dict
    attendance: Attendance
    # The CRT's validation of the latest version, while the minutes stand validated.
    validation: MinutesValidation | None


class MinutesChanged(Exception):
    """The minutes were edited after the PDF of an earlier edit version was asked for."""


def minutes_document_content(*, minutes_id: int, version: int) -> MinutesDocumentContent:
    """The minutes as they stand at edit version `version`; MinutesChanged if they have moved on.

    Validated minutes print the version the CRT signed, as it was frozen and hashed; a draft prints
    what a version sent now would freeze. The minutes row is locked while its parts are read, so
    that an edit saved meanwhile does not mix two versions in one document; it is released as soon
    as they are read (before any rendering).
    """
    with transaction.atomic():
        minutes = Minutes.objects.select_for_update(of=("self",)).select_related("meeting__region").get(pk=minutes_id)
        if minutes.version != version:
            raise MinutesChanged(
                f"Le compte rendu a été modifié (version {minutes.version}) depuis la demande de ce PDF "
                f"(version {version}) : demandez celui de la nouvelle version."
            )
        validation = _signed_validation(minutes)
        frozen = validation.version.content if validation is not None else minutes_content(minutes=minutes)
        return MinutesDocumentContent(
            meeting=minutes.meeting,
            status=minutes.status,
            edit_version=minutes.version,
            content=minutes_content_display(frozen),
            attendance=meeting_attendance(meeting=minutes.meeting),
            validation=validation,
        )


def _signed_validation(minutes: Minutes) -> MinutesValidation | None:
    if minutes.status != Minutes.Status.VALIDATED:
        return None
    latest = minutes.versions.select_related("validation").order_by("-number").first()
    answer = getattr(latest, "validation", None) if latest is not None else None
    return answer if answer is not None and answer.outcome == MinutesValidation.Outcome.VALIDATED else None


def minutes_notice_recipients(*, region_id: int) -> list[Contact]:
    """Who receives the validated minutes: the region's CRT contacts that have an e-mail address."""
    return list(Contact.objects.filter(region_id=region_id, kind=Contact.Kind.CRT_MEMBER).exclude(email=""))
