from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from meetings.models import Meeting, Registration
from meetings.services import meeting as services
from meetings.tests.factories import AgendaItemFactory, MeetingFactory, RegistrationFactory
from regions.tests.factories import region

pytestmark = pytest.mark.django_db

CASABLANCA = ZoneInfo("Africa/Casablanca")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=CASABLANCA)


@pytest.fixture
def notified(monkeypatch):
    """Record the notify_* calls, and whether they ran inside the service's transaction."""
    calls = []

    def recorder(name):
        def notify(*, meeting):
            calls.append((name, meeting.pk, bool(connection.savepoint_ids)))

        return notify

    for name in ["notify_meeting_cancelled", "notify_meeting_postponed"]:
        monkeypatch.setattr(f"meetings.services.notifications.{name}", recorder(name))
    return calls


def validate(meeting: Meeting, **changes):
    values = {
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "registration_opens_at": None,
        "registration_closes_at": None,
        **changes,
    }
    services.meeting_validate_schedule(tour=meeting.tour, **values)


def test_overlapping_meetings_of_a_tour_are_refused_with_the_other_meeting_named():
    existing = MeetingFactory(title="Séance de Dakhla")
    with pytest.raises(ValidationError) as error:
        validate(
            existing, starts_at=existing.starts_at + timedelta(hours=1), ends_at=existing.ends_at + timedelta(hours=1)
        )
    message = " ".join(error.value.message_dict["starts_at"])
    assert "Séance de Dakhla" in message and "chevaucher" in message


def test_back_to_back_meetings_cancelled_meetings_and_other_tours_do_not_overlap():
    existing = MeetingFactory()
    validate(existing, starts_at=existing.ends_at, ends_at=existing.ends_at + timedelta(hours=2))
    validate(existing, starts_at=existing.starts_at, ends_at=existing.ends_at, exclude_pk=existing.pk)
    other_tour = MeetingFactory(tour__slug="autre-tournee", starts_at=existing.starts_at, ends_at=existing.ends_at)
    assert other_tour.tour != existing.tour
    existing.status = Meeting.Status.CANCELLED
    existing.save()
    validate(existing, starts_at=existing.starts_at, ends_at=existing.ends_at)


def test_the_overlap_message_gives_the_other_meetings_region_and_local_times():
    day = timezone.localdate() + timedelta(days=40)
    existing = MeetingFactory(
        title="Séance de Dakhla",
        starts_at=local(day.year, day.month, day.day, 15, 0),
        ends_at=local(day.year, day.month, day.day, 18, 0),
    )
    with pytest.raises(ValidationError) as error:
        validate(existing, starts_at=existing.starts_at + timedelta(hours=2), ends_at=existing.ends_at)
    [message] = error.value.message_dict["starts_at"]
    date = day.strftime("%d/%m/%Y")
    # Each moment isolated (FSI … PDI): in Arabic, the time stays after its date.
    assert (
        f"« Séance de Dakhla » (Dakhla-Oued Ed-Dahab) du \u2068{date} 15:00\u2069 au \u2068{date} 18:00\u2069"
        in message
    )


def test_registration_may_close_at_the_start_but_not_a_second_later():
    start = timezone.now().replace(microsecond=0) + timedelta(days=20)
    meeting = MeetingFactory(starts_at=start, ends_at=start + timedelta(hours=3))
    validate(meeting, registration_closes_at=meeting.starts_at, exclude_pk=meeting.pk)
    meeting.registration_closes_at = meeting.starts_at
    services.meeting_save(meeting=meeting)
    assert Meeting.objects.get(pk=meeting.pk).registration_closes_at == meeting.starts_at
    meeting.registration_closes_at = meeting.starts_at + timedelta(seconds=1)
    with pytest.raises(ValidationError) as error:
        services.meeting_save(meeting=meeting)
    assert "au plus tard au début" in error.value.message_dict["registration_closes_at"][0]
    assert Meeting.objects.get(pk=meeting.pk).registration_closes_at == meeting.starts_at


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"ends_at_offset": timedelta(hours=-4)}, "ends_at", "postérieure au début"),
        ({"closes_offset": timedelta(minutes=1)}, "registration_closes_at", "au plus tard au début"),
        ({"opens_offset": timedelta(hours=1), "closes_offset": timedelta(hours=-1)}, "registration_opens_at", "avant"),
        ({"start_offset": timedelta(days=800)}, "starts_at", "pendant la tournée"),
    ],
)
def test_bad_dates_get_a_clear_message_on_the_right_field(changes, field, words):
    meeting = MeetingFactory.build(tour=MeetingFactory().tour)
    start = meeting.starts_at + changes.get("start_offset", timedelta(0)) + timedelta(days=200)
    with pytest.raises(ValidationError) as error:
        services.meeting_validate_schedule(
            tour=meeting.tour,
            starts_at=start,
            ends_at=start + timedelta(hours=3) + changes.get("ends_at_offset", timedelta(0)),
            registration_opens_at=start + changes["opens_offset"] if "opens_offset" in changes else None,
            registration_closes_at=start + changes["closes_offset"] if "closes_offset" in changes else None,
        )
    assert words in " ".join(error.value.message_dict[field])


