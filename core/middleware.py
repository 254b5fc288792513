import functools
import logging

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# What a view sets on its response to have a policy of its own (django-csp's decorators).
PER_RESPONSE_POLICY = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)


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


@functools.cache
def _site_policy() -> str:
    return build_policy()


@receiver(setting_changed)
def _site_policy_changed(*, setting, **_kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _site_policy.cache_clear()


class SitePolicyCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the site's policy built once: django-csp builds it anew for every
    response, which took about a fifth of the time of a page served from the cache.

    A response or request that could make the policy differ (a view's own CSP, a nonce, a report-only
    policy, excluded prefixes, the debug pages) goes through django-csp's own way.
    """

    def process_response(self, request, response):
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
        if (
            settings.DEBUG
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or policy.get("EXCLUDE_URL_PREFIXES")
            or getattr(request, "_csp_nonce", None) is not None
            or any(getattr(response, name, None) is not None for name in PER_RESPONSE_POLICY)
        ):
            return super().process_response(request, response)
        if HEADER not in response and not getattr(response, "_csp_exempt", False):
            response[HEADER] = _site_policy()
        # As django-csp does: a nonce asked for once the header is written could not be in it.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
