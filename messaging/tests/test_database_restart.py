"""PostgreSQL restarted and stopped under load, with the production shape: gunicorn, a Celery worker and beat,
a real SMTP server. Every registration and invitation gets exactly one message, soon after the database is back.

The database is a cluster of the test's own, copied from the test database: the machine's main cluster is
never restarted.
"""

import re
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests
from django.conf import settings

from meetings.tests.factories import MeetingFactory, registration_form_data
from messaging.tests.live import PostgresCluster, Service, free_port, wait_for
from regions.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 8
# The bound: every message within two minutes of the database being back.
DELIVERY_BOUND = 120


@pytest.fixture
def cluster():
    own = PostgresCluster()
    try:
        yield own
    finally:
        own.drop()


@pytest.fixture
def portal(cluster, workers, tmp_path):
    """Worker, beat and gunicorn on the test's own cluster; returns the web address."""

    def start():
        cluster.create_from(settings.DATABASES["default"])
        workers.env.update(
            DATABASE_URL=cluster.url(),
            # Short enough for the sweep to matter within the test; a live task renews it.
            MESSAGING_LEASE_SECONDS="30",
            REGISTRATION_RATE_LIMIT="100000/h",
            DATABASE_CONN_MAX_AGE="60",
        )
        workers.start()
        beat = Service(
            [sys.executable, "-m", "celery", "-A", "onmt_portal", "beat", "-l", "info"]
            + ["-s", str(tmp_path / "beat-schedule")],
            env=workers.env,
            log=tmp_path / "beat.log",
        )
        port = free_port()
        web = Service(
            [sys.executable, "-m", "gunicorn", "onmt_portal.wsgi", "-b", f"127.0.0.1:{port}"]
            + ["--workers", "2", "--threads", "4", "--timeout", "30"],
            env=workers.env,
            log=tmp_path / "gunicorn.log",
        )
        started.extend([beat, web])
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _answers(f"{base}/health/"), timeout=30, what="gunicorn")
        return base

    started = []
    yield start
    for service in started:
        service.stop()
        print(service.log()[-3000:])


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _register_until(stop: threading.Event, base: str, slug: str, client: int, statuses: Counter) -> None:
    """One professional after another on one browser session, as fast as the portal answers."""
    session = requests.Session()
    url = f"{base}/inscriptions/{slug}/"
    number = 0
    while not stop.is_set():
        number += 1
        try:
            page = session.get(url, timeout=10)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
            if token is None:
                statuses[f"form {page.status_code}"] += 1
                time.sleep(0.1)
                continue
            data = {**registration_form_data(email=f"pro{client}-{number}@example.ma"), "csrfmiddlewaretoken": token[1]}
            answer = session.post(url, data=data, headers={"Referer": url}, timeout=10, allow_redirects=False)
            statuses[answer.status_code] += 1
        except requests.RequestException as error:
            statuses[type(error).__name__] += 1
            time.sleep(0.1)


def _delivered(handler) -> Counter:
    return handler.recipients()


def test_registrations_through_a_database_restart_and_outage_get_one_confirmation_each(portal, cluster, smtp_server):
    _controller, handler = smtp_server
    meeting = MeetingFactory(capacity=100_000)
    base = portal()
    stop, statuses = threading.Event(), Counter()
    clients = [
        threading.Thread(target=_register_until, args=(stop, base, meeting.slug, client, statuses))
        for client in range(CLIENTS)
    ]
    for thread in clients:
        thread.start()
    try:
        time.sleep(4)
        cluster.restart()
        time.sleep(4)
        cluster.stop()
        time.sleep(5)
        cluster.start()
        back = time.monotonic()
        time.sleep(4)
    finally:
        stop.set()
        for thread in clients:
            thread.join(timeout=30)

    registered = {email for (email,) in cluster.query("SELECT email FROM meetings_registration")}
    assert len(registered) > 50, statuses
    wait_for(
        lambda: set(_delivered(handler)) >= registered,
        timeout=DELIVERY_BOUND - (time.monotonic() - back),
        what="one confirmation per registration",
    )
    delivered_after = time.monotonic() - back
    time.sleep(3)
    delivered = _delivered(handler)
    assert set(delivered) == registered
    assert max(delivered.values()) == 1, [email for email, count in delivered.items() if count > 1]
    assert statuses[500] == 0, statuses
    assert cluster.query("SELECT count(*) FROM messaging_outboundmessage WHERE status <> 'sent'") == [(0,)]
    print(f"{len(registered)} registrations, answers {dict(statuses)}, all mail {delivered_after:.1f} s after restart")


def test_an_invitation_batch_with_the_database_stopped_mid_batch_is_sent_once(portal, cluster, smtp_server, workers):
    _controller, handler = smtp_server
    meeting = MeetingFactory()
    contacts = ContactFactory.create_batch(300, region=meeting.region, invite=True)
    portal()
    # The SMTP server keeps the 120th message for 2 s and says so: the database stops meanwhile, so the
    # worker's record of that message (accepted by the server) fails, and so do the next queries.
    handler.hold_after = 120
    invite = Service(
        [sys.executable, "manage.py", "shell", "-c"]
        + [f"from meetings.services.campaigns import invitations_send; invitations_send(meeting_id={meeting.pk})"],
        env=workers.env,
        log=Path(workers.env["WORKER_LOG"]).with_name("invite.log"),
    )
    assert invite.process.wait(timeout=60) == 0, invite.log()
    invite.stop()
    assert handler.holding.wait(timeout=60)
    cluster.stop()
    time.sleep(5)
    cluster.start()
    back = time.monotonic()
    expected = {contact.email for contact in contacts}
    wait_for(lambda: set(_delivered(handler)) >= expected, timeout=DELIVERY_BOUND, what="the 300 invitations")
    delivered_after = time.monotonic() - back
    time.sleep(3)
    delivered = _delivered(handler)
    assert set(delivered) == expected
    assert max(delivered.values()) == 1, [email for email, count in delivered.items() if count > 1]
    assert cluster.query("SELECT count(*) FROM messaging_outboundmessage WHERE status = 'sent'") == [(300,)]
    assert "database unavailable" in workers.log().lower()
    print(f"300 invitations, all delivered {delivered_after:.1f} s after the database came back")
