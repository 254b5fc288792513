"""Files of a meeting (presentations, the region's diagnostic): added and removed by ONMT staff from the
minutes page. A removed file leaves storage once the removal is committed (core.storage)."""

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from core.uploads import upload_inspect
from meetings.models import Meeting, MeetingEvidence


@transaction.atomic
def meeting_evidence_add(*, actor, meeting: Meeting, upload: UploadedFile) -> MeetingEvidence:
    """Attach a file to a meeting (staff), if core.uploads accepts it (else ValidationError saying why)."""
    if not actor.is_staff:
        raise PermissionDenied
    inspected = upload_inspect(upload=upload)
    return MeetingEvidence.objects.create(meeting=meeting, uploaded_by=actor, **inspected.fields())


@transaction.atomic
def meeting_evidence_remove(*, actor, evidence: MeetingEvidence) -> bool:
    """Remove a file of a meeting (staff); False when somebody removed it already."""
    if not actor.is_staff:
        raise PermissionDenied
    removed, _by_model = MeetingEvidence.objects.filter(pk=evidence.pk).delete()
    return bool(removed)
