import logging

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """Answer a clean 503 page when the database connection is lost mid-request.

    The broken connection is closed so the next request opens a fresh one
    (CONN_HEALTH_CHECKS then keeps stale persistent connections out).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable during %s %s: %s", request.method, request.path, exception)
        try:
            connection.close()
        except DatabaseError:
            logger.warning("Could not close the broken database connection", exc_info=True)
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response


class NulInQueryStringMiddleware:
    """Answer 400 to an admin page's query string holding a NUL character (filters and searches).

    PostgreSQL can neither store nor compare a string holding NUL: the admin's filters and searches, its
    own and third-party apps' alike, would end in a server error. The portal's own pages ignore a bad
    filter value with a message (tested), and forms refuse NUL on their own (Django's fields do).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = None

    def __call__(self, request):
        if self.admin_prefix is None:
            self.admin_prefix = reverse("admin:index")
        if request.path.startswith(self.admin_prefix) and any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(_("Caractère nul refusé dans l'adresse."), content_type="text/plain")
        return self.get_response(request)
