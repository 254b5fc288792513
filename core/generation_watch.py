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

import copy
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)

CHANNEL = "page-generations"
SEPARATOR = " "
# The subscription is asked to answer this often; silent twice as long, it is given up and opened again.
PING_SECONDS = 2.0
SILENT_SECONDS = 2 * PING_SECONDS
# Pause before subscribing again after a failure.
RETRY_SECONDS = 1.0

Marks = tuple[int, ...]
T = TypeVar("T")


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


def kept_copy(value, copies: dict | None = None):
    """A copy of a kept value that its caller may change without changing the kept one.

    A model instance is copied with the instances its related fields hold (a reverse one-to-one holds
    its way back: `copies` keeps each instance copied once) and its containers (a JSON field's list or
    dict); its other values are immutable and shared. Deep-copying the meeting a registration is for
    took a tenth of the registration's time (README, "Performance").
    """
    if not isinstance(value, Model):
        return copy.deepcopy(value)
    copies = {} if copies is None else copies
    if id(value) in copies:
        return copies[id(value)]
    clone = copies[id(value)] = copy.copy(value)  # Django's pickling support: a new __dict__, state and cache
    for name, field_value in vars(clone).items():
        if isinstance(field_value, list | dict | set):
            clone.__dict__[name] = copy.deepcopy(field_value)
    related = clone._state.fields_cache
    for name, instance in related.items():
        related[name] = kept_copy(instance, copies)
    return clone


class KeptReads:
    """Rows read from the database, kept by this process while it hears of no change of `scopes`.

    Each is kept with what the process had heard before reading it, and each caller gets a copy of its
    own. While the process does not listen, every call reads. Beyond `most` keys, all are forgotten at once;
    with `most` 0 nothing is kept.
    """

    def __init__(self, scopes: Iterable[str], *, most: int = 1000):
        self.scopes = tuple(scopes)
        self.most = most
        self._kept: dict = {}

    def get(self, key, read: Callable[[], T]) -> T:
        marks = watch.marks(self.scopes)
        kept = self._kept.get(key)
        if marks is not None and kept is not None and kept[0] == marks:
            return kept_copy(kept[1])
        value = read()
        if marks is not None and value is not None and self.most:
            if len(self._kept) >= self.most:
                self._kept.clear()
            self._kept[key] = (marks, kept_copy(value))
        return value

    def forget(self, **_signal_kwargs) -> None:
        """Forget everything kept."""
        self._kept.clear()

    def forget_on_change(self, models: Iterable) -> None:
        """Forget everything kept as soon as a row of these models is saved or deleted in this process, for
        the transaction that made the change to see it before it commits (other processes hear of it
        through the scopes once it commits)."""
        for model in models:
            for signal in (post_save, post_delete):
                signal.connect(
                    self.forget, sender=model, weak=False, dispatch_uid=f"kept:{id(self)}:{model._meta.label}"
                )
