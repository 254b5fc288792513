"""The metrics page for Prometheus, JSON logs and error reporting."""

import gzip
import json
import os
import subprocess
import sys
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import pytest
import sentry_sdk
from django.conf import settings
from django.test import Client
from django.urls import path, reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from meetings.models import Registration
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from messaging.models import OutboundMessage
from messaging.tests.factories import OutboundMessageFactory
from onmt_portal.celery import app as celery_app
from onmt_portal.error_reporting import error_reporting_start
from onmt_portal.urls import urlpatterns as portal_urlpatterns

pytestmark = pytest.mark.django_db

TOKEN = "jeton-de-supervision-2026"


def samples(content: bytes) -> dict[tuple, float]:
    """Every sample of a Prometheus text answer, by name and labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(content.decode())
        for sample in family.samples
    }


@pytest.fixture
def monitoring(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    return Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")


def test_the_page_is_not_found_without_the_token_or_an_internal_address(settings, client):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = TOKEN, ["10.0.0.5"]
    assert client.get(reverse("metrics")).status_code == 404
    assert client.get(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 404
    assert client.get(reverse("metrics"), HTTP_AUTHORIZATION=TOKEN).status_code == 404
    assert client.get(reverse("metrics"), REMOTE_ADDR="10.0.0.5").status_code == 200
    settings.METRICS_TOKEN = ""
    # No token configured: an empty bearer is not a match.
    assert client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_the_portals_figures_and_the_requests_answered(monitoring, django_assert_num_queries):
    meeting = MeetingFactory(capacity=2)
    RegistrationFactory.create_batch(2, meeting=meeting)
    RegistrationFactory(meeting=meeting, status=Registration.Status.WAITLISTED)
    now = timezone.now()
    OutboundMessageFactory(send_after=now - timedelta(minutes=10))
    OutboundMessageFactory(send_after=now + timedelta(hours=1))
    OutboundMessageFactory(status=OutboundMessage.Status.FAILED)
    monitoring.get(reverse("regions:home"))
    # Two queries whatever the data: registrations by status, the outbox's figures.
    with django_assert_num_queries(2):
        answer = monitoring.get(reverse("metrics"))
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/plain")
    figures = samples(answer.content)
    assert figures[("onmt_registrations", (("status", "confirmed"),))] == 2
    assert figures[("onmt_registrations", (("status", "waitlisted"),))] == 1
    assert figures[("onmt_outbox_messages", (("status", "queued"),))] == 2
    assert figures[("onmt_outbox_messages", (("status", "failed"),))] == 1
    assert 590 < figures[("onmt_outbox_oldest_due_seconds", ())] < 700
    home = (("method", "GET"), ("status", "2xx"), ("view", "regions:home"))
    assert figures[("onmt_http_requests_total", home)] >= 1
    assert figures[("onmt_http_request_duration_seconds_count", (("view", "regions:home"),))] >= 1


def test_celery_task_outcomes_are_counted_across_workers(monitoring):
    task = celery_app.tasks["messaging.tasks.sweep_messages"]
    before = samples(monitoring.get(reverse("metrics")).content)
    key = ("onmt_celery_tasks_total", (("outcome", "succeeded"), ("task", task.name)))
    task.apply()
    after = samples(monitoring.get(reverse("metrics")).content)
    assert after[key] == before.get(key, 0) + 1


LOG_A_WARNING = "import logging; logging.getLogger('onmt').warning('bonjour %s', 'Dakhla')"


def test_logs_are_json_lines_when_asked():
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "import logging; logging.getLogger('onmt').warning('bonjour %s', 'Dakhla')",
        ],
        cwd=settings.BASE_DIR,
        env={**os.environ, "LOG_FORMAT": "json"},
        capture_output=True,
        text=True,
        check=True,
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert (line["level"], line["logger"], line["message"]) == ("WARNING", "onmt", "bonjour Dakhla")


class _Receiver(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        decompress = {"gzip": gzip.decompress, "br": brotli.decompress}.get(self.headers.get("Content-Encoding"))
        if decompress is not None:
            body = decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def _failing_view(request):
    raise RuntimeError("panne de démonstration")


urlpatterns = [path("erreur/", _failing_view), *portal_urlpatterns]


@pytest.mark.urls("onmt_portal.tests.test_metrics")
def test_an_error_is_reported_without_the_persons_data():
    """A real HTTP receiver stands for the Sentry-compatible service; nothing is sent without its address."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Receiver.received.clear()
    error_reporting_start(dsn=f"http://cle@127.0.0.1:{server.server_port}/1", environment="test")
    try:
        visitor = Client(raise_request_exception=False)
        visitor.cookies["sessionid"] = "session-secrete-0001"
        answer = visitor.post("/erreur/", {"email": "fatima@example.ma", "phone": "+212612345678"})
        assert answer.status_code == 500
        sentry_sdk.flush(timeout=5)
    finally:
        sentry_sdk.init()  # no address: reporting off again
        server.shutdown()
    assert len(_Receiver.received) == 1
    envelope = _Receiver.received[0].decode(errors="replace")
    assert "RuntimeError" in envelope and "panne de d" in envelope
    for personal in ("fatima@example.ma", "612345678", "session-secrete-0001"):
        assert personal not in envelope
