"""Two editors saving the same minutes at the same moment, through the real endpoint, each on its own
PostgreSQL connection: neither edit is ever lost silently."""

import json
import time

import pytest
from django.test import Client
from django.urls import reverse

from core.tests.concurrency import run_at_once
from meetings.models import Minutes, MinutesEntry
from meetings.services import minutes as minutes_services
from meetings.tests.factories import AgendaItemFactory, MeetingFactory
from regions.tests.factories import UserFactory

# Needs PostgreSQL (DATABASE_URL), as in CI: SQLite has no row locks to test.
pytestmark = pytest.mark.django_db(transaction=True)

PAUSE_SECONDS = 0.3
ROUNDS = 3


@pytest.fixture
def widened_race(monkeypatch):
    """Pause between reading the stored text and writing, so that the two saves really overlap."""
    read = minutes_services.minutes_fields

    def read_then_pause(**kwargs):
        content = read(**kwargs)
        time.sleep(PAUSE_SECONDS)
        return content

    monkeypatch.setattr(minutes_services, "minutes_fields", read_then_pause)


@pytest.fixture
def setting():
    meeting = MeetingFactory()
    AgendaItemFactory(meeting=meeting, title="Bilan")
    editors = []
    for name in ("nadia", "karim"):
        client = Client()
        client.force_login(UserFactory(username=name, first_name=name.title(), is_staff=True))
        editors.append(client)
    # Opening the page begins the minutes.
    assert editors[0].get(reverse("meetings:minutes", args=[meeting.slug])).status_code == 200
    minutes = Minutes.objects.get(meeting=meeting)
    return minutes, editors


def _save(client, minutes, changes, base):
    def job():
        response = client.post(
            reverse("meetings:minutes_autosave", args=[minutes.meeting.slug]),
            json.dumps({"version": minutes.version, "changes": changes, "base": base}),
            content_type="application/json",
        )
        return response.status_code, response.json()

    return job


def _stored(minutes):
    minutes.refresh_from_db()
    entry = MinutesEntry.objects.get(minutes=minutes)
    return minutes.summary, entry.summary


def _entry_key(minutes):
    return minutes_services.entry_key(MinutesEntry.objects.get(minutes=minutes).pk, "summary")


def test_the_same_field_saved_by_two_editors_at_once_keeps_one_and_shows_the_other_a_conflict(widened_race, setting):
    minutes, (nadia, karim) = setting
    for round_ in range(ROUNDS):
        minutes.refresh_from_db()
        base = {"summary": minutes.summary}
        mine = {"summary": f"Nadia {round_}"}
        theirs = {"summary": f"Karim {round_}"}
        results = run_at_once([_save(nadia, minutes, mine, base), _save(karim, minutes, theirs, base)])
        assert sorted(status for status, _data in results) == [200, 409]
        (saved_status, saved), (_status, refused) = sorted(results, key=lambda result: result[0])
        [conflict] = refused["conflicts"]
        stored_summary, _entry = _stored(minutes)
        # The text kept is the saved one; the other editor is shown it next to their own.
        assert conflict["theirs"] == stored_summary
        assert {conflict["theirs"], conflict["mine"]} == {f"Nadia {round_}", f"Karim {round_}"}
        assert refused["version"] == saved["version"] == minutes.version


def test_different_fields_saved_by_two_editors_at_once_are_both_kept(widened_race, setting):
    minutes, (nadia, karim) = setting
    key = _entry_key(minutes)
    results = run_at_once(
        [
            _save(nadia, minutes, {"summary": "Synthèse de Nadia"}, {"summary": ""}),
            _save(karim, minutes, {key: "Point de Karim"}, {key: ""}),
        ]
    )
    assert [status for status, _data in results] == [200, 200]
    assert sorted(data["version"] for _status, data in results) == [2, 3]
    assert _stored(minutes) == ("Synthèse de Nadia", "Point de Karim")


def test_negative_control_without_the_row_lock_an_edit_is_lost_silently(widened_race, setting, monkeypatch):
    monkeypatch.setattr(minutes_services, "_minutes_locked", lambda pk: Minutes.objects.get(pk=pk))
    minutes, (nadia, karim) = setting
    results = run_at_once(
        [
            _save(nadia, minutes, {"summary": "Synthèse de Nadia"}, {"summary": ""}),
            _save(karim, minutes, {"summary": "Synthèse de Karim"}, {"summary": ""}),
        ]
    )
    # Both told "saved" at version 2, from the same row read: the text saved first is overwritten.
    assert [(status, data["version"]) for status, data in results] == [(200, 2), (200, 2)]
    assert _stored(minutes)[0] in ("Synthèse de Nadia", "Synthèse de Karim")
