"""Login of officials and staff: throttling a forged X-Forwarded-For cannot reset, password rules, session expiry."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from regions.tests.factories import OfficialFactory, region

pytestmark = pytest.mark.django_db

PASSWORD = "Dakhla-lagune-2026"


@pytest.fixture
def official():
    user = OfficialFactory(region=region(12), user__username="crt-dakhla").user
    user.set_password(PASSWORD)
    user.save()
    return user


def _login(client, password, **headers):
    return client.post(reverse("login"), {"username": "crt-dakhla", "password": password}, **headers)


def _lock_out(client, **headers_per_try):
    for attempt in range(django_settings.AXES_FAILURE_LIMIT):
        forged = {"HTTP_X_FORWARDED_FOR": f"198.51.100.{attempt}"} if headers_per_try.get("forge") else {}
        _login(client, f"wrong-{attempt}", **forged)


def test_repeated_failures_lock_the_account_for_that_address(official):
    client = Client(REMOTE_ADDR="41.250.1.1")
    for attempt in range(django_settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, f"wrong-{attempt}").status_code == 200
    assert _login(client, "wrong-last").status_code == 429
    # Locked: even the right password is refused, and nobody is logged in.
    locked = _login(client, PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not affected (the lock is per username and address).
    assert _login(Client(REMOTE_ADDR="41.250.9.9"), PASSWORD).status_code == 302


def test_a_forged_forwarded_header_neither_dodges_nor_resets_the_lockout(official):
    """No trusted proxy (PROXY_COUNT=0): X-Forwarded-For is ignored, whatever it says on each try."""
    client = Client(REMOTE_ADDR="41.250.1.1")
    _lock_out(client, forge=True)
    assert AccessAttempt.objects.get().ip_address == "41.250.1.1"
    for fresh in ("203.0.113.7", "41.250.9.9", "127.0.0.1, 10.0.0.1"):
        assert _login(client, PASSWORD, HTTP_X_FORWARDED_FOR=fresh).status_code == 429


def test_behind_a_proxy_only_the_address_the_proxy_saw_counts(official, settings):
    """PROXY_COUNT=1: the client's own entries before the proxy's are ignored; other clients behind the proxy log in."""
    settings.PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for attempt in range(django_settings.AXES_FAILURE_LIMIT):
        _login(proxy, f"wrong-{attempt}", HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}, 41.250.1.1")
    assert AccessAttempt.objects.get().ip_address == "41.250.1.1"
    assert _login(proxy, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7, 41.250.1.1").status_code == 429
    assert _login(proxy, PASSWORD, HTTP_X_FORWARDED_FOR="41.250.1.1").status_code == 429
    # Someone else behind the same proxy is not locked out by the attacker.
    assert _login(proxy, PASSWORD, HTTP_X_FORWARDED_FOR="41.250.9.9").status_code == 302


def test_the_lock_ends_after_the_cool_off_time(official):
    client = Client(REMOTE_ADDR="41.250.1.1")
    _lock_out(client)
    assert _login(client, PASSWORD).status_code == 429
    cool_off = timedelta(hours=django_settings.AXES_COOLOFF_TIME)
    AccessAttempt.objects.update(attempt_time=timezone.now() - cool_off - timedelta(seconds=1))
    assert _login(client, PASSWORD).status_code == 302


def test_throttling_settings_are_a_maintained_library_with_a_cool_off():
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert "axes.middleware.AxesMiddleware" in django_settings.MIDDLEWARE
    assert django_settings.AXES_FAILURE_LIMIT >= 3 and django_settings.AXES_COOLOFF_TIME > 0


@pytest.mark.parametrize(
    "password",
    ["court-1", "1234567890123", "motdepasse", "password123", "crt-dakhla-2026"],
    ids=["too short", "only digits", "common (fr)", "common", "like the username"],
)
def test_weak_passwords_are_refused(official, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=official)


def test_the_password_change_form_applies_the_rules(official):
    client = Client()
    client.force_login(official)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678901", "new_password2": "12345678901"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    official.refresh_from_db()
    assert official.check_password(PASSWORD)
    validate_password("Souss-Massa-golf-Taghazout", user=official)


def test_the_session_cookie_is_http_only_and_expires(official):
    client = Client(REMOTE_ADDR="41.250.1.1")
    response = _login(client, PASSWORD)
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == django_settings.SESSION_COOKIE_AGE == 8 * 3600
    assert client.get(reverse("roadmap:region", args=[region(12).slug])).status_code == 200
    # Once the session's age is past, the server no longer knows it: back to the login page. Its copy in the
    # cache (SESSION_ENGINE cached_db) is stored for the session's age: it is gone by then too.
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    cache.clear()
    response = client.get(reverse("roadmap:region", args=[region(12).slug]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_logging_out_ends_the_session_on_the_server(official):
    client = Client(REMOTE_ADDR="41.250.1.1")
    _login(client, PASSWORD)
    session_key = client.session.session_key
    client.post(reverse("logout"))
    stolen = Client()
    stolen.cookies[django_settings.SESSION_COOKIE_NAME] = session_key
    assert stolen.get(reverse("roadmap:region", args=[region(12).slug])).status_code == 302


def test_an_overlong_username_is_a_failed_login_not_a_server_error(official):
    """Found by the hostile-input tests: axes stored the whole username in a 255-character column."""
    client = Client(REMOTE_ADDR="41.250.1.1")
    response = client.post(reverse("login"), {"username": "A" * 5000, "password": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert AccessAttempt.objects.get().username == "A" * 255


def test_the_admin_login_is_throttled_too(django_user_model):
    django_user_model.objects.create_user(username="onmt-admin", password=PASSWORD, is_staff=True)
    client = Client(REMOTE_ADDR="41.250.1.1")
    url = reverse("admin:login")
    for attempt in range(django_settings.AXES_FAILURE_LIMIT):
        client.post(
            url, {"username": "onmt-admin", "password": f"wrong-{attempt}"}, HTTP_X_FORWARDED_FOR=f"10.{attempt}.0.1"
        )
    assert client.post(url, {"username": "onmt-admin", "password": PASSWORD}).status_code == 429
    assert "_auth_user_id" not in client.session