def test_meeting_save_refuses_capacity_below_the_seats_taken_and_keeps_the_row():
    meeting = MeetingFactory(capacity=5)
    RegistrationFactory.create_batch(3, meeting=meeting)
    RegistrationFactory(meeting=meeting, status=Registration.Status.WAITLISTED)
    meeting.capacity = 2
    with pytest.raises(ValidationError) as error:
        services.meeting_save(meeting=meeting)
    assert "3 places sont déjà attribuées" in error.value.message_dict["capacity"][0]
    meeting.refresh_from_db()
    assert meeting.capacity == 5
    meeting.capacity = 3
    services.meeting_save(meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.capacity == 3


def test_meeting_save_bumps_the_sequence_only_for_changes_calendars_show():
    meeting = MeetingFactory()
    meeting.capacity = 80
    services.meeting_save(meeting=meeting)
    assert Meeting.objects.get(pk=meeting.pk).sequence == 0
    meeting.venue_name = "Hôtel Sahara Regency"
    services.meeting_save(meeting=meeting)
    assert Meeting.objects.get(pk=meeting.pk).sequence == 1


def test_publish_a_draft_but_not_a_cancelled_meeting():
    draft = MeetingFactory(status=Meeting.Status.DRAFT)
    services.meeting_publish(meeting=draft)
    assert draft.status == Meeting.Status.PUBLISHED
    cancelled = MeetingFactory(status=Meeting.Status.CANCELLED)
    with pytest.raises(ValidationError, match="impossible de la publier"):
        services.meeting_publish(meeting=cancelled)
    assert Meeting.objects.get(pk=cancelled.pk).status == Meeting.Status.CANCELLED


def test_publishing_a_draft_that_overlaps_a_meeting_is_refused():
    published = MeetingFactory()
    draft = MeetingFactory(status=Meeting.Status.DRAFT, starts_at=published.starts_at, ends_at=published.ends_at)
    with pytest.raises(ValidationError, match="chevaucher"):
        services.meeting_publish(meeting=draft)


def test_postpone_moves_dates_and_window_bumps_sequence_and_notifies_inside_the_transaction(notified):
    meeting = MeetingFactory()
    closes_before_start = meeting.starts_at - meeting.registration_closes_at
    new_start = meeting.starts_at + timedelta(days=100)
    services.meeting_postpone(meeting=meeting, starts_at=new_start, ends_at=new_start + timedelta(hours=4))
    meeting.refresh_from_db()
    assert (meeting.status, meeting.starts_at, meeting.sequence) == (Meeting.Status.POSTPONED, new_start, 1)
    assert meeting.ends_at == new_start + timedelta(hours=4)
    assert meeting.starts_at - meeting.registration_closes_at == closes_before_start
    assert notified == [("notify_meeting_postponed", meeting.pk, True)]


def test_a_postponement_into_the_past_or_onto_another_meeting_changes_nothing(notified):
    meeting = MeetingFactory()
    other = MeetingFactory()
    with pytest.raises(ValidationError, match="futur"):
        services.meeting_postpone(meeting=meeting, starts_at=timezone.now() - timedelta(days=1), ends_at=timezone.now())
    with pytest.raises(ValidationError, match="chevaucher"):
        services.meeting_postpone(meeting=meeting, starts_at=other.starts_at, ends_at=other.ends_at)
    stored = Meeting.objects.get(pk=meeting.pk)
    assert (stored.status, stored.starts_at, stored.sequence) == (Meeting.Status.PUBLISHED, meeting.starts_at, 0)
    assert notified == []


def test_cancel_notifies_once_and_cannot_be_repeated(notified):
    meeting = MeetingFactory()
    services.meeting_cancel(meeting=meeting)
    assert (meeting.status, meeting.sequence) == (Meeting.Status.CANCELLED, 1)
    assert notified == [("notify_meeting_cancelled", meeting.pk, True)]
    with pytest.raises(ValidationError, match="impossible de l’annuler"):
        services.meeting_cancel(meeting=meeting)
    assert len(notified) == 1


def test_a_meeting_is_marked_held_only_once_it_has_started():
    meeting = MeetingFactory()
    with pytest.raises(ValidationError, match="pas encore commencé"):
        services.meeting_mark_held(meeting=meeting)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=1),
        registration_opens_at=None,
        registration_closes_at=None,
    )
    services.meeting_mark_held(meeting=meeting)
    assert meeting.status == Meeting.Status.HELD


