"""The Redis cache never fails or holds up a request: stopped or hung, it answers "not cached"."""

import socket
import time
import uuid

import pytest
from django.core.cache import caches
from django_ratelimit.core import get_usage

from core import cache as cache_module
from core.cache import SOCKET_TIMEOUT, cache_config
from messaging.tests.live import RedisServer


@pytest.fixture
def unreachable_cache(settings):
    """A cache whose Redis does not answer: a port that accepts connections and never replies."""
    hung = socket.create_server(("127.0.0.1", 0))
    settings.CACHES = {"default": cache_config(f"redis://127.0.0.1:{hung.getsockname()[1]}/1")}
    yield caches["default"]
    hung.close()


def test_a_redis_url_gets_the_tolerant_backend_and_other_urls_are_left_alone():
    assert cache_config("redis://127.0.0.1:6379/1")["BACKEND"] == "core.cache.TolerantRedisCache"
    assert cache_config("locmemcache://onmt")["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_a_hung_redis_costs_one_timeout_then_the_cache_is_skipped(unreachable_cache):
    started = time.monotonic()
    assert unreachable_cache.get("page", "default") == "default"
    first = time.monotonic() - started
    assert SOCKET_TIMEOUT * 0.9 < first < SOCKET_TIMEOUT + 1
    started = time.monotonic()
    assert unreachable_cache.add("key", 1) is False
    unreachable_cache.set("key", 1)
    assert unreachable_cache.get_many(["key"]) == {}
    with pytest.raises(ValueError):
        unreachable_cache.incr("key")
    assert time.monotonic() - started < 0.1


def test_rate_limits_fail_open_while_the_cache_is_unreachable(unreachable_cache, rf):
    request = rf.post("/", REMOTE_ADDR="10.0.0.1")
    usage = get_usage(request, group="registration", key="ip", rate="1/h", method="POST", increment=True)
    assert usage is None


def test_the_cache_is_used_again_once_redis_is_back(settings, tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "RETRY_AFTER", 0.2)
    server = RedisServer(tmp_path)
    settings.CACHES = {"default": cache_config(server.url(1))}
    cache = caches["default"]
    try:
        cache.set("key", "lost")
        assert cache.get("key") is None
        server.start()
        time.sleep(0.3)
        assert cache.add("key", "kept") is True
        assert cache.get("key") == "kept"
    finally:
        server.stop()


def test_one_redis_client_serves_every_operation_of_a_pool():
    # The suite runs with CACHE_URL on the machine's Redis (make test).
    cache = caches["default"]
    assert isinstance(cache, cache_module.TolerantRedisCache)
    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=True)
    cache.set("reused-client", 1)
    assert cache.get("reused-client") == 1


def test_incr_raises_for_a_missing_key_without_creating_it_and_keeps_an_existing_keys_expiry():
    cache = caches["default"]
    cache.delete_many(["counter", "absent"])
    with pytest.raises(ValueError):
        cache.incr("absent")
    assert cache.get("absent") is None
    cache.add("counter", 1, timeout=60)
    assert cache.incr("counter") == 2
    assert cache.incr("counter", 5) == 7
    assert cache.get("counter") == 7
    assert 0 < cache._cache.get_client().ttl(cache.make_key("counter")) <= 60


def test_rate_limit_counts_each_request_with_the_real_redis(rf):
    request, group = rf.post("/", REMOTE_ADDR="10.9.8.7"), f"incr-test-{uuid.uuid4()}"
    counts = [get_usage(request, group=group, key="ip", rate="3/h", method="POST", increment=True) for _ in range(4)]
    assert [usage["count"] for usage in counts] == [1, 2, 3, 4]
    assert [usage["should_limit"] for usage in counts] == [False, False, False, True]
