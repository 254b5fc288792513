"""The meeting a registration is for is read once per process while no change of the public pages is heard
(core.generation_watch); a copy that missed a change neither decides a seat nor refuses a registration."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.generation_watch import watch
from meetings.models import Meeting, Registration
from meetings.selectors.registration import registration_meeting_get
from meetings.services.registration import registration_create
from meetings.tests.factories import MeetingFactory, RegistrationFactory, registration_form_data
from messaging.tests.live import run_in_another_process, wait_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("kept_reads")]

RETITLE_IN_ANOTHER_PROCESS = """
import django; django.setup()
from meetings.models import Meeting
meeting = Meeting.objects.get(slug="{slug}")
meeting.title = "Rencontre renommée"
meeting.save()
"""


def _listening():
    wait_for(lambda: watch.marks([]) is not None, timeout=10, what="the process to listen")


def _read(slug: str) -> tuple[Meeting, int]:
    with CaptureQueriesContext(connection) as queries:
        meeting = registration_meeting_get(slug=slug, kept=True)
    return meeting, len(queries)


def _register(meeting: Meeting, email: str) -> Registration:
    details = {name: value for name, value in registration_form_data(email=email).items() if name != "consent"}
    return registration_create(meeting_slug=meeting.slug, **details).registration


def _unannounced(meeting: Meeting, **fields) -> None:
    """A change no signal tells of, as a change not heard yet; its version moves, as every save's does."""
    Meeting.objects.filter(pk=meeting.pk).update(**fields, updated_at=timezone.now())


def test_a_meeting_is_read_once_while_no_change_is_heard_and_each_caller_gets_its_own_copy():
    meeting = MeetingFactory()
    _listening()
    assert _read(meeting.slug)[1] == 1
    # Changes announced by earlier tests may still be arriving: soon the meeting is kept.
    wait_for(lambda: _read(meeting.slug)[1] == 0, timeout=5, what="the meeting kept")
    first, second = _read(meeting.slug)[0], _read(meeting.slug)[0]
    first.title = "Changé par un appelant"
    assert second is not first and _read(meeting.slug)[0].title == meeting.title


def test_a_meeting_saved_in_this_process_is_read_again():
    meeting = MeetingFactory(title="Rencontre de Dakhla")
    _listening()
    _read(meeting.slug)
    meeting.title = "Rencontre de Laâyoune"
    meeting.save()
    assert _read(meeting.slug)[0].title == "Rencontre de Laâyoune"


def test_a_copy_that_missed_a_change_of_capacity_decides_no_seat():
    meeting = MeetingFactory(capacity=5)
    _listening()
    _read(meeting.slug)
    _unannounced(meeting, capacity=1)
    RegistrationFactory(meeting=meeting)  # the one seat left
    assert _read(meeting.slug)[0].capacity == 5  # the copy has missed it
    assert _register(meeting, "apres-changement@example.ma").status == Registration.Status.WAITLISTED


def test_a_copy_that_missed_the_reopening_of_a_meeting_does_not_refuse():
    meeting = MeetingFactory(registration_closes_at=timezone.now() - timedelta(hours=1))
    _listening()
    _read(meeting.slug)
    _unannounced(meeting, registration_closes_at=None)
    assert _register(meeting, "reouverture@example.ma").status == Registration.Status.CONFIRMED


@pytest.mark.django_db(transaction=True)
def test_a_meeting_changed_by_another_process_is_read_again_once_heard():
    meeting = MeetingFactory(title="Rencontre de Dakhla")
    _listening()
    # Once the announcement of its creation has arrived, the meeting is kept.
    wait_for(lambda: _read(meeting.slug)[1] == 0, timeout=5, what="the meeting kept")
    run_in_another_process(RETITLE_IN_ANOTHER_PROCESS.format(slug=meeting.slug))
    wait_for(lambda: _read(meeting.slug)[0].title == "Rencontre renommée", timeout=5, what="the change heard")
