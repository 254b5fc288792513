"""Production security settings, read in a fresh interpreter with DJANGO_PRODUCTION on.

`check --deploy` (test_settings.py) covers HTTPS, HSTS, cookies, X-Frame-Options and the
referrer policy as Django sees them; this adds what it does not check: the CSP.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
from django.conf import settings
django.setup()
csp = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
print(json.dumps({
    "session_secure": settings.SESSION_COOKIE_SECURE, "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY, "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "hsts": settings.SECURE_HSTS_SECONDS, "frame": settings.X_FRAME_OPTIONS,
    "referrer": settings.SECURE_REFERRER_POLICY, "nosniff": settings.SECURE_CONTENT_TYPE_NOSNIFF,
    "script_src": csp["script-src"], "default_src": csp["default-src"], "object_src": csp["object-src"],
    "frame_ancestors": csp["frame-ancestors"], "style_src": csp["style-src"],
    "session_age": settings.SESSION_COOKIE_AGE,
}))
"""


def _production_settings(**extra):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SESSION_"))}
    environment.update(
        DJANGO_PRODUCTION="1",
        DJANGO_SECRET_KEY="p" * 50,
        DJANGO_ALLOWED_HOSTS="tournee.onmt.ma",
        DJANGO_SETTINGS_MODULE="onmt_portal.settings",
        **extra,
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=BASE_DIR, env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_are_secure_and_http_only_over_https_only():
    values = _production_settings()
    assert values["session_secure"] and values["csrf_secure"] and values["session_httponly"]
    assert values["ssl_redirect"] and values["hsts"] >= 31536000
    assert values["frame"] == "DENY" and values["referrer"] == "same-origin" and values["nosniff"]
    assert values["session_age"] == 8 * 3600


def test_the_content_security_policy_allows_no_inline_or_foreign_script():
    values = _production_settings()
    assert values["script_src"] == ["'self'"]
    assert values["style_src"] == ["'self'"]
    assert values["default_src"] == ["'self'"]
    assert values["object_src"] == ["'none'"] and values["frame_ancestors"] == ["'none'"]


def test_each_https_setting_can_be_switched_on_its_own():
    values = _production_settings(DJANGO_SECURE_SSL_REDIRECT="0", DJANGO_SECURE_HSTS_SECONDS="600")
    assert values["ssl_redirect"] is False and values["hsts"] == 600
    assert values["session_secure"]
