"""Personal links and personal data over time: unguessable links, revoked or expired ones, the retention purge."""

import hmac
import io
import re
import uuid
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from meetings.models import Registration, new_manage_secret
from meetings.selectors import registration as registration_selectors
from meetings.selectors.registration import registration_for_link
from meetings.services import registration as services
from meetings.tasks import purge_registrations
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from meetings.tokens import survey_token_make
from messaging.models import OutboundMessage
from messaging.services import messages_resend
from messaging.tests.factories import OutboundMessageFactory

pytestmark = pytest.mark.django_db

Status = Registration.Status


def _ended_meeting(days_ago: int, **fields):
    starts_at = timezone.now() - timedelta(days=days_ago, hours=3)
    return MeetingFactory(
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        registration_opens_at=starts_at - timedelta(days=30),
        registration_closes_at=starts_at - timedelta(hours=2),
        **fields,
    )


def _manage_url(registration, secret=None):
    return reverse("registrations:manage", args=[registration.public_id, secret or registration.manage_secret])


# ------------------------------------------------------------------ the links


def test_manage_secrets_are_long_random_and_url_safe():
    secrets = {new_manage_secret() for _ in range(200)}
    assert len(secrets) == 200
    # 32 random bytes: 256 bits, 43 URL-safe characters.
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", secret) for secret in secrets)
    registration = RegistrationFactory()
    assert isinstance(registration.public_id, uuid.UUID) and registration.public_id.version == 4


def test_the_secret_is_compared_in_constant_time(monkeypatch):
    registration = RegistrationFactory()
    calls = []
    real_compare = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real_compare(a, b)

    monkeypatch.setattr(registration_selectors.hmac, "compare_digest", spy)
    assert registration_for_link(public_id=registration.public_id, secret="guess") is None
    assert registration_for_link(public_id=registration.public_id, secret=registration.manage_secret) == registration
    assert calls == [(registration.manage_secret.encode(), b"guess"), (registration.manage_secret.encode(),) * 2]


def test_a_link_is_revoked_when_a_new_one_is_sent():
    meeting = MeetingFactory()
    first = services.registration_create(
        meeting_id=meeting.pk, full_name="Salma", organisation="Riad", sector="lodging", email="s@example.ma", phone="1"
    ).registration
    old_secret = first.manage_secret
    services.registration_create(
        meeting_id=meeting.pk, full_name="Salma", organisation="Riad", sector="lodging", email="s@example.ma", phone="1"
    )
    first.refresh_from_db()
    assert first.manage_secret != old_secret
    assert registration_for_link(public_id=first.public_id, secret=old_secret) is None


def test_a_link_expires_with_the_retention_period_after_the_meeting(client, settings):
    settings.REGISTRATION_RETENTION_DAYS = 30
    recent = RegistrationFactory(meeting=_ended_meeting(29))
    old = RegistrationFactory(meeting=_ended_meeting(31))
    assert client.get(_manage_url(recent)).status_code == 200
    # Not purged yet, but the link no longer opens anything.
    assert client.get(_manage_url(old)).status_code == 404
    assert client.get(reverse("registrations:export_data", args=[old.public_id, old.manage_secret])).status_code == 404
    old.refresh_from_db()
    assert old.email.endswith("@example.ma")


@pytest.mark.parametrize(
    "name",
    [
        "registrations:done",
        "registrations:manage",
        "registrations:export_data",
        "registrations:accept_offer",
        "registrations:decline_offer",
    ],
)
def test_pages_of_a_personal_link_are_never_stored_by_browsers_or_proxies(client, name):
    registration = RegistrationFactory()
    response = client.get(reverse(name, args=[registration.public_id, registration.manage_secret]))
    assert response.status_code == 200
    assert {"no-store", "private"} <= {part.strip() for part in response["Cache-Control"].split(",")}


