"""Server-side cache of rendered pages that many visitors see alike.

Two kinds of page use it: the anonymous public pages (home, tour, region,
meeting), and a region's roadmap page, the same for everyone allowed to see
it once the view has checked that the visitor is (its key tells staff from
officials). A page is stored per path, query string and language, and only
when nothing personal is in it: no pending message, no cookie set. The CSRF
token of its forms is the one per-visitor value a page holds: it is stored as
a placeholder and each visitor gets their own token.

Scopes. A stored page carries the generations of the scopes it shows; a change
to the data of a scope sets a new generation when it commits (`pages_changed`,
or `invalidate_on_change` for every save and deletion of a model, with a scope
function of the row changed), and a page of an older generation is stale. Each
app names its scopes after what its pages show: all public pages share
PUBLIC_SCOPE (tours, meetings, regions: staff edits), and a meeting's own page
has a scope of its own besides (its agenda, its registrations), so a
registration leaves every other page in place.

Age. A page is also stale after its `max_age`: it bounds the time-driven states
("registration closed", "overdue") no save announces, and the figures a page
shows without following their scope (the seats of every meeting on a tour page).

Copies in each process. Each process keeps its own copy of the pages it served and
serves it again without asking the shared cache, for as long as it hears of no change
of their scopes: Redis pushes every change to every process (`generation_watch`), so
a change shows on every node as soon as it is pushed, and most requests make no round
trip to Redis. While a process does not hear the changes (Redis unreachable), only the
pages that may be a little stale (`local_seconds`: the listing pages) are served from
its copies, for LOCAL_COPY_SECONDS; the others ask the cache every time.

One render per stale page. The first process to find a page stale or missing
takes a short lock in the cache and renders it; meanwhile the others serve the
stale page (stale-while-revalidate: a stored page outlives its age by
STALE_SECONDS) or, where a page of an older generation must never be shown, wait
for the new one a few milliseconds at a time, RENDER_WAIT_SECONDS at most, then
render it themselves. When the cache does not answer, every request renders its
own page (after one look for a render under way): the cache never fails one.
"""

import hashlib
import re
import secrets
import time
from collections.abc import Callable, Iterable
from functools import wraps
from typing import NamedTuple

from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from core import counters
from core.generation_watch import Marks, generation_key, generations_set, watch

PUBLIC_SCOPE = "public"
ROADMAP_SCOPE = "roadmap"
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')
CSRF_PLACEHOLDER = b"__cached-page-csrf-token__"

# A render holds its page's lock at most this long: a process that died rendering holds up nobody for longer.
RENDER_LOCK_SECONDS = 5
# A visitor waits this long at most for another process's render before rendering the page themselves.
RENDER_WAIT_SECONDS = 2.0
# Pauses between looks at the cache while waiting: short first (a render takes tens of milliseconds).
WAIT_PAUSES = (0.002, 0.004, 0.008, 0.016)
LONGEST_WAIT_PAUSE = 0.025
# A page stays in the cache this long after its age, to be served while another process renders it.
STALE_SECONDS = 30
# A scope's generation is forgotten after a day without change: its pages are then rendered once more.
GENERATION_SECONDS = 24 * 3600
# How long a process serves its own copy of a page that may be a little stale, and how many it keeps.
LOCAL_COPY_SECONDS = 1.0
LOCAL_COPIES_MAX = 1000

ScopeSpec = str | Callable[[object], str | Iterable[str]]


class _Page(NamedTuple):
    generations: tuple
    fresh_until: float
    content: bytes
    content_type: str


class _LocalCopy(NamedTuple):
    page: _Page
    # What this process had heard of the page's scopes before it read them (None: it was not listening).
    marks: Marks | None
    # Until when, on this process's monotonic clock, the copy may be served without listening.
    until: float


_local_copies: dict[str, _LocalCopy] = {}
_clock = time.monotonic


def _local_copy(key: str, marks: Marks | None) -> _Page | None:
    copy = _local_copies.get(key)
    if copy is None or time.time() >= copy.page.fresh_until:
        return None
    if marks is not None and copy.marks is not None:
        return copy.page if copy.marks == marks else None
    return copy.page if _clock() < copy.until else None


def _keep_local_copy(key: str, page: _Page, marks: Marks | None, seconds: float) -> None:
    if marks is None and not seconds:
        return
    if len(_local_copies) >= LOCAL_COPIES_MAX:
        # Pages are few (one per public address and language): so many means addresses nobody repeats.
        _local_copies.clear()
    _local_copies[key] = _LocalCopy(page, marks, _clock() + seconds)


