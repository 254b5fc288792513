"""Reads of a meeting's files: staff see every meeting's, an official their region's; anybody else gets 404."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from meetings.models import Meeting, MeetingEvidence
from regions.selectors import regions_visible_to


def meeting_evidence_get(*, user, slug: str, pk: int) -> MeetingEvidence:
    """A file of the meeting `slug` if `user` may read its region's private pages; else 404."""
    files = MeetingEvidence.objects.filter(meeting__region__in=regions_visible_to(user=user))
    return get_object_or_404(files.select_related("meeting"), meeting__slug=slug, pk=pk)


def meeting_evidence_list(*, meeting: Meeting) -> QuerySet[MeetingEvidence]:
    """The meeting's files, oldest first, with who uploaded each (for the minutes page: staff)."""
    return MeetingEvidence.objects.filter(meeting=meeting).select_related("uploaded_by")
