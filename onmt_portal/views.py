import logging

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from core.page_cache import cache_public_page
from meetings.selectors.meeting import meetings_public, meetings_upcoming, tour_current, tour_map, tour_stops
from onmt_portal.celery import app as celery_app
from regions.selectors import regions_list

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("health: database unreachable")
        return False


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        logger.exception("health: broker unreachable")
        return False


@require_safe
@cache_public_page()
def home(request):
    """Public home page: the tour at a glance and the 12 regions."""
    tour = tour_current()
    upcoming = meetings_upcoming(tour=tour) if tour is not None else []
    stops = tour_stops(meetings=meetings_public(tour=tour)) if tour is not None else []
    region_map = tour_map(stops=stops, regions=list(regions_list()))
    return render(request, "regions/home.html", {"tour_map": region_map, "tour": tour, "upcoming": upcoming})


@never_cache
@require_GET
def health(request):
    """Liveness for load balancers: 200 when the database (and broker) answer, else 503."""
    checks = {"database": _database_ok()}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = _broker_ok()
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


@never_cache
@require_GET
def language_switch(request):
    """Set the interface language and return to the page the visitor was on.

    A GET form rather than Django's POST `set_language`: the switch sits on every
    public page, and a page carrying a CSRF token could not be cached for all.
    An unknown language leaves the current one unchanged.
    """
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    language = request.GET.get("language", "")
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


# A fixed 10 KB page: the ceiling the benchmark compares every real page against.
BENCH_BARE_PAGE = ("<!doctype html><html><body>" + "<p>ONMT tournée régionale.</p>" * 360 + "</body></html>")[:10240]


def bench_bare(request):
    return HttpResponse(BENCH_BARE_PAGE)
