"""Server-side cache of the anonymous public pages (home, tour, region, meeting).

A page is cached per path and language, and only when it was rendered for an
anonymous visitor with nothing personal in it: no query string (invitation
links pre-fill a person's details), no pending message, no cookie set. The
registration form's CSRF token is the one per-visitor value a cached page
holds: it is stored as a placeholder and each visitor gets their own token.

Every key carries a generation number that any change to the data the pages
show bumps, so no visitor sees a page older than the last change; the short
timeout bounds the time-driven states ("registration closed", "past") that no
save announces.
"""

import hashlib
import re
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

GENERATION_KEY = "public-pages:generation"
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')
CSRF_PLACEHOLDER = b"__public-page-csrf-token__"


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # add() so that concurrent first visitors agree on one starting value.
        cache.add(GENERATION_KEY, 1, timeout=None)
        generation = cache.get(GENERATION_KEY, 1)
    return generation


def _bump_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.add(GENERATION_KEY, 1, timeout=None)


def public_pages_changed(**_signal_kwargs) -> None:
    """Invalidate every cached public page now, and again once the transaction commits.

    The second bump drops any page another process cached from the data as it
    was before the commit.
    """
    _bump_generation()
    transaction.on_commit(_bump_generation)


def invalidate_public_pages_on_change(*models) -> None:
    """Connect the saves and deletions of these models to `public_pages_changed`."""
    for model in models:
        uid = f"public-pages:{model._meta.label}"
        post_save.connect(public_pages_changed, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(public_pages_changed, sender=model, dispatch_uid=f"{uid}:delete")


def _page_key(request) -> str:
    path = hashlib.sha256(request.path.encode()).hexdigest()
    return f"public-page:{_generation()}:{get_language()}:{path}"


def _cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.META.get("QUERY_STRING")
        and not request.user.is_authenticated
        and not len(get_messages(request))
    )


def _shareable_content(request, response) -> bytes | None:
    """The page as every anonymous visitor may see it, or None when it holds anything personal."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    content = response.content
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        tokens = set(CSRF_FIELD.findall(content))
        if len(tokens) != 1:
            return None
        content = content.replace(tokens.pop(), CSRF_PLACEHOLDER)
    return content


def cache_public_page(view):
    """Serve the view's page from the shared cache to anonymous visitors."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = _page_key(request)
        cached = cache.get(key)
        if cached is not None:
            content, content_type = cached
            if CSRF_PLACEHOLDER in content:
                content = content.replace(CSRF_PLACEHOLDER, get_token(request).encode())
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        content = _shareable_content(request, response)
        if content is not None:
            cache.set(key, (content, response["Content-Type"]), timeout=settings.PUBLIC_PAGE_CACHE_SECONDS)
        return response

    return wrapper
