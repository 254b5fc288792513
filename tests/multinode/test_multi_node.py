"""Two web nodes behind nginx, two workers, beat, PgBouncer in transaction pooling: the portal stays exact.

Each test drives the cluster from outside, over HTTP, as visitors do; its data is written by the test
into the database the cluster reads through PgBouncer.
"""

import html
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
import redis
import requests
from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families
from requests.adapters import HTTPAdapter

from meetings.models import Meeting, Registration
from meetings.tests.factories import MeetingFactory, RegistrationFactory, ReminderFactory, registration_form_data
from messaging.models import OutboundMessage
from messaging.tests.live import BASE_DIR, wait_for
from tests.multinode.cluster import METRICS_TOKEN, VISIBILITY_TIMEOUT

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("regions")]

CLIENT_ADDRESS = "127.0.0.2"
FULL = "Complet — liste d'attente ouverte"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def register(base: str, slug: str, email: str, session: requests.Session | None = None) -> int | str:
    """Open the registration page and submit it, as a professional's browser does; the answer's status."""
    session = session or requests.Session()
    url = f"{base}/inscriptions/{slug}/"
    try:
        page = session.get(url, timeout=15)
        token = TOKEN.search(page.text)
        if token is None:
            return f"form {page.status_code}"
        data = {**registration_form_data(email=email), "csrfmiddlewaretoken": token[1]}
        return session.post(url, data=data, headers={"Referer": url}, timeout=15, allow_redirects=False).status_code
    except requests.RequestException as error:
        return type(error).__name__


def in_threads(count: int, target) -> None:
    threads = [threading.Thread(target=target, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)


def open_meeting(**fields) -> Meeting:
    return MeetingFactory(status=Meeting.Status.PUBLISHED, **fields)


def test_registrations_spread_over_both_nodes_never_exceed_the_capacity(cluster, mail):
    meeting = open_meeting(capacity=15)
    statuses = Counter()

    def professional(number: int) -> None:
        session = requests.Session()
        for attempt in range(4):
            statuses[register(cluster.url, meeting.slug, f"pro{number}-{attempt}@example.ma", session)] += 1

    in_threads(10, professional)
    registrations = Registration.objects.filter(meeting=meeting)
    assert statuses[302] == 40, statuses
    assert registrations.count() == 40
    assert registrations.filter(status__in=Registration.SEAT_STATUSES).count() == 15
    assert registrations.filter(status=Registration.Status.WAITLISTED).count() == 25
    assert registrations.values("email").distinct().count() == 40
    used = cluster.upstreams_used()
    assert all(used.get(f"127.0.0.1:{port}", 0) > 20 for port in cluster.node_ports), used
    # Each professional gets one message, sent by either worker.
    wait_for(
        lambda: sum(mail.handler.recipients()[f"pro{n}-{a}@example.ma"] for n in range(10) for a in range(4)) >= 40,
        timeout=60,
        what="the 40 confirmations",
    )
    assert all(mail.handler.recipients()[f"pro{n}-{a}@example.ma"] == 1 for n in range(10) for a in range(4))


def test_each_node_adds_up_the_requests_of_its_workers_and_shows_the_portals_figures(cluster):
    meeting = open_meeting(capacity=3)
    for number in range(5):
        assert register(cluster.node_url(0), meeting.slug, f"mesure{number}@example.ma") == 302
    answer = requests.get(
        f"{cluster.node_url(0)}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10
    )
    assert answer.status_code == 200
    figures = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }
    posted = (("method", "POST"), ("status", "3xx"), ("view", "registrations:register"))
    # Five registrations, whichever of the node's two worker processes answered each.
    assert figures[("onmt_http_requests_total", posted)] >= 5
    assert figures[("onmt_registrations", (("status", "confirmed"),))] == 3
    assert figures[("onmt_registrations", (("status", "waitlisted"),))] == 2
    assert requests.get(f"{cluster.node_url(0)}/metrics", timeout=10).status_code == 404