def test_duplicate_makes_a_draft_for_the_next_region_with_its_agenda():
    source = MeetingFactory(
        title="Rencontre des professionnels — Dakhla-Oued Ed-Dahab",
        venue_name="Hôtel de la région, Dakhla",
        registration_closes_at=None,
    )
    source.registration_closes_at = source.starts_at - timedelta(hours=12)
    source.save()
    AgendaItemFactory(meeting=source, position=0, title="Accueil")
    AgendaItemFactory(meeting=source, position=1, title="Plan de relance")
    new_start = source.starts_at + timedelta(days=8)
    copy = services.meeting_duplicate(meeting=source, region=region(11), starts_at=new_start)
    assert copy.pk != source.pk and copy.status == Meeting.Status.DRAFT and copy.sequence == 0
    assert copy.region == region(11) and copy.city == "Laâyoune"
    assert copy.title == "Rencontre des professionnels — Laâyoune-Sakia El Hamra"
    assert copy.venue_name == "Hôtel de la région, Laâyoune"
    assert copy.ends_at - copy.starts_at == source.ends_at - source.starts_at
    assert copy.starts_at - copy.registration_closes_at == timedelta(hours=12)
    assert [item.title for item in copy.agenda_items.all()] == ["Accueil", "Plan de relance"]
    second = services.meeting_duplicate(meeting=source, region=region(11), starts_at=new_start + timedelta(days=1))
    assert second.slug != copy.slug


def test_duplicate_onto_a_busy_slot_is_refused_and_creates_nothing():
    source = MeetingFactory()
    count = Meeting.objects.count()
    with pytest.raises(ValidationError, match="chevaucher"):
        services.meeting_duplicate(meeting=source, region=region(11), starts_at=source.starts_at)
    assert Meeting.objects.count() == count


def test_schedule_rules_use_moroccan_local_time_across_ramadan():
    # 2027-03-14 02:00 is when Morocco goes back from UTC+0 to UTC+1: a meeting
    # ending at 01:30 local and one starting at 03:00 local do not overlap.
    meeting = MeetingFactory(starts_at=local(2027, 3, 13, 22, 0), ends_at=local(2027, 3, 14, 1, 30))
    validate(meeting, starts_at=local(2027, 3, 14, 3, 0), ends_at=local(2027, 3, 14, 5, 0))
    with pytest.raises(ValidationError):
        validate(meeting, starts_at=local(2027, 3, 14, 1, 0), ends_at=local(2027, 3, 14, 5, 0))


def test_publishing_a_professionals_meeting_adds_the_default_reminders_once():
    meeting = MeetingFactory(status=Meeting.Status.DRAFT)
    services.meeting_publish(meeting=meeting)
    reminders = list(meeting.reminders.order_by("pk"))
    assert len(reminders) == 2
    services.meeting_postpone(
        meeting=meeting, starts_at=meeting.starts_at + timedelta(days=1), ends_at=meeting.ends_at + timedelta(days=1)
    )
    services.meeting_publish(meeting=meeting)
    assert list(meeting.reminders.order_by("pk")) == reminders


def test_publishing_a_crt_session_adds_no_reminders():
    meeting = MeetingFactory(status=Meeting.Status.DRAFT, kind=Meeting.Kind.CRT_SESSION)
    services.meeting_publish(meeting=meeting)
    assert not meeting.reminders.exists()
