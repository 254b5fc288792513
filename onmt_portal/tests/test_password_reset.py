"""Password reset queued for every address: the request does the same work whether an account exists or not."""

import logging
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from messaging.tests.live import use_broker
from onmt_portal.celery import app as celery_app
from onmt_portal.tasks import send_password_reset_email
from regions.tests.factories import OfficialFactory, UserFactory, region

pytestmark = pytest.mark.django_db

KNOWN = "directrice@crt-dakhla.ma"
UNKNOWN = "personne@exemple.ma"
RESET_LINK = re.compile(r"(https?://[^/\s]+)(/comptes/reset/\S+)")


@pytest.fixture
def official():
    return OfficialFactory(region=region(12), user__email=KNOWN).user


@pytest.fixture
def queued_tasks():
    """Celery not eager, publishing to an in-memory broker of this process (nobody else's worker
    can take the tasks); returns a function that takes the queued tasks as (name, kwargs)."""
    previous_url, previous_eager = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    use_broker("memory://")

    def take() -> list[tuple[str, dict]]:
        tasks = []
        with (
            celery_app.connection_for_write() as broker,
            broker.SimpleQueue(celery_app.conf.task_default_queue) as queue,
        ):
            while queue.qsize():
                message = queue.get(timeout=1)
                _args, kwargs, _embed = message.decode()
                tasks.append((message.headers["task"], kwargs))
                message.ack()
        return tasks

    take()  # Nothing left over from an earlier test.
    yield take
    use_broker(previous_url)
    celery_app.conf.task_always_eager = previous_eager


def _request_reset(client, email: str, django_capture_on_commit_callbacks):
    """POST the form as production runs it: the on-commit dispatch is part of the request."""
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": email})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    return [query["sql"] for query in queries.captured_queries]


def test_request_does_the_same_work_for_known_and_unknown_addresses(
    client, official, queued_tasks, django_capture_on_commit_callbacks
):
    known = _request_reset(client, KNOWN, django_capture_on_commit_callbacks)
    unknown = _request_reset(client, UNKNOWN, django_capture_on_commit_callbacks)

    assert len(known) == len(unknown)
    assert not [sql for sql in known + unknown if "auth_user" in sql]
    # Nothing sent in the request: one task queued per address, account or not.
    assert not mail.outbox
    tasks = queued_tasks()
    assert tasks == [
        ("onmt_portal.tasks.send_password_reset_email", {"email": KNOWN, "language": "fr"}),
        ("onmt_portal.tasks.send_password_reset_email", {"email": UNKNOWN, "language": "fr"}),
    ]

    # A worker running them sends one e-mail, to the account's address only.
    for name, kwargs in tasks:
        celery_app.tasks[name].apply(kwargs=kwargs)
    assert [message.to for message in mail.outbox] == [[KNOWN]]


def test_broker_down_is_logged_and_the_answer_is_the_same(client, official, caplog, django_capture_on_commit_callbacks):
    previous_url, previous_eager = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    use_broker("redis://127.0.0.1:1/0")  # nothing listens on port 1
    try:
        with caplog.at_level(logging.ERROR, logger="onmt_portal.password_reset"):
            _request_reset(client, KNOWN, django_capture_on_commit_callbacks)
    finally:
        use_broker(previous_url)
        celery_app.conf.task_always_eager = previous_eager
    assert "Could not dispatch a password reset e-mail" in caplog.text
    assert not mail.outbox


def test_link_comes_from_site_url_not_host_header_and_sets_the_password(
    client, official, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://tournee.onmt.ma"
    settings.ALLOWED_HOSTS = ["*"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": KNOWN.upper()}, HTTP_HOST="attacker.example")
    (message,) = mail.outbox
    assert message.to == [KNOWN]
    assert "attacker.example" not in message.body
    origin, path = RESET_LINK.search(message.body).groups()
    assert origin == "https://tournee.onmt.ma"

    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"]
    new_password = "Dakhla-kitesurf-2026"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    official.refresh_from_db()
    assert official.check_password(new_password)


def test_unknown_inactive_and_passwordless_accounts_get_nothing(client, django_capture_on_commit_callbacks):
    UserFactory(email="inactive@crt-dakhla.ma", is_active=False)
    UserFactory(email="no-password@crt-dakhla.ma", password=None)
    with django_capture_on_commit_callbacks(execute=True):
        for email in (UNKNOWN, "inactive@crt-dakhla.ma", "no-password@crt-dakhla.ma"):
            client.post(reverse("password_reset"), {"email": email})
    assert not mail.outbox


def test_email_is_in_the_language_the_person_asked_in(client, official, settings, django_capture_on_commit_callbacks):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": KNOWN})
    (message,) = mail.outbox
    with translation.override("ar"):
        arabic = translation.gettext("Nouveau mot de passe — portail de la tournée régionale ONMT")
    assert message.subject == arabic != "Nouveau mot de passe — portail de la tournée régionale ONMT"


def test_task_ignores_an_unknown_language_and_a_malformed_address(official):
    send_password_reset_email.apply(kwargs={"email": KNOWN, "language": "xx"})
    send_password_reset_email.apply(kwargs={"email": "pas-une-adresse", "language": "fr"})
    (message,) = mail.outbox
    assert message.subject == "Nouveau mot de passe — portail de la tournée régionale ONMT"
