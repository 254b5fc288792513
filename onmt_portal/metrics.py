"""The metrics page for Prometheus (`/metrics`), for the monitoring system only: a bearer token or an
internal address (METRICS_TOKEN, METRICS_ALLOWED_IPS); anybody else gets the 404 of an unknown page.

It shows what this node's processes counted (requests, latency: core.metrics) and, read at each
scrape, the portal's own figures: registrations by status, the outbox's depth and the age of the
oldest message due, failed messages, and the outcomes of Celery tasks on every worker (counted in
the shared cache as they end: onmt_portal.celery).
"""

import hmac

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from core import counters
from core.metrics import process_metrics
from core.security import client_ip
from meetings.selectors.registration import registration_counts_by_status
from messaging.selectors import outbox_health
from onmt_portal.celery import TASK_OUTCOMES, task_outcome_key
from onmt_portal.celery import app as celery_app


class PortalCollector:
    """The portal's figures, read from the database and the shared cache when Prometheus asks."""

    def collect(self):
        registrations = GaugeMetricFamily("onmt_registrations", "Registrations, by status", labels=["status"])
        for status, count in sorted(registration_counts_by_status().items()):
            registrations.add_metric([status], count)
        yield registrations

        outbox = outbox_health(now=timezone.now())
        depth = GaugeMetricFamily(
            "onmt_outbox_messages", "Messages of the outbox not sent, by status", labels=["status"]
        )
        depth.add_metric(["queued"], outbox.queued)
        depth.add_metric(["failed"], outbox.failed)
        yield depth
        yield GaugeMetricFamily(
            "onmt_outbox_oldest_due_seconds",
            "How long the oldest message due to be sent has waited (0 when none waits)",
            value=outbox.oldest_due_seconds or 0,
        )

        tasks = sorted(name for name in celery_app.tasks if not name.startswith("celery."))
        keys = {
            counters.PREFIX + task_outcome_key(task, outcome): (task, outcome)
            for task in tasks
            for outcome in TASK_OUTCOMES
        }
        found = cache.get_many(list(keys))
        outcomes = CounterMetricFamily(
            "onmt_celery_tasks", "Celery tasks ended, by task and outcome", labels=["task", "outcome"]
        )
        for key, (task, outcome) in keys.items():
            outcomes.add_metric([task, outcome], found.get(key, 0))
        yield outcomes


def _allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    authorization = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        return True
    return client_ip(request) in settings.METRICS_ALLOWED_IPS


@never_cache
@require_safe
def metrics(request):
    if not _allowed(request):
        raise Http404
    registry = CollectorRegistry()
    registry.register(PortalCollector())
    return HttpResponse(process_metrics() + generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