def local_copies_forget() -> None:
    """Drop this process's copies (the test suite does so when it empties the cache between tests)."""
    _local_copies.clear()


def _new_generation() -> int:
    # Pages are compared with their generation for equality only: a random one is set in one write
    # (incr() costs two round trips: Django checks that the key exists) and never repeats one a page
    # was stored with before its key was lost (a Redis restart).
    return secrets.randbits(63)


def _read(scopes: list[str], page_key: str, *extra_keys: str) -> tuple[tuple, _Page | None, dict]:
    """The current generation of each scope (None for one never set, or expired) and the stored page,
    in one round trip to the cache."""
    keys = [generation_key(scope) for scope in scopes]
    found = cache.get_many([*keys, page_key, *extra_keys])
    page = found.get(page_key)
    return tuple(found.get(key) for key in keys), page if isinstance(page, _Page) else None, found


def _settled(scopes: list[str], generations: tuple) -> tuple | None:
    """The generations to store a page with: those read before its render, the missing ones set now.

    A scope gets a generation once a page of it is stored, not when it is read: an address that
    names no page (a meeting that does not exist) leaves nothing in the cache. None when a change
    set a missing one during the render (the page may predate it), or when the cache does not answer.
    """
    settled = list(generations)
    for index, (scope, generation) in enumerate(zip(scopes, generations, strict=True)):
        if generation is None:
            settled[index] = _new_generation()
            if not cache.add(generation_key(scope), settled[index], timeout=GENERATION_SECONDS):
                return None
    return tuple(settled)


def _bump(scopes: Iterable[str]) -> None:
    generations_set({scope: _new_generation() for scope in scopes}, timeout=GENERATION_SECONDS)


def pages_changed(*scopes: str) -> None:
    """Invalidate the cached pages of these scopes once the transaction commits (at once outside one).

    Not before: no other process can see the change until then, and a page cached
    meanwhile from the data as it was carries the older generation. A registration
    makes this call while it holds its meeting's lock, which the Redis round trip
    would lengthen.
    """
    if scopes:
        transaction.on_commit(lambda: _bump(scopes))


def _scopes_of(scope: ScopeSpec, instance) -> list[str]:
    if isinstance(scope, str):
        return [scope]
    named = scope(instance)
    return [named] if isinstance(named, str) else list(named)


def invalidate_on_change(models: Iterable, *, scope: ScopeSpec) -> None:
    """Invalidate pages whenever these models' rows or many-to-many links change.

    `scope` is a scope's name, or a function of the row changed giving the name (or names) of the
    scopes whose pages show it.
    """
    name = scope if isinstance(scope, str) else f"{scope.__module__}.{scope.__qualname__}"

    def changed(instance, **_signal_kwargs):
        pages_changed(*_scopes_of(scope, instance))

    for model in models:
        uid = f"page-cache:{name}:{model._meta.label}"
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:save")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:delete")
        for field in model._meta.many_to_many:
            m2m_changed.connect(
                changed, sender=field.remote_field.through, weak=False, dispatch_uid=f"{uid}:{field.name}"
            )


def _page_key(request, scopes: list[str], variant: str) -> str:
    where = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"page:{'+'.join(scopes)}:{variant}:{get_language()}:{where}"


def _render_lock_key(page_key: str) -> str:
    return f"{page_key}:rendering"


def _no_session_nor_messages(request) -> bool:
    # Messages are stored in a cookie or in the session (Django's default storage): without either
    # cookie there is none, and neither the session nor the user need be looked up.
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and CookieStorage.cookie_name not in cookies


def _cacheable_request(request) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    return _no_session_nor_messages(request) or not len(get_messages(request))


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


def _fresh(page: _Page | None, generations: tuple) -> bool:
    return page is not None and page.generations == generations and time.time() < page.fresh_until


def _served(request, page: _Page) -> HttpResponse:
    content = page.content
    if CSRF_PLACEHOLDER in content:
        content = content.replace(CSRF_PLACEHOLDER, get_token(request).encode())
    return HttpResponse(content, content_type=page.content_type)


def _count_render(request, page_key: str, generations: tuple, previous: _Page | None) -> None:
    # A miss is a page found stale or missing: its key, the generations it is rendered for and the
    # stored page it replaces. Two renders of the same miss are one too many.
    path = request.get_full_path()
    counters.count(f"page-renders:{path}")
    miss = hashlib.sha256(repr((page_key, generations, previous and previous.fresh_until)).encode()).hexdigest()
    counters.count_once(f"page-misses:{path}", marker=miss)


