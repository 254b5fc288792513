"""What each process hears of the page cache's changes, pushed by Redis, so that its own copies of pages
need no look at the cache until a change of theirs is announced.

A change sets the new generations of its scopes and publishes their names in one Redis transaction
(`generations_set`). Every process serving pages listens on that channel in a thread of its own and
counts what it heard per scope; a copy of a page is kept with those counts, read before the cache was, and
stays valid while they do not move. The process that made the change counts it at once, before it answers;
the others within the time Redis takes to push it (well under a millisecond on one network).

While the process is not listening (starting, Redis unreachable or silent for SILENT_SECONDS), it trusts no
copy on that ground; once it listens again, every copy kept before is stale, since changes may have been
missed meanwhile.
"""

import itertools
import logging
import os
import threading
import time
from collections.abc import Iterable

from django.core.cache import cache

logger = logging.getLogger(__name__)

CHANNEL = "page-generations"
SEPARATOR = " "
# The subscription is asked to answer this often; silent twice as long, it is given up and opened again.
PING_SECONDS = 2.0
SILENT_SECONDS = 2 * PING_SECONDS
# Pause before subscribing again after a failure.
RETRY_SECONDS = 1.0

Marks = tuple[int, ...]


def announcing() -> bool:
    """True when the cache can announce changes (Redis); the local memory cache of `make run` cannot."""
    return hasattr(cache, "set_many_and_publish")


class GenerationWatch:
    """This process's count of the changes announced per scope, kept by a listening thread."""

    def __init__(self):
        self._start_lock = threading.Lock()
        self._pid = None
        # A number per subscription, 0 while there is none: copies kept under another are stale.
        self._listening = 0
        self._subscriptions = itertools.count(1)
        self._heard: dict[str, int] = {}

    def marks(self, scopes: Iterable[str]) -> Marks | None:
        """What this process has heard of these scopes, or None when it is not listening."""
        if self._pid != os.getpid():
            self._start()
        listening = self._listening
        if not listening or not announcing():
            return None
        heard = self._heard
        return (listening, *(heard.get(scope, 0) for scope in scopes))

    def heard(self, scopes: Iterable[str]) -> None:
        heard = self._heard
        for scope in scopes:
            heard[scope] = heard.get(scope, 0) + 1

    def _start(self) -> None:
        # Once per process, after a fork too (a thread does not survive it).
        with self._start_lock:
            if self._pid == os.getpid():
                return
            self._pid, self._listening = os.getpid(), 0
            if announcing():
                threading.Thread(target=self._listen, name="page-generation-watch", daemon=True).start()

    def _listen(self) -> None:
        while True:
            subscription = None
            try:
                subscription = cache.subscription()
                subscription.subscribe(cache.channel(CHANNEL))
                self._follow(subscription)
            except Exception as error:  # noqa: BLE001 - whatever broke, listen again; pages go on meanwhile
                self._listening = 0
                logger.warning("Not hearing the page cache's changes for now: %s", error)
            finally:
                if subscription is not None:
                    subscription.close()
            time.sleep(RETRY_SECONDS)

    def _follow(self, subscription) -> None:
        last_word = time.monotonic()
        while True:
            message = subscription.get_message(timeout=PING_SECONDS)
            now = time.monotonic()
            if message is None:
                if now - last_word > SILENT_SECONDS:
                    raise TimeoutError(f"no word from Redis for {SILENT_SECONDS:.0f} s")
                subscription.ping()
                continue
            last_word = now
            if message["type"] == "subscribe":
                self._listening = next(self._subscriptions)
            elif message["type"] == "message":
                self.heard(message["data"].decode().split(SEPARATOR))


watch = GenerationWatch()


def generations_set(generations: dict[str, int], *, timeout: int) -> None:
    """Store the new generation of each scope (keyed by scope) and announce the change to every process."""
    scopes = list(generations)
    keys = {generation_key(scope): generation for scope, generation in generations.items()}
    if announcing():
        cache.set_many_and_publish(keys, timeout, channel=CHANNEL, message=SEPARATOR.join(scopes))
    else:
        cache.set_many(keys, timeout=timeout)
    watch.heard(scopes)


def generation_key(scope: str) -> str:
    return f"page-generation:{scope}"
