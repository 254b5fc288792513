from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from meetings.models import Meeting, Registration, RegistrationState
from meetings.tests.factories import MeetingFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def test_registration_state_follows_status_window_and_capacity():
    meeting = MeetingFactory(capacity=2)
    now = timezone.now()
    assert meeting.registration_state(seats_taken=0, now=now) == RegistrationState.OPEN
    assert meeting.registration_state(seats_taken=2, now=now) == RegistrationState.WAITLIST
    assert (
        meeting.registration_state(seats_taken=0, now=meeting.registration_opens_at - timedelta(seconds=1))
        == RegistrationState.NOT_YET_OPEN
    )
    assert meeting.registration_state(seats_taken=0, now=meeting.registration_closes_at) == RegistrationState.CLOSED
    assert meeting.registration_state(seats_taken=0, now=meeting.starts_at) == RegistrationState.PAST
    meeting.kind = Meeting.Kind.CRT_SESSION
    assert meeting.registration_state(seats_taken=0, now=now) == RegistrationState.INVITATION_ONLY
    for status, state in [
        (Meeting.Status.CANCELLED, RegistrationState.CANCELLED),
        # Postponed means moved to a new date: registration goes on for it.
        (Meeting.Status.POSTPONED, RegistrationState.OPEN),
        (Meeting.Status.DRAFT, RegistrationState.UNPUBLISHED),
        (Meeting.Status.HELD, RegistrationState.PAST),
    ]:
        meeting.kind = Meeting.Kind.PROFESSIONALS
        meeting.status = status
        assert meeting.registration_state(seats_taken=0, now=now) == state


def test_database_refuses_a_meeting_ending_before_it_starts():
    with pytest.raises(IntegrityError):
        MeetingFactory(ends_at=timezone.now() + timedelta(days=1), starts_at=timezone.now() + timedelta(days=2))


def test_database_refuses_registration_closing_after_the_start():
    with pytest.raises(IntegrityError):
        MeetingFactory(registration_closes_at=timezone.now() + timedelta(days=400))


def test_one_active_registration_per_email_and_meeting():
    registration = RegistrationFactory(email="a@example.ma")
    with pytest.raises(IntegrityError):
        RegistrationFactory(meeting=registration.meeting, email="a@example.ma", status=Registration.Status.WAITLISTED)


def test_a_cancelled_registration_does_not_block_a_new_one():
    registration = RegistrationFactory(email="a@example.ma", status=Registration.Status.CANCELLED)
    RegistrationFactory(meeting=registration.meeting, email="a@example.ma")
    assert registration.meeting.registrations.count() == 2


@pytest.mark.parametrize(
    ("venue", "address", "city", "place"),
    [
        ("Palais des congrès", "Av. Mohammed V", "Dakhla", "Palais des congrès, Av. Mohammed V, Dakhla"),
        ("Palais des congrès", "Avenue Mohammed V, Dakhla", "Dakhla", "Palais des congrès, Avenue Mohammed V, Dakhla"),
        ("Hôtel Atlas", "Bd du 20 Août, LAÂYOUNE", "Laâyoune", "Hôtel Atlas, Bd du 20 Août, LAÂYOUNE"),
    ],
)
def test_the_place_names_the_city_once(venue, address, city, place):
    assert Meeting(venue_name=venue, address=address, city=city).place == place
