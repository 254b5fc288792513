"""Fixtures of the tests that run a real Celery worker on Redis (or RabbitMQ) and send to a real SMTP server."""

import importlib
import json
import os
import uuid
from pathlib import Path

import pytest
import redis
from kombu import Connection

from core.brokers import AMQP_SCHEMES
from messaging.tests.live import RecordingHandler, SmtpServer, Workers, database_url, use_broker
from onmt_portal.celery import app as celery_app
from regions.models import Region


def _seed_regions() -> None:
    """The 12 regions as the data migration made them, with the same ids (numbers 1 to 12)."""
    fields = ["number", "slug", "name_fr", "name_ar", "name_en", "seat_city", "seat_city_ar", "tourism_profile"]
    present = set(Region.objects.values_list("number", flat=True))
    Region.objects.bulk_create(
        Region(pk=row[0], **dict(zip(fields, row, strict=True)))
        for row in importlib.import_module("regions.migrations.0002_seed_regions").REGIONS
        if row[0] not in present
    )


@pytest.fixture(scope="module")
def _regions_kept(django_db_setup, django_db_blocker):
    """Transactional tests end with a flush that empties the seeded regions; put them back after
    the module so the tests that follow (and a --reuse-db run) still find the 12 regions."""
    yield
    with django_db_blocker.unblock():
        _seed_regions()


@pytest.fixture
def regions(transactional_db, _regions_kept):
    _seed_regions()


@pytest.fixture
def smtp_server():
    handler = RecordingHandler()
    server = SmtpServer(handler)
    server.start()
    yield server, handler
    server.stop()


@pytest.fixture
def broker_url() -> str:
    """The Redis the workers and the test use; a module overrides it to run on a Redis of its own."""
    return os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/6"


@pytest.fixture
def broker(broker_url):
    """A queue of this test's own: no other run's or engineer's worker takes its tasks."""
    queue = f"messaging-test-{uuid.uuid4().hex}"
    previous_queue, previous_url = celery_app.conf.task_default_queue, celery_app.conf.broker_url
    celery_app.conf.task_default_queue = queue
    use_broker(broker_url)
    yield queue
    celery_app.conf.task_default_queue = previous_queue
    use_broker(previous_url)
    if broker_url.startswith(AMQP_SCHEMES):
        _amqp_queue_delete(broker_url, queue)
    else:
        _redis_queue_delete(broker_url, queue)


def _amqp_queue_delete(broker_url: str, queue: str) -> None:
    # Undelivered or unacknowledged tasks go with the queue (RabbitMQ keeps no copy of them elsewhere).
    with Connection(broker_url, connect_timeout=5) as connection:
        connection.default_channel.queue_delete(queue)


def _redis_queue_delete(broker_url: str, queue: str) -> None:
    client = redis.Redis.from_url(broker_url, socket_timeout=5)
    try:
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        # A killed worker's task may still wait for redelivery: drop it, or a later worker would restore it.
        for tag, entry in client.hgetall("unacked").items():
            if json.loads(entry)[2] == queue:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
    except redis.RedisError:
        # A throwaway Redis the test left stopped or paused: it goes away with the test.
        pass
    finally:
        client.close()


@pytest.fixture
def workers(smtp_server, broker, broker_url, tmp_path, regions):
    controller, _handler = smtp_server
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "messaging.tests.worker_settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        "EMAIL_URL": f"smtp://{controller.hostname}:{controller.port}",
        "MESSAGING_RETRY_BACKOFF": "0.3",
        "CELERY_VISIBILITY_TIMEOUT": "3600",
        "WORKER_LOG": str(tmp_path / "worker.log"),
        "MESSAGING_TEST_QUEUE": broker,
    }
    pool = Workers(env)
    yield pool
    pool.stop()
    # Shown by pytest when the test failed.
    print(Path(env["WORKER_LOG"]).read_text()[-6000:])
