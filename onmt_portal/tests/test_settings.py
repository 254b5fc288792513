"""Settings switch on the environment: checked in fresh interpreters."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], 'eager': settings.CELERY_TASK_ALWAYS_EAGER,"
    " 'debug': settings.DEBUG, 'email': settings.EMAIL_BACKEND, 'mail_dir': settings.EMAIL_FILE_PATH,"
    " 'tz': settings.TIME_ZONE, 'db': {k: settings.DATABASES['default'][k] for k in ('NAME', 'HOST', 'PORT', 'USER')},"
    " 'cache': settings.CACHES['default']['BACKEND'], 'cache_location': settings.CACHES['default'].get('LOCATION'),"
    " 'broker': settings.CELERY_BROKER_URL, 'email_host': settings.EMAIL_HOST, 'email_port': settings.EMAIL_PORT,"
    " 'lang': settings.LANGUAGE_CODE, 'langs': [c for c, _ in settings.LANGUAGES]}))"
)
VARIABLES = [
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "EMAIL_URL",
    "CACHE_URL",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_PRODUCTION",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
]


def _settings_with(**variables):
    environment = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    environment.update(variables, DJANGO_SETTINGS_MODULE="onmt_portal.settings")
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=BASE_DIR, env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1]), result


def test_embedded_default_is_sqlite_eager_file_mail_and_no_debug():
    values, _ = _settings_with()
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["db"]["NAME"] == str(BASE_DIR / "var" / "db.sqlite3")
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["broker"] == ""
    assert values["eager"] is True
    assert values["debug"] is False
    assert values["email"] == "django.core.mail.backends.filebased.EmailBackend"
    assert values["mail_dir"] == str(BASE_DIR / "var" / "mail")
    assert values["tz"] == "Africa/Casablanca"
    assert values["lang"] == "fr" and values["langs"] == ["fr", "ar", "en"]


def test_real_services_from_the_environment():
    values, _ = _settings_with(
        DATABASE_URL="postgres://postgres@db.example:5433/onmt_x",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/4",
        CACHE_URL="redis://127.0.0.1:6379/5",
        EMAIL_URL="smtp://127.0.0.1:2525",
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["db"] == {"NAME": "onmt_x", "HOST": "db.example", "PORT": 5433, "USER": "postgres"}
    assert values["eager"] is False
    assert values["broker"] == "redis://127.0.0.1:6379/4"
    assert values["cache"].endswith("RedisCache")
    assert values["cache_location"] == "redis://127.0.0.1:6379/5"
    assert values["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (values["email_host"], values["email_port"]) == ("127.0.0.1", 2525)


def test_production_requires_a_secret_key():
    environment = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    environment.update(DJANGO_PRODUCTION="1", DJANGO_SETTINGS_MODULE="onmt_portal.settings")
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=BASE_DIR, env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(("debug", "expected"), [("1", True), ("on", True), ("0", False), ("", False)])
def test_debug_only_when_asked(debug, expected):
    values, _ = _settings_with(DJANGO_DEBUG=debug)
    assert values["debug"] is expected


@pytest.mark.skipif(not (BASE_DIR / ".git").exists(), reason="needs the git checkout")
def test_the_generated_embedded_secret_key_is_never_committed():
    result = subprocess.run(
        ["git", "check-ignore", "--quiet", "var/secret_key"], cwd=BASE_DIR, capture_output=True, check=False
    )
    assert result.returncode == 0, "var/secret_key must be ignored by git"
    tracked = subprocess.run(["git", "ls-files", "var"], cwd=BASE_DIR, capture_output=True, text=True, check=True)
    assert tracked.stdout == ""


def test_production_settings_pass_the_deploy_checks():
    environment = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    environment.update(
        DJANGO_PRODUCTION="1",
        DJANGO_SECRET_KEY="k" * 20 + "-production-only-secret-value-0123456789",
        DJANGO_ALLOWED_HOSTS="tournee.onmt.ma",
        DJANGO_SETTINGS_MODULE="onmt_portal.settings",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
