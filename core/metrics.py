"""Requests and their latency for Prometheus, counted by each process.

gunicorn's workers are separate processes: with PROMETHEUS_MULTIPROC_DIR set (the onmt-web unit sets
it), prometheus_client writes each process's figures to files there and the metrics page adds them up
(deploy/gunicorn.conf.py forgets a worker's files when it exits). Labels are bounded: the view's name,
never the path, so that an address scan cannot make the figures grow without end.
"""

import os
import time

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter(
    "onmt_http_requests", "Requests answered, by method, view and class of status", ["method", "view", "status"]
)
LATENCY = Histogram(
    "onmt_http_request_duration_seconds",
    "Time taken to answer a request, by view",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match is not None else "unmatched"
        LATENCY.labels(view).observe(time.perf_counter() - started)
        method = request.method if request.method in METHODS else "other"
        REQUESTS.labels(method, view, f"{response.status_code // 100}xx").inc()
        return response


def process_metrics() -> bytes:
    """What the processes of this node counted, in Prometheus's text format."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