def _rendered(
    request,
    key: str,
    scopes: list[str],
    generations: tuple,
    previous: _Page | None,
    render,
    max_age: int,
    local_copy: tuple[Marks | None, float],
) -> HttpResponse:
    response = render()
    if counters.counting():
        _count_render(request, key, generations, previous)
    content = _shareable_content(request, response)
    if content is not None and (settled := _settled(scopes, generations)) is not None:
        page = _Page(settled, time.time() + max_age, content, response["Content-Type"])
        cache.set(key, page, timeout=max_age + STALE_SECONDS)
        _keep_local_copy(key, page, *local_copy)
    return response


def _waited_for(request, scopes: list[str], key: str) -> HttpResponse | None:
    """The page another process is rendering, once stored; None if it is not stored in time (or at all)."""
    lock = _render_lock_key(key)
    deadline = time.monotonic() + RENDER_WAIT_SECONDS
    pauses = iter(WAIT_PAUSES)
    while time.monotonic() < deadline:
        time.sleep(next(pauses, LONGEST_WAIT_PAUSE))
        generations, page, found = _read(scopes, key, lock)
        if _fresh(page, generations):
            return _served(request, page)
        if lock not in found:
            # The render ended without storing a page (one not to share, another change came meanwhile),
            # or the cache does not answer.
            return None
    return None


def cached_page(
    request,
    *,
    scopes: list[str],
    variant: str,
    render: Callable[[], HttpResponse],
    max_age: int,
    stale_generations: bool = True,
    local_seconds: float = 0,
) -> HttpResponse:
    """The page `render()` makes, from the cache when another visitor of the same key had it made.

    A page is fresh for `max_age` seconds while the generations of its `scopes` stay the same.
    With `stale_generations` off, a page of an older generation is never served, not even while
    another process renders the new one: visitors wait for that render instead. This process
    serves its own copy of a fresh page while it hears of no change of its scopes and, when it
    does not hear them, for `local_seconds` without looking at the generations.
    """
    if not _cacheable_request(request):
        return render()
    key = _page_key(request, scopes, variant)
    # Read before the cache: a change announced from now on makes what is read below stale.
    marks = watch.marks(scopes)
    if (copy := _local_copy(key, marks)) is not None:
        return _served(request, copy)
    local_copy = (marks, local_seconds)
    generations, page, _found = _read(scopes, key)
    if _fresh(page, generations):
        _keep_local_copy(key, page, *local_copy)
        return _served(request, page)
    lock = _render_lock_key(key)
    if cache.add(lock, True, timeout=RENDER_LOCK_SECONDS):
        try:
            # Another process may have stored the page between the first look and the lock.
            generations, page, _found = _read(scopes, key)
            if _fresh(page, generations):
                return _served(request, page)
            return _rendered(request, key, scopes, generations, page, render, max_age, local_copy)
        finally:
            cache.delete(lock)
    if page is not None and (stale_generations or page.generations == generations):
        return _served(request, page)
    waited = _waited_for(request, scopes, key)
    if waited is not None:
        return waited
    return _rendered(request, key, scopes, generations, page, render, max_age, local_copy)


def cache_public_page(*, scopes: Callable[..., list[str]] | None = None, exact: bool = False):
    """Serve the view's page from the cache to anonymous visitors.

    The page shows what PUBLIC_SCOPE follows, and what `scopes(**view_kwargs)` name besides.
    `exact=False`: the page also shows figures no scope of it follows (the seats of several
    meetings); they are PAGE_CACHE_SEATS_MAX_AGE seconds old at most, a change of its scopes
    shows within LOCAL_COPY_SECONDS while Redis cannot push it, and a stale page is served while
    another process renders the new one.
    `exact=True`: every change shows at once; PAGE_CACHE_SECONDS bounds only the time-driven states.
    Pages with a query string are left out: an invitation link pre-fills a person's details.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            def render():
                return view(request, *args, **kwargs)

            signed_in = not _no_session_nor_messages(request) and request.user.is_authenticated
            if signed_in or request.META.get("QUERY_STRING"):
                return render()
            response = cached_page(
                request,
                scopes=[PUBLIC_SCOPE, *(scopes(**kwargs) if scopes else [])],
                variant="anonymous",
                render=render,
                max_age=settings.PAGE_CACHE_SECONDS if exact else settings.PAGE_CACHE_SEATS_MAX_AGE,
                stale_generations=not exact,
                local_seconds=0 if exact else LOCAL_COPY_SECONDS,
            )
            # The page differs for a signed-in visitor, whether or not this request looked at the session.
            patch_vary_headers(response, ("Cookie",))
            return response

        return wrapper

    return decorator
