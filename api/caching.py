"""The public API's answers are cached like the public pages (core.page_cache: the same scopes, so the same
changes renew them), and carry validators: an ETag (a hash of the body) and a Last-Modified (when the body was
made), kept with the cached answer; a request whose If-None-Match or If-Modified-Since still holds gets 304.

Last-Modified is to the second, as HTTP dates are: a client that must see every change uses the ETag."""

import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, quote_etag
from django.utils.http import http_date, parse_http_date_safe
from rest_framework.renderers import JSONRenderer

from core.page_cache import LOCAL_COPY_SECONDS, PUBLIC_SCOPE, cached_page


def json_response(data) -> HttpResponse:
    """`data` as JSON, with its validators."""
    content = JSONRenderer().render(data)
    response = HttpResponse(content, content_type="application/json")
    response["ETag"] = quote_etag(hashlib.sha256(content).hexdigest()[:32])
    response["Last-Modified"] = http_date(time.time())
    return response


def public_answer(request, *, data: Callable[[], object], scopes: list[str] = (), exact: bool = False) -> HttpResponse:
    """The JSON of `data()`, from the page cache when another client had it made, or 304.

    `exact`, as for the pages (core.page_cache.cache_public_page): every change of the scopes shows at once;
    otherwise the answer also holds figures no scope follows (seats left), PAGE_CACHE_SEATS_MAX_AGE old at most.
    """
    response = cached_page(
        request,
        scopes=[PUBLIC_SCOPE, *scopes],
        variant="api",
        render=lambda: json_response(data()),
        max_age=settings.PAGE_CACHE_SECONDS if exact else settings.PAGE_CACHE_SEATS_MAX_AGE,
        stale_generations=not exact,
        local_seconds=0 if exact else LOCAL_COPY_SECONDS,
    )
    last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
    return get_conditional_response(request, etag=response.get("ETag"), last_modified=last_modified, response=response)
