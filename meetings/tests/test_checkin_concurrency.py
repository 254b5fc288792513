"""The meeting day under concurrency, on PostgreSQL's row locks: phones sending the same check-in at once,
several phones checking in one person, and walk-ins racing for the last seats."""

import time
import uuid
from collections import Counter

import pytest
from django.utils import timezone

from core.tests.concurrency import run_at_once
from meetings.models import CheckIn, Registration
from meetings.services import registration as registration_services
from meetings.services.checkin import checkin_apply
from meetings.tests.factories import MeetingFactory, RegistrationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _check_in(registration, *, client_id, device):
    def job():
        return checkin_apply(
            meeting=registration.meeting,
            client_id=client_id,
            registration_public_id=registration.public_id,
            action="check_in",
            device=device,
            staff=None,
            done_at=timezone.now(),
        ).outcome

    return job


def test_one_check_in_sent_ten_times_at_once_is_stored_once():
    registration = RegistrationFactory()
    client_id = uuid.uuid4()
    outcomes = run_at_once([_check_in(registration, client_id=client_id, device="phone-a") for _ in range(10)])
    assert set(outcomes) == {CheckIn.Outcome.CHECKED_IN}
    assert CheckIn.objects.count() == 1


def test_one_person_checked_in_on_ten_phones_at_once_is_one_check_in_and_nine_conflicts():
    registration = RegistrationFactory()
    jobs = [_check_in(registration, client_id=uuid.uuid4(), device=f"phone-{n}") for n in range(10)]
    assert Counter(run_at_once(jobs)) == {CheckIn.Outcome.CHECKED_IN: 1, CheckIn.Outcome.ALREADY: 9}
    assert CheckIn.objects.filter(conflict=True).count() == 9


def _thirty_walk_ins_for_ten_seats(monkeypatch) -> tuple[Counter, int]:
    meeting = MeetingFactory(capacity=12)
    RegistrationFactory.create_batch(2, meeting=meeting)
    count = registration_services.registration_seats_taken

    def count_then_pause(**kwargs):
        # Between counting and writing, so that walk-ins not held by the meeting's lock would oversell.
        taken = count(**kwargs)
        time.sleep(0.05)
        return taken

    monkeypatch.setattr(registration_services, "registration_seats_taken", count_then_pause)

    def walk_in(number):
        def job():
            try:
                registration_services.registration_walk_in(
                    meeting_id=meeting.pk,
                    full_name=f"Visiteur {number}",
                    organisation="Agence du Sud",
                    sector="travel_agency",
                    email=f"visiteur{number}@example.ma",
                    phone="",
                )
            except registration_services.RegistrationRefused:
                return "refused"
            return "in"

        return job

    outcomes = Counter(run_at_once([walk_in(number) for number in range(30)]))
    return outcomes, Registration.objects.filter(meeting=meeting, walk_in=True).count()


def test_thirty_walk_ins_at_once_for_ten_free_seats_take_exactly_ten(monkeypatch):
    assert _thirty_walk_ins_for_ten_seats(monkeypatch) == ({"in": 10, "refused": 20}, 10)


def test_negative_control_without_the_meetings_lock_the_same_walk_ins_oversell(monkeypatch):
    monkeypatch.setattr(registration_services, "_meeting_row_lock", lambda meetings: meetings)
    _, walk_ins = _thirty_walk_ins_for_ten_seats(monkeypatch)
    assert walk_ins > 10
