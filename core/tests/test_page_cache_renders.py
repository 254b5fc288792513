"""One render per stale page, with real threads: the others wait for it or serve the page it replaces."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from core import page_cache

THREADS = 8
# Far longer than any test here waits: a thread that gave up waiting would render and fail the count.
PATIENCE = 30


@pytest.fixture(autouse=True)
def patient_visitors(monkeypatch):
    monkeypatch.setattr(page_cache, "RENDER_WAIT_SECONDS", PATIENCE)
    monkeypatch.setattr(page_cache, "RENDER_LOCK_SECONDS", PATIENCE)


@pytest.fixture
def pool():
    with ThreadPoolExecutor(max_workers=THREADS) as threads:
        yield threads


class Reads:
    """How many times each thread has looked at the cache: a waiting thread looks again and again."""

    def __init__(self, monkeypatch):
        self.per_thread = {}
        self.changed = threading.Condition()
        read = page_cache._read

        def counted_read(*args, **kwargs):
            found = read(*args, **kwargs)
            with self.changed:
                ident = threading.get_ident()
                self.per_thread[ident] = self.per_thread.get(ident, 0) + 1
                self.changed.notify_all()
            return found

        monkeypatch.setattr(page_cache, "_read", counted_read)

    def wait_until(self, condition):
        with self.changed:
            assert self.changed.wait_for(lambda: condition(self.per_thread), timeout=PATIENCE)


class Page:
    """A page whose render can be held until the test lets it finish; counts its renders."""

    def __init__(self, text):
        self.text = text
        self.renders = 0
        self.rendering = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def hold(self):
        self.release.clear()

    def render(self):
        self.renders += 1
        self.rendering.set()
        assert self.release.wait(timeout=PATIENCE)
        return HttpResponse(self.text)


def visit(page, *, stale_generations=True):
    request = RequestFactory().get("/tournee/relance-2026/")
    response = page_cache.cached_page(
        request,
        scopes=["test-scope"],
        variant="anonymous",
        render=page.render,
        max_age=60,
        stale_generations=stale_generations,
    )
    return response.content.decode()


def visit_at_once(pool, page, count, **options):
    return [pool.submit(visit, page, **options) for _ in range(count)]


@pytest.mark.parametrize("stale_generations", [True, False])
def test_visitors_of_a_missing_page_wait_for_one_render(pool, monkeypatch, stale_generations):
    reads = Reads(monkeypatch)
    page = Page("Les étapes")
    page.hold()
    visits = visit_at_once(pool, page, THREADS, stale_generations=stale_generations)
    assert page.rendering.wait(timeout=PATIENCE)
    # The renderer read twice (before and after taking the lock); every other thread is polling.
    reads.wait_until(lambda per_thread: len(per_thread) == THREADS and min(per_thread.values()) >= 2)
    page.release.set()
    assert [visit.result(timeout=PATIENCE) for visit in visits] == ["Les étapes"] * THREADS
    assert page.renders == 1


def test_a_stale_page_is_served_while_one_visitor_renders_the_new_one(pool):
    old = Page("Avant le changement")
    assert visit(old) == "Avant le changement"
    page_cache._bump(["test-scope"])
    new = Page("Après le changement")
    new.hold()
    [renderer] = visit_at_once(pool, new, 1)
    assert new.rendering.wait(timeout=PATIENCE)
    # While it renders, the others get the page it replaces at once.
    assert [visit(new) for _ in range(5)] == ["Avant le changement"] * 5
    new.release.set()
    assert renderer.result(timeout=PATIENCE) == "Après le changement"
    assert visit(new) == "Après le changement"
    assert (old.renders, new.renders) == (1, 1)


def test_a_page_that_must_not_be_stale_is_waited_for(pool, monkeypatch):
    reads = Reads(monkeypatch)
    old = Page("Trois places restantes")
    assert visit(old, stale_generations=False) == "Trois places restantes"
    page_cache._bump(["test-scope"])
    new = Page("Complet")
    new.hold()
    visits = visit_at_once(pool, new, THREADS, stale_generations=False)
    assert new.rendering.wait(timeout=PATIENCE)
    reads.wait_until(lambda per_thread: len(per_thread) >= THREADS and min(per_thread.values()) >= 2)
    new.release.set()
    assert [visit.result(timeout=PATIENCE) for visit in visits] == ["Complet"] * THREADS
    assert new.renders == 1


def test_a_render_that_stores_nothing_lets_the_waiting_visitors_render_their_own(pool):
    # A page not to share (here a 404) is never stored: nobody waits longer than its render.
    page = Page("Introuvable")
    page.hold()

    def not_found():
        response = Page.render(page)
        response.status_code = 404
        return response

    page.render = not_found
    visits = visit_at_once(pool, page, 3)
    assert page.rendering.wait(timeout=PATIENCE)
    page.release.set()
    assert [visit.result(timeout=PATIENCE) for visit in visits] == ["Introuvable"] * 3
