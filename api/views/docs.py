from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt


def documentation(request):
    """The API's documentation: Swagger UI drawn from /api/schema/, every file served by the portal (CSP 'self')."""
    return render(request, "api/docs.html")


# Partners post without a CSRF token (the API's own views are exempt as DRF's are): they get the 404, not a 403.
@csrf_exempt
def not_found(request, path=""):
    """Any other address under /api/: the API's JSON error, not the site's HTML page."""
    return JsonResponse({"detail": _("Introuvable."), "code": "not_found"}, status=404)
