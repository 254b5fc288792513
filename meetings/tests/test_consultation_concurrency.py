"""An answer to the consultation saved from two tabs at the same moment, each request on its own PostgreSQL
connection: one is saved, the other is told the answer changed, never silently overwritten."""

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.tests.concurrency import run_at_once
from meetings.models import ConsultationAnswer
from meetings.services import consultation as services
from meetings.tests.factories import MeetingFactory, RegistrationFactory

# Needs PostgreSQL (DATABASE_URL), as in CI: SQLite has no row locks to test.
pytestmark = pytest.mark.django_db(transaction=True)

PAUSE_SECONDS = 0.3


def _answer() -> ConsultationAnswer:
    start = timezone.now() + timedelta(days=3)
    meeting = MeetingFactory(starts_at=start, ends_at=start + timedelta(hours=3))
    registration = RegistrationFactory(meeting=meeting)
    return ConsultationAnswer.objects.create(meeting=meeting, registration=registration, email=registration.email)


def _widen(monkeypatch, read):
    """Pause once the answer is read, so that the two saves really overlap."""

    def read_then_pause(answer_id):
        answer = read(answer_id)
        time.sleep(PAUSE_SECONDS)
        return answer

    monkeypatch.setattr(services, "_answer_locked", read_then_pause)


def _two_tabs(answer: ConsultationAnswer) -> list[int]:
    url = reverse("meetings:consultation", args=[answer.public_id, answer.secret])

    def tab(proposal):
        return lambda: Client().post(url, {"proposal": proposal, "consent": "on", "version": "0"}).status_code

    return run_at_once([tab("Premier onglet"), tab("Second onglet")])


def test_two_tabs_saving_at_once_one_is_saved_the_other_refused(monkeypatch):
    answer = _answer()
    _widen(monkeypatch, services._answer_locked)
    statuses = sorted(_two_tabs(answer))
    assert statuses == [302, 409]
    answer.refresh_from_db()
    assert answer.version == 1 and answer.proposal in ("Premier onglet", "Second onglet")


def test_without_the_row_lock_the_same_race_loses_an_edit(monkeypatch):
    """Negative control: the answer read without its lock, both tabs pass the version check."""
    answer = _answer()
    _widen(monkeypatch, lambda answer_id: ConsultationAnswer.objects.select_related("meeting").get(pk=answer_id))
    assert sorted(_two_tabs(answer)) == [302, 302]
