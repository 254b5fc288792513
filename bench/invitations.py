"""Invitations through one Celery worker into a local SMTP sink.

Called by bench/run.py with DATABASE_URL and CELERY_BROKER_URL set (a migrated,
empty database). Creates one meeting and `--count` invited contacts, starts an
aiosmtpd sink and one worker (two pool processes, as `make worker` and the
Procfile run it by default), queues the invitations the way staff do, and waits until
the sink has them all. Prints, as its last line,
JSON with the delivery rate, duplicates and the worker's memory.
"""

import argparse
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from email.parser import BytesHeaderParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onmt_portal.settings")

import django  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.meeting_open import open_meeting  # noqa: E402
from meetings.models import Meeting, Tour  # noqa: E402
from meetings.services.campaigns import invitations_send  # noqa: E402
from messaging.models import OutboundMessage  # noqa: E402
from regions.models import Contact, Region  # noqa: E402

# The sink stands for a mail server elsewhere: its per-command debug log is not part of the measure.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class Sink:
    """Accepts every message and remembers each recipient."""

    def __init__(self):
        self.recipients = Counter()
        self.lock = threading.Lock()
        self.last_at = 0.0

    async def handle_DATA(self, server, session, envelope):
        to = BytesHeaderParser().parsebytes(envelope.content)["To"]
        with self.lock:
            self.recipients[to] += 1
            self.last_at = time.monotonic()
        return "250 OK"

    def total(self) -> int:
        with self.lock:
            return sum(self.recipients.values())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (the worker's pool), in MiB."""
    total_kib = 0
    for candidate in [pid, *_children(pid)]:
        for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total_kib += int(line.split()[1])
    return total_kib / 1024


def _children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in children.read_text().split()] if children.exists() else []


def setup_meeting(count: int) -> Meeting:
    region = Region.objects.get(number=1)
    starts_at = timezone.now() + timedelta(days=30)
    tour = Tour.objects.create(
        name="Tournée bench",
        slug="bench-invitations",
        starts_on=timezone.localdate(),
        is_published=True,
        ends_on=timezone.localdate() + timedelta(days=60),
    )
    meeting = open_meeting(
        tour=tour,
        region=region,
        slug="bench-invitations",
        title="Rencontre des professionnels",
        starts_at=starts_at,
        capacity=500,
    )
    Contact.objects.bulk_create(
        Contact(region=region, full_name=f"Contact {n}", organisation="Association", email=f"contact{n}@bench.ma")
        for n in range(count)
    )
    return meeting


CONCURRENCY = int(os.environ.get("CELERY_CONCURRENCY", 2))


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        # Pool size as the Procfile sets it (CELERY_CONCURRENCY, 2 by default).
        [str(ROOT / ".venv" / "bin" / "celery"), "-A", "onmt_portal", "worker", f"--concurrency={CONCURRENCY}",
         "--loglevel=warning", "--without-gossip", "--without-mingle", "-n", "bench@%h"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _children(process.pid):
        time.sleep(0.2)
    time.sleep(2)  # the pool processes import the project before taking tasks
    return process


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    options = parser.parse_args()

    sink = Sink()
    port = int(os.environ.get("BENCH_SMTP_PORT", 0)) or free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{port}"}
    meeting = setup_meeting(options.count)
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    worker = start_worker(env, ROOT / "bench" / "results" / "worker.log")
    try:
        memory_before = rss_mib(worker.pid)
        started = time.monotonic()
        queued = invitations_send(meeting_id=meeting.pk)
        # Committed and handed to the broker: from here on it is the worker's work.
        queued_at = time.monotonic()
        deadline = queued_at + 600
        while sink.total() < queued and time.monotonic() < deadline:
            time.sleep(0.2)
        delivered_in = sink.last_at - queued_at
        memory_after = rss_mib(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        controller.stop()
    sent = OutboundMessage.objects.filter(meeting=meeting, status=OutboundMessage.Status.SENT).count()
    print(
        json.dumps(
            {
                "messages queued": queued,
                "delivered to the sink": sink.total(),
                "marked sent": sent,
                "duplicates": sum(count - 1 for count in sink.recipients.values() if count > 1),
                "seconds to queue (rendered, stored, handed to the broker)": round(queued_at - started, 2),
                "seconds from queued to last delivered": round(delivered_in, 2),
                "messages per second": round(sink.total() / delivered_in, 1) if delivered_in > 0 else 0,
                "worker memory before (MiB)": round(memory_before, 1),
                "worker memory after (MiB)": round(memory_after, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
