"""A meeting's file, downloaded: by staff and the officials of the meeting's region (404 for anybody else,
the login page for anonymous visitors); private storage has no address of its own."""

from django.views.decorators.http import require_safe

from core.access import private
from core.uploads import private_file_response
from meetings.selectors.evidence import meeting_evidence_get


@require_safe
@private
def evidence_download(request, slug, pk):
    return private_file_response(stored=meeting_evidence_get(user=request.user, slug=slug, pk=pk))
