"""Answers and delegations written at the same moment, each on its own PostgreSQL connection."""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.test import Client

from core.tests.concurrency import run_at_once
from meetings.models import DelegationMember, Meeting, Minutes, MinutesValidation
from meetings.selectors import delegation as delegation_selectors
from meetings.services import delegation as delegation_services
from meetings.services import validation as validation_services
from meetings.tests.factories import MeetingFactory, TourFactory
from meetings.tests.test_validation import held_meeting_with_minutes, sign_url
from regions.tests.factories import ContactFactory, OfficialFactory, UserFactory

# Needs PostgreSQL (DATABASE_URL), as in CI: SQLite has no row locks to test.
pytestmark = pytest.mark.django_db(transaction=True)

PAUSE_SECONDS = 0.2


def _two_answers_at_once(monkeypatch):
    """Validate and refuse the same version at the same moment, through the validator's link."""
    minutes = held_meeting_with_minutes()
    president = OfficialFactory(region=minutes.meeting.region, full_name="Brahim Salem")
    version = validation_services.minutes_send_for_validation(
        minutes=minutes, validator=president, actor=UserFactory(is_staff=True)
    )
    content = validation_services.minutes_content

    def content_then_pause(**kwargs):
        # Both requests have read the version as unanswered before either writes.
        snapshot = content(**kwargs)
        time.sleep(PAUSE_SECONDS)
        return snapshot

    monkeypatch.setattr(validation_services, "minutes_content", content_then_pause)
    url = sign_url(version)

    def answer(data):
        return lambda: Client().post(url, data)

    return version, run_at_once(
        [answer({"outcome": "validated"}), answer({"outcome": "refused", "comment": "Non, le point 2."})]
    )


def test_two_answers_posted_at_once_record_one_and_refuse_the_other_clearly(monkeypatch):
    version, responses = _two_answers_at_once(monkeypatch)
    assert Counter(response.status_code for response in responses) == {302: 1, 409: 1}
    refused = next(response for response in responses if response.status_code == 409)
    assert "Une réponse a déjà été donnée sur cette version" in refused.content.decode()
    assert MinutesValidation.objects.filter(version=version).count() == 1


def test_without_the_locks_the_same_race_fails_so_the_test_above_can_fail(monkeypatch):
    """Negative control: with the meeting and minutes read unlocked, both answers pass the checks."""

    def unlocked(minutes_id):
        minutes = Minutes.objects.get(pk=minutes_id)
        return Meeting.objects.select_related("region").get(pk=minutes.meeting_id), minutes

    monkeypatch.setattr(validation_services, "_lock", unlocked)
    with pytest.raises(IntegrityError):
        _two_answers_at_once(monkeypatch)


def test_the_same_person_placed_at_once_in_two_overlapping_meetings_is_refused_once(monkeypatch):
    first = MeetingFactory(tour=TourFactory())
    second = MeetingFactory(
        tour=TourFactory(slug="salon-2026", name="Salon 2026"),
        starts_at=first.starts_at + timedelta(hours=1),
        ends_at=first.ends_at + timedelta(hours=1),
    )
    contact = ContactFactory(region=first.region, full_name="Brahim Salem")
    conflicts = delegation_selectors.delegation_conflicts

    def conflicts_then_pause(**kwargs):
        found = conflicts(**kwargs)
        time.sleep(PAUSE_SECONDS)
        return found

    monkeypatch.setattr(delegation_services, "delegation_conflicts", conflicts_then_pause)

    def place(meeting):
        def job():
            try:
                delegation_services.delegation_save(
                    meeting=meeting, changed=[DelegationMember(meeting=meeting, side="crt", contact=contact)]
                )
            except delegation_services.ValidationError as error:
                return " ".join(error.messages)
            return "saved"

        return job

    outcomes = run_at_once([place(first), place(second)])
    assert sorted(outcome == "saved" for outcome in outcomes) == [False, True]
    assert "deux rencontres en même temps" in next(outcome for outcome in outcomes if outcome != "saved")
    assert DelegationMember.objects.filter(contact=contact).count() == 1
