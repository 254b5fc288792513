"""The spike case: thousands of professionals follow their invitation links within two minutes, through
nginx and two gunicorn nodes.

Called by bench/run.py with DATABASE_URL set (a migrated, empty database). Writes the meetings and
the invited professionals (bench/spike_data.py), starts the production shape on this machine as the
multi-node tests do (tests/multinode/cluster.py: nginx with deploy/'s configuration, two gunicorn
nodes, PgBouncer in transaction pooling, a Redis of its own, two Celery workers and beat) with an
SMTP sink for the messages, sends the spike from a process of its own (bench/spike_load.py), then
counts what nginx and the nodes logged about errors, checks the seats in the database and waits for
every stored registration's message. Prints, as its last line, JSON: the load generator's figures,
the server-side errors, the seats, the messages and the machine's load average.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onmt_portal.settings")

import django  # noqa: E402

django.setup()

from bench import spike_data, spike_load  # noqa: E402
from messaging.tests.live import RecordingHandler, SmtpServer  # noqa: E402
from tests.multinode.cluster import Cluster  # noqa: E402

# How long the workers get to send every registration's message once the spike is over.
MESSAGES_TIMEOUT = 600


def messages_delivered(mail: SmtpServer, visits: list[dict], registrations: int) -> dict:
    """The messages of the `registrations` stored (confirmation or place on the waiting list) as the SMTP
    sink received them."""
    waited_from = time.monotonic()
    addresses = [visit["email"] for visit in visits]

    def received() -> list[int]:
        recipients = mail.handler.recipients()
        return [recipients[address] for address in addresses if recipients[address]]

    while len(received()) < registrations and time.monotonic() < waited_from + MESSAGES_TIMEOUT:
        time.sleep(0.5)
    counts = received()
    return {
        "registrations": registrations,
        "received": len(counts),
        "duplicates": sum(count - 1 for count in counts),
        "seconds_after_the_spike": round(time.monotonic() - waited_from, 1),
    }


# What the proxy and the nodes write when a professional meets an error, by kind.
SERVER_LOG_PATTERNS = {
    "nginx: no live upstreams (every node marked failed)": "no live upstreams",
    "nginx: upstream timed out": "upstream timed out",
    "nginx: worker_connections are not enough": "worker_connections are not enough",
    "nginx: upstream closed the connection before answering": "upstream prematurely closed",
    "nginx: connection to a node refused": "connect() failed",
    "gunicorn: worker timeout (killed)": "WORKER TIMEOUT",
    "Django: internal server error": "Internal Server Error",
}


def server_log_errors(cluster: Cluster) -> dict:
    logs = (cluster.directory / "nginx-error.log").read_text(errors="replace")
    logs += "".join(node.log() for node in cluster.nodes)
    counts = {kind: logs.count(pattern) for kind, pattern in SERVER_LOG_PATTERNS.items()}
    return {kind: count for kind, count in counts.items() if count}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--professionals", type=int, default=3000)
    parser.add_argument("--window", type=float, default=120, help="seconds over which they arrive")
    parser.add_argument("--think", type=float, default=15, help="longest time one takes on the form (s)")
    parser.add_argument("--first-port", type=int, default=0, help="nginx's; the other parts on the next ports")
    options = parser.parse_args()
    plan = spike_data.prepare(options.professionals)
    mail = SmtpServer(RecordingHandler())
    mail.start()
    cluster = Cluster(smtp_port=mail.port, first_port=options.first_port)
    try:
        cluster.start()
        load_before = os.getloadavg()
        load = spike_load.in_a_process_of_its_own(cluster.url, plan, window=options.window, think=options.think)
        load_after = os.getloadavg()
        server_log = server_log_errors(cluster)
        seats = spike_data.seats(load["registered"])
        stored = sum(meeting["stored"] for meeting in seats["meetings"].values())
        messages = messages_delivered(mail, plan["visits"], stored)
    except BaseException:
        print(cluster.logs(), file=sys.stderr)
        raise
    finally:
        cluster.stop()
        mail.stop()
    load_average = {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in load_after]}
    figures = {**load, "server_log": server_log, "seats": seats, "messages": messages, "load_average": load_average}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
