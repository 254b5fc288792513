"""gunicorn on a web node: `gunicorn -c deploy/gunicorn.conf.py onmt_portal.wsgi` (systemd unit onmt-web)."""

import multiprocessing
import os

from prometheus_client import multiprocess

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Pages wait on PostgreSQL and Redis, not on the processor: a few threads per worker keep it busy.
threads = int(os.environ.get("GUNICORN_THREADS", 2))
# Below nginx's proxy_read_timeout (35 s): a stuck request is cut here first, and logged.
timeout = 30
graceful_timeout = 30
# nginx keeps connections to the node open (upstream keepalive): longer than nginx's own idle time.
keepalive = 75
# A worker is replaced after this many requests, at different moments for different workers.
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
# The client address the portal uses is read from X-Forwarded-For under its own PROXY_COUNT rule
# (core/security.py); this only lets gunicorn take the scheme (https) from the proxy on this host.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker):
    """A worker's figures files are merged into the dead processes' totals (PROMETHEUS_MULTIPROC_DIR)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
