"""Server-side cache of rendered pages that many visitors see alike.

Two kinds of page use it: the anonymous public pages (home, tour, region,
meeting), and a region's roadmap page, the same for everyone allowed to see
it once the view has checked that the visitor is (its key tells staff from
officials). A page is stored per path, query string and language, and only
when nothing personal is in it: no pending message, no cookie set. The CSRF
token of its forms is the one per-visitor value a page holds: it is stored as
a placeholder and each visitor gets their own token.

A stored page carries the generations of its scopes (all public pages,
all roadmaps), which every change to the data the page shows replaces; a page of
another generation is rendered again, so no visitor sees a page older than
the last change. The short timeout bounds the time-driven states
("registration closed", "overdue") that no save announces.
"""

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from functools import partial, wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

PUBLIC_SCOPE = "public"
ROADMAP_SCOPE = "roadmap"
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')
CSRF_PLACEHOLDER = b"__cached-page-csrf-token__"


def _generation_key(scope: str) -> str:
    return f"page-generation:{scope}"


def _new_generation() -> int:
    # Pages are compared with their generation for equality only: a random one is set in one write
    # (incr() costs two round trips: Django checks that the key exists) and never repeats one a page
    # was stored with before its key was lost (a Redis restart).
    return secrets.randbits(63)


def _generations_and_page(scopes: list[str], page_key: str) -> tuple[tuple, object]:
    """The current generation of each scope and the stored page, in one round trip to the cache."""
    keys = [_generation_key(scope) for scope in scopes]
    found = cache.get_many([*keys, page_key])
    for key in keys:
        if key not in found:
            # add() so that concurrent first visitors agree on one starting value.
            cache.add(key, _new_generation(), timeout=None)
            found[key] = cache.get(key)
    return tuple(found[key] for key in keys), found.get(page_key)


def _bump(scope: str) -> None:
    cache.set(_generation_key(scope), _new_generation(), timeout=None)


def pages_changed(scope: str) -> None:
    """Invalidate the cached pages of `scope` once the transaction commits (at once outside one).

    Not before: no other process can see the change until then, and a page cached
    meanwhile from the data as it was carries the older generation. A registration
    makes this call while it holds its meeting's lock, which the Redis round trip
    would lengthen.
    """
    transaction.on_commit(lambda: _bump(scope))


def invalidate_on_change(models: Iterable, *, scope: str) -> None:
    """Invalidate the pages of `scope` whenever these models' rows or many-to-many links change."""

    def changed(**_signal_kwargs):
        pages_changed(scope)

    for model in models:
        uid = f"page-cache:{scope}:{model._meta.label}"
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:save")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:delete")
        for field in model._meta.many_to_many:
            m2m_changed.connect(
                changed, sender=field.remote_field.through, weak=False, dispatch_uid=f"{uid}:{field.name}"
            )


def _page_key(request, scopes: list[str], variant: str) -> str:
    where = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"page:{'+'.join(scopes)}:{variant}:{get_language()}:{where}"


def _cacheable_request(request) -> bool:
    return request.method in ("GET", "HEAD") and not len(get_messages(request))


def _shareable_content(request, response) -> bytes | None:
    """The page as every visitor of its key may see it, or None when it holds anything personal."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    content = response.content
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        tokens = set(CSRF_FIELD.findall(content))
        if len(tokens) != 1:
            return None
        content = content.replace(tokens.pop(), CSRF_PLACEHOLDER)
    return content


def cached_page(request, *, scopes: list[str], variant: str, render: Callable[[], HttpResponse]) -> HttpResponse:
    """The page `render()` makes, from the cache when another visitor of the same key had it made."""
    if not _cacheable_request(request):
        return render()
    key = _page_key(request, scopes, variant)
    generations, cached = _generations_and_page(scopes, key)
    if cached is not None and cached[0] == generations:
        _generations, content, content_type = cached
        if CSRF_PLACEHOLDER in content:
            content = content.replace(CSRF_PLACEHOLDER, get_token(request).encode())
        return HttpResponse(content, content_type=content_type)
    response = render()
    content = _shareable_content(request, response)
    if content is not None:
        page = (generations, content, response["Content-Type"])
        cache.set(key, page, timeout=settings.PAGE_CACHE_SECONDS)
    return response


def cache_public_page(view=None, *, scopes: Iterable[str] = (PUBLIC_SCOPE,)):
    """Serve the view's page from the cache to anonymous visitors, fresh for every change in `scopes`
    (`@cache_public_page`, or `@cache_public_page(scopes=[…])` for a page that shows more than the public scope).

    Pages with a query string are left out: an invitation link pre-fills a person's details.
    """
    if view is None:
        return partial(cache_public_page, scopes=scopes)
    scopes = list(scopes)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        def render():
            return view(request, *args, **kwargs)

        if request.user.is_authenticated or request.META.get("QUERY_STRING"):
            return render()
        return cached_page(request, scopes=scopes, variant="anonymous", render=render)

    return wrapper