def test_a_change_through_one_node_shows_on_the_other_nodes_cached_page_as_soon_as_redis_pushes_it(cluster):
    meeting = open_meeting(capacity=1)
    page = f"{cluster.node_url(1)}/rencontres/{meeting.slug}/"
    first = requests.get(page, timeout=10).text
    assert FULL not in html.unescape(first)
    # Served again from the shared cache: the same page, but for each visitor's own CSRF token.
    assert TOKEN.sub("", requests.get(page, timeout=10).text) == TOKEN.sub("", first)
    assert any(b"page:" in key for key in redis.Redis.from_url(cluster.redis.url(1)).keys("*"))
    assert register(cluster.node_url(0), meeting.slug, "seule@example.ma") == 302
    # Node 1 serves its own copy until it hears of the change, pushed before node 0 answered: a thread of
    # node 1 must still be given the processor to hear it, which a loaded machine may delay.
    wait_for(lambda: FULL in html.unescape(requests.get(page, timeout=10).text), timeout=1, what="the full meeting")


class FromAnotherAddress(HTTPAdapter):
    """Connections from 127.0.0.2: the client's address differs from nginx's own (127.0.0.1) as the nodes see it."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs, source_address=(CLIENT_ADDRESS, 0))


def test_the_client_address_is_the_real_one_whatever_x_forwarded_for_says(cluster):
    url = f"{cluster.url}/comptes/login/"
    for number in range(6):
        session = requests.Session()
        session.mount("http://", FromAnotherAddress())
        token = TOKEN.search(session.get(url, timeout=10).text)[1]
        session.post(
            url,
            data={"username": "personne", "password": "mauvais-mot-de-passe", "csrfmiddlewaretoken": token},
            headers={"Referer": url, "X-Forwarded-For": f"203.0.113.{number}"},
            timeout=10,
        )
    attempts = list(AccessAttempt.objects.values_list("ip_address", "failures_since_start"))
    # Every failure counted against the address nginx saw the client come from, on whichever node it
    # landed: neither a forged address nor the proxy's own.
    assert attempts == [(CLIENT_ADDRESS, 6)], attempts


def test_a_web_node_killed_under_load_the_other_serves_and_no_registration_is_made_twice(cluster):
    meeting = open_meeting(capacity=30)
    pages, posts = Counter(), Counter()
    stop = threading.Event()

    def visitor(number: int) -> None:
        session = requests.Session()
        while not stop.is_set():
            try:
                pages[session.get(f"{cluster.url}/rencontres/{meeting.slug}/", timeout=15).status_code] += 1
            except requests.RequestException as error:
                pages[type(error).__name__] += 1

    def professional(number: int) -> None:
        session = requests.Session()
        attempt = 0
        while not stop.is_set():
            attempt += 1
            posts[register(cluster.url, meeting.slug, f"load{number}-{attempt}@example.ma", session)] += 1

    workers = [threading.Thread(target=visitor, args=(n,)) for n in range(4)]
    workers += [threading.Thread(target=professional, args=(n,)) for n in range(4)]
    for thread in workers:
        thread.start()
    wait_for(lambda: sum(pages.values()) > 100, timeout=60, what="load on both nodes")
    cluster.nodes[0].kill()
    served_before_kill = sum(pages.values())
    wait_for(lambda: sum(pages.values()) > served_before_kill + 100, timeout=90, what="pages after the kill")
    stop.set()
    for thread in workers:
        thread.join(timeout=60)
    cluster.start_node(0)

    registrations = Registration.objects.filter(meeting=meeting)
    print(f"node killed under load: pages {dict(pages)}, registrations {dict(posts)}")  # the README's figures
    # Never two rows for one submission: nginx sends a POST to one node only.
    assert registrations.values("email").distinct().count() == registrations.count()
    assert registrations.filter(status__in=Registration.SEAT_STATUSES).count() == min(30, registrations.count())
    # A request under way on the killed node is lost (at most one per connection); the others were served.
    failed_pages = sum(count for status, count in pages.items() if status != 200)
    failed_posts = sum(count for status, count in posts.items() if status != 302)
    assert failed_pages <= 4 and failed_posts <= 4, (pages, posts)
    # A registration whose answer was lost with the node may have been stored before it died (once); no other.
    assert posts[302] <= registrations.count() <= posts[302] + failed_posts, (posts, registrations.count())


def test_a_worker_killed_while_sending_every_message_is_still_sent_once(cluster, mail):
    meeting = open_meeting(capacity=100)
    emails = [f"killed-worker-{number}@example.ma" for number in range(24)]
    # One worker sends: the others, idle, are set aside, so that the sends in flight are the killed worker's.
    sending, *idle = [worker for worker in cluster.workers if worker.alive()]
    for worker in idle:
        worker.kill()
    # The SMTP server accepts three messages, then answers none until told: the worker is mid-sending when
    # it is killed.
    mail.handler.stall_after = len(mail.handler.received) + 3

    def professional(number: int) -> None:
        for email in emails[number::6]:
            assert register(cluster.url, meeting.slug, email) == 302

    def accepted_and_recorded() -> bool:
        accepted = sum(mail.handler.recipients()[email] for email in emails)
        sent = OutboundMessage.objects.filter(recipient_email__in=emails, status=OutboundMessage.Status.SENT)
        return accepted == sent.count()

    try:
        in_threads(6, professional)
        # The worker waits for an answer, and what the server accepted is recorded as sent: the kill falls
        # inside a send, not in the instant between the server's 250 and its record, which no sender can
        # tell from a lost answer (RFC 1047; the stored Message-ID lets mail clients fold a copy sent then).
        wait_for(lambda: mail.handler.stalled >= 1 and accepted_and_recorded(), timeout=60, what="a send held")
        sending.kill()
        killed_at = time.monotonic()
        # The server has seen the killed worker's connections go before it answers anyone: else it could
        # accept a message whose sender is gone, as a real server may in that same instant.
        wait_for(lambda: mail.handler.stalled == 0, timeout=10, what="the killed worker's connections to close")
    finally:
        mail.handler.stall_after = None
    for _worker in [sending, *idle]:
        cluster.start_worker()
    wait_for(lambda: all(mail.handler.recipients()[email] for email in emails), timeout=90, what="every confirmation")
    # Past the broker's redelivery of the killed worker's tasks and the outbox's lease: a second copy
    # would have come by now.
    time.sleep(max(12, killed_at + VISIBILITY_TIMEOUT + 5 - time.monotonic()))
    assert {email: mail.handler.recipients()[email] for email in emails} == dict.fromkeys(emails, 1)


def test_two_beats_started_by_mistake_send_each_reminder_once(cluster, mail):
    meeting = open_meeting(capacity=100, starts_at=timezone.now() + timedelta(days=2, minutes=-5))
    ReminderFactory(meeting=meeting)
    emails = [registration.email for registration in RegistrationFactory.create_batch(8, meeting=meeting)]
    # Each beat queues the reminders' sweep every minute, both within the same seconds.
    wait_for(lambda: all(mail.handler.recipients()[email] for email in emails), timeout=90, what="the reminders")
    time.sleep(10)
    assert {email: mail.handler.recipients()[email] for email in emails} == dict.fromkeys(emails, 1)
    for beat in cluster.beats:
        assert "meetings.tasks.send_due_reminders" in beat.log(), beat.log()[-2000:]


# Registrations under their lock, the outbox, the minutes' merge under concurrency and the roadmap's
# services: what relies most on transactions and locks, run through the pooler.
POOLED_SUBSET = [
    "meetings/tests/test_registration_concurrency.py",
    "meetings/tests/test_registration_services.py",
    "meetings/tests/test_minutes_concurrency.py",
    "messaging/tests/test_services.py",
    "roadmap/tests/test_services.py",
]


def test_a_subset_of_the_suite_passes_through_pgbouncer_in_transaction_pooling(cluster):
    database = settings.DATABASES["default"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--create-db", *POOLED_SUBSET],
        cwd=BASE_DIR,
        env={
            **os.environ,
            # Named after this run's database: a run beside it on the same server has its own.
            "DATABASE_URL": f"postgres://{database['USER']}@127.0.0.1:{cluster.pgbouncer_port}/{database['NAME']}_pooled",
            "DATABASE_TRANSACTION_POOLING": "1",
        },
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert " passed" in result.stdout.splitlines()[-1]
