"""The minutes as a PDF: the page that asks for it and shows its state, and the download.

Staff read every meeting's minutes; the officials of the meeting's region read them once the
CRT has validated them; anybody else gets 404 (anonymous visitors: the login page).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from meetings.documents import minutes_pdf_filename
from meetings.selectors.minutes_document import minutes_document_readable_get, minutes_readable_get
from meetings.services import documents as services
from regions.models import Language


def private(view):
    """Logged-in users only (others go to the login page); never cached by browsers or proxies."""
    return login_required(never_cache(view))


def _language(request) -> str:
    """The PDF's language: the one asked for (`?langue=`), else the reader's."""
    asked = request.GET.get("langue") or request.POST.get("langue")
    if not asked:
        current = (get_language() or "fr")[:2]
        return current if current in Language.values else Language.FRENCH
    if asked not in Language.values:
        raise BadRequest(_("Langue inconnue : choisissez fr, ar ou en."))
    return asked


def _status_url(slug: str, language: str) -> str:
    return f"{reverse('meetings:minutes_pdf', args=[slug])}?{urlencode({'langue': language})}"


@private
@require_http_methods(["GET", "POST"])
def minutes_pdf(request, slug):
    """Asks for the PDF of the minutes in one language and shows its state; a POST tries a failed one again."""
    minutes = minutes_readable_get(user=request.user, slug=slug)
    language = _language(request)
    if request.method == "POST":
        services.minutes_document_retry(minutes=minutes, language=language)
        return redirect(_status_url(slug, language))
    document = services.minutes_document_request(minutes=minutes, language=language)
    if request.GET.get("format") == "json":
        # What the page's script polls while the PDF is being made.
        return JsonResponse({"state": document.state})
    return render(
        request,
        "meetings/minutes_pdf_status.html",
        {
            "meeting": minutes.meeting,
            "minutes": minutes,
            "document": document,
            "language": language,
            "other_languages": [code for code in Language.values if code != language],
            "status_url": _status_url(slug, language),
        },
    )


@private
@require_safe
def minutes_pdf_download(request, slug, document_id):
    """The PDF itself, as an attachment, only from here: private storage has no address of its own."""
    minutes = minutes_readable_get(user=request.user, slug=slug)
    document = minutes_document_readable_get(user=request.user, minutes=minutes, document_id=document_id)
    try:
        file = document.file.open("rb")
    except FileNotFoundError:
        services.minutes_document_lost(document=document)
        messages.warning(request, _("Le fichier de ce PDF est introuvable : il va être refait."))
        return redirect(_status_url(slug, document.language))
    filename = minutes_pdf_filename(meeting=minutes.meeting, version=document.version, language=document.language)
    response = FileResponse(file, as_attachment=True, filename=filename, content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response
