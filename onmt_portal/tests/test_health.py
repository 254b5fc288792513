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
