"""Fixtures shared by every app's tests."""

from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

from core.storage import private_storage
from messaging.tests.live import RecordingHandler, SmtpServer
from onmt_portal.celery import app as celery_app


def pytest_configure(config):
    # Tests serve static files from the source folders (no collectstatic needed),
    # and hash passwords cheaply.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Reference data that data migrations load; a transactional test's flush removes it.
REFERENCE_DATA_SEEDERS = [
    ("regions.migrations.0002_seed_regions", "seed_regions", {}),
    ("roadmap.migrations.0002_seed_markets", "seed", {"app_label": "plan"}),
]


def _seed_reference_data():
    for module, function, options in REFERENCE_DATA_SEEDERS:
        getattr(import_module(module), function)(apps, None, **options)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # A reused test database may have been flushed by the last run's transactional tests.
    with django_db_blocker.unblock():
        _seed_reference_data()


@pytest.fixture(autouse=True)
def _reference_data_for_transactional_tests(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    if transactional or "live_server" in request.fixturenames or "transactional_db" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        _seed_reference_data()


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Run tasks in-process unless a test asks for the real broker and worker."""
    if request.node.get_closest_marker("real_broker"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from api.webhooks import events_subscribed_kept
    from core.cache import TolerantRedisCache
    from core.page_cache import local_copies_forget

    # A Redis that failed in an earlier test is tried again at once.
    TolerantRedisCache.unavailable_until.clear()
    cache.clear()
    local_copies_forget()
    # Hooks an earlier test saved were rolled back: what this process knew of them goes too.
    events_subscribed_kept.forget()
    yield


@pytest.fixture(autouse=True)
def _reads_kept_by_the_process(request, monkeypatch):
    """What a process keeps between requests (signed-in accounts, meetings registered for) is kept in the tests
    that ask for `kept_reads` alone. Elsewhere every request reads them, as a process's first request does, so
    that a page's query count does not depend on whether the process listens to Redis yet."""
    from meetings.selectors.registration import registration_meetings_kept
    from regions.auth import accounts_kept

    for kept in (accounts_kept, registration_meetings_kept):
        kept.forget()
        if "kept_reads" not in request.fixturenames:
            monkeypatch.setattr(kept, "most", 0)


@pytest.fixture
def kept_reads():
    """The accounts and meetings a process keeps, kept (see _reads_kept_by_the_process)."""


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user(
        username="staff", email="staff@onmt.ma", password="staff-pass-2026", is_staff=True, is_superuser=True
    )


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def private_media(settings, tmp_path, monkeypatch):
    """Private files (minutes PDFs, attachments) in a folder of the test's own.

    A FileField builds its storage once, when its model is loaded: each field on private storage
    is given one at the test's folder.
    """
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    storage = private_storage()
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if (
                isinstance(model_field, models.FileField)
                and getattr(model_field, "_storage_callable", None) is private_storage
            ):
                monkeypatch.setattr(model_field, "storage", storage)
    return storage


@pytest.fixture
def smtp(settings):
    """Django's SMTP backend of this process, talking to a real SMTP server of the test's own."""
    handler = RecordingHandler()
    server = SmtpServer(handler)
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.hostname, server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.MESSAGING_REPLY_TO = "Équipe de la tournée <contact-tournee@onmt.ma>"
    yield handler
    server.stop()