def test_the_survey_page_is_never_stored(client):
    registration = RegistrationFactory(status=Status.ATTENDED)
    response = client.get(reverse("meetings:survey", args=[survey_token_make(registration_id=registration.pk)]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


# ------------------------------------------------------------------ erasure and the messages


def test_erasing_blanks_the_messages_sent_and_stops_those_queued():
    registration = RegistrationFactory(full_name="Hind Tazi", email="hind@example.ma")
    sent = OutboundMessageFactory(
        registration=registration,
        recipient_email="hind@example.ma",
        recipient_name="Hind Tazi",
        body_text="Bonjour Hind Tazi, votre lien : https://x/gerer/abc",
        body_html="<p>Bonjour Hind Tazi</p>",
        status=OutboundMessage.Status.SENT,
        sent_at=timezone.now(),
    )
    queued = OutboundMessageFactory(registration=registration, recipient_email="hind@example.ma")
    other = OutboundMessageFactory(recipient_email="someone@example.ma", recipient_name="Someone")

    services.registration_erase(registration_id=registration.pk)

    for message in (sent, queued):
        message.refresh_from_db()
        assert "hind" not in f"{message.recipient_email}{message.body_text}{message.body_html}".lower()
        assert message.recipient_name == ""
    assert sent.status == OutboundMessage.Status.SENT
    assert queued.status == OutboundMessage.Status.FAILED
    # Staff cannot send an erased message again.
    assert messages_resend(message_ids=[queued.pk]) == 0
    other.refresh_from_db()
    assert (other.recipient_email, other.recipient_name) == ("someone@example.ma", "Someone")


# ------------------------------------------------------------------ the retention purge


def test_the_purge_erases_registrations_of_meetings_past_the_retention_period(settings):
    settings.REGISTRATION_RETENTION_DAYS = 365
    old_meeting = _ended_meeting(400)
    attended = RegistrationFactory(
        meeting=old_meeting, full_name="Youssef Amrani", status=Status.ATTENDED, attended_at=timezone.now()
    )
    no_show = RegistrationFactory(meeting=old_meeting, full_name="Nora Bennis", phone="+212611111111")
    message = OutboundMessageFactory(registration=no_show, recipient_email=no_show.email, recipient_name="Nora")
    kept = RegistrationFactory(meeting=_ended_meeting(300), full_name="Omar Kettani")
    upcoming = RegistrationFactory(full_name="Zineb Alami")
    secret = attended.manage_secret

    assert services.registrations_purge_expired() == 2

    for registration in (attended, no_show, kept, upcoming):
        registration.refresh_from_db()
    assert (attended.full_name, attended.email, attended.phone) == ("—", f"efface-{attended.public_id}@invalid", "")
    assert no_show.full_name == "—" and no_show.phone == ""
    # Statuses stay, so attendance and no-show figures of the old meeting remain right.
    assert (attended.status, no_show.status) == (Status.ATTENDED, Status.CONFIRMED)
    assert attended.manage_secret != secret
    message.refresh_from_db()
    assert message.recipient_name == "" and no_show.email not in message.recipient_email
    assert (kept.full_name, upcoming.full_name) == ("Omar Kettani", "Zineb Alami")
    # A second run finds nothing left to erase.
    assert services.registrations_purge_expired() == 0


def test_the_retention_period_is_a_setting(settings):
    registration = RegistrationFactory(meeting=_ended_meeting(40), full_name="Ali Chraibi")
    settings.REGISTRATION_RETENTION_DAYS = 60
    assert services.registrations_purge_expired() == 0
    settings.REGISTRATION_RETENTION_DAYS = 30
    assert services.registrations_purge_expired() == 1
    registration.refresh_from_db()
    assert registration.full_name == "—"


def test_the_purge_command(settings):
    settings.REGISTRATION_RETENTION_DAYS = 30
    RegistrationFactory.create_batch(3, meeting=_ended_meeting(31))
    output = io.StringIO()
    call_command("purge_registrations", stdout=output)
    assert output.getvalue().startswith("3 inscription(s) effacée(s)")
    assert "30 jours" in output.getvalue()
    assert not Registration.objects.exclude(email__endswith="@invalid").exists()


def test_beat_runs_the_purge(settings):
    entry = django_settings.CELERY_BEAT_SCHEDULE["purge-registrations"]
    assert entry["task"] == purge_registrations.name and entry["schedule"] <= 3600
    settings.REGISTRATION_RETENTION_DAYS = 30
    RegistrationFactory(meeting=_ended_meeting(31))
    assert purge_registrations.delay().get() == 1
