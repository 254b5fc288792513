import pytest
from csp.utils import build_policy
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from meetings.models import Registration
from meetings.services import registration as registration_services
from meetings.tests.factories import MeetingFactory, registration_form_data
from messaging.models import OutboundMessage


@pytest.mark.django_db
def test_security_headers_on_public_pages(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src-attr")[0]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


CDN_POLICY = {"default-src 'self'", "img-src https://cdn.example"}


def _directives(policy: str) -> set[str]:
    # django-csp does not always write the directives in the same order.
    return set(policy.split("; "))


@pytest.mark.django_db
def test_the_policy_built_once_is_django_csps_own_and_follows_a_changed_setting(client, settings):
    policy = client.get("/")["Content-Security-Policy"]
    assert _directives(policy) == _directives(build_policy())
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["https://cdn.example"]}}
    assert _directives(client.get("/")["Content-Security-Policy"]) == CDN_POLICY
    # A report-only policy goes through django-csp's own way, which adds it.
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    answer = client.get("/")
    assert answer["Content-Security-Policy-Report-Only"] == "default-src 'none'"
    assert _directives(answer["Content-Security-Policy"]) == CDN_POLICY


def _terminate_backend(pid: int) -> None:
    """Kill a PostgreSQL session from another connection, as a restart or a network cut would."""
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone() == (True,)
    finally:
        other.close()


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _wsgi_get(path: str) -> tuple[int, str]:
    """A request through Django's WSGI handler as gunicorn makes it. Unlike the test client, it sends
    request_started and request_finished, so persistent connections and their health checks run."""
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status.split()[0])

    result = WSGIHandler()(RequestFactory().get(path).environ, start_response)
    try:
        body = b"".join(result).decode()
    finally:
        result.close()
    return answer["status"], body


def _assert_clean_503(status: int, body: str) -> None:
    assert status == 503
    assert "indisponible" in body and "Traceback" not in body and "OperationalError" not in body


# Needs PostgreSQL (DATABASE_URL), as in CI: the connection is really terminated by the server.
@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_during_a_registration_gives_a_clean_503_and_the_next_request_works(client, monkeypatch):
    meeting = MeetingFactory()
    url = reverse("registrations:register", args=[meeting.slug])
    # The request's own session is killed in the middle of the registration, with the meeting row locked.
    count = registration_services.registration_seats_taken

    def count_then_drop_the_connection(**kwargs):
        taken = count(**kwargs)
        _terminate_backend(_backend_pid())
        return taken

    monkeypatch.setattr(registration_services, "registration_seats_taken", count_then_drop_the_connection)
    response = client.post(url, registration_form_data(email="coupure@example.ma"))
    _assert_clean_503(response.status_code, response.text)
    assert response["Retry-After"] == "30"
    monkeypatch.undo()
    # Nothing half-written: the transaction died with the session.
    assert not Registration.objects.exists() and not OutboundMessage.objects.exists()
    assert client.post(url, registration_form_data(email="coupure@example.ma")).status_code == 302
    assert Registration.objects.get().email == "coupure@example.ma"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("health_checks", [True, False])
def test_a_persistent_connection_dropped_between_requests(health_checks, monkeypatch):
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True  # the portal's setting
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", health_checks)
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.close()  # read at connect time
    page = reverse("registrations:register", args=[MeetingFactory().slug])
    assert _wsgi_get(page)[0] == 200
    # The connection outlives the request (CONN_MAX_AGE); the server then drops it.
    pid = _backend_pid()
    _terminate_backend(pid)
    if health_checks:
        # CONN_HEALTH_CHECKS (the portal's setting) finds it dead before use: the visitor sees nothing.
        assert _wsgi_get(page)[0] == 200
        assert _backend_pid() != pid
    else:
        # Without them the dead connection is used once: a clean 503, then the next request works.
        _assert_clean_503(*_wsgi_get(page))
    assert _wsgi_get(page)[0] == 200
