"""Counters of the work the portal does, kept in the shared cache for the benchmark to read.

Off unless PERFORMANCE_COUNTERS is set (only the benchmark sets it): each count costs a round
trip to the cache. What is counted: renders of each shared page and the misses that caused
them (core.page_cache), and how long each registration held its meeting's row lock
(meetings.services.registration), as a histogram.
"""

import contextlib

from django.conf import settings
from django.core.cache import cache

PREFIX = "perf:"
# Lock hold times are counted in buckets this wide (microseconds) below the cap, then per millisecond.
FINE_BUCKET_US = 100
FINE_CAP_US = 20_000


def counting() -> bool:
    return settings.PERFORMANCE_COUNTERS


def count(name: str, amount: int = 1) -> None:
    """Add `amount` to the counter `name` (shared by every process using the cache)."""
    key = PREFIX + name
    try:
        cache.incr(key, amount)
    except ValueError:
        # First count, or the cache is down (then nothing is counted). Two first counts at once: one adds.
        if not cache.add(key, amount, timeout=None):
            with contextlib.suppress(ValueError):
                cache.incr(key, amount)


def count_once(name: str, *, marker: str) -> None:
    """Count `name` only the first time this `marker` is seen (within an hour)."""
    if cache.add(f"{PREFIX}seen:{marker}", True, timeout=3600):
        count(name)


def duration_bucket(seconds: float) -> int:
    """The histogram bucket of a duration, as its lower bound in microseconds."""
    micros = int(seconds * 1_000_000)
    width = FINE_BUCKET_US if micros < FINE_CAP_US else 1000
    return micros - micros % width


def count_duration(name: str, seconds: float) -> None:
    count(f"{name}:{duration_bucket(seconds)}")


def read(name: str) -> int:
    return cache.get(PREFIX + name) or 0
