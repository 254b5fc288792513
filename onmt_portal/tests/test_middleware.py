import pytest
from django.db import OperationalError


@pytest.mark.django_db
def test_security_headers_on_public_pages(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src-attr")[0]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db(transaction=True)
def test_a_lost_database_connection_gives_a_clean_503_and_the_next_request_works(client, monkeypatch):
    from regions import views

    real_home = views.regions_list

    def dropped(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(views, "regions_list", dropped)
    response = client.get("/")
    assert response.status_code == 503
    assert "indisponible" in response.content.decode()
    assert "Traceback" not in response.content.decode()
    monkeypatch.setattr(views, "regions_list", real_home)
    assert client.get("/").status_code == 200
