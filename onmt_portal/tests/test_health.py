import pytest
from django.db import connection


@pytest.mark.django_db
def test_health_reports_database_and_broker(client, settings):
    response = client.get("/health/")
    assert response.status_code == 200
    payload = response.json()
    assert payload["status"] == "ok"
    assert payload["checks"]["database"] is True
    if settings.CELERY_BROKER_URL:
        assert payload["checks"]["broker"] is True


@pytest.mark.django_db
def test_health_answers_503_when_the_database_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] is False


@pytest.mark.django_db
def test_health_answers_503_when_the_configured_broker_does_not_answer(client, settings, monkeypatch):
    from functools import partial

    from onmt_portal.celery import app as celery_app

    # Nothing listens on port 1: the broker check must fail fast and report it.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setattr(
        celery_app, "connection_for_write", partial(celery_app.connection_for_write, url=settings.CELERY_BROKER_URL)
    )
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": True, "broker": False}}


@pytest.mark.django_db
def test_health_without_a_broker_checks_the_database_only(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": True}}
    assert "no-cache" in response["Cache-Control"]
