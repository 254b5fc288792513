import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from meetings.models import Meeting, Registration
from meetings.selectors.registration import (
    registration_for_link,
    registration_personal_data,
    registration_seats_taken,
    registration_waitlist_position,
)
from meetings.services import notifications
from meetings.services import registration as services
from meetings.services.meeting import meeting_save
from meetings.tasks import expire_seat_offers
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from messaging.models import OutboundMessage

pytestmark = pytest.mark.django_db

Status = Registration.Status


@pytest.fixture
def sent(monkeypatch):
    """Which notify_* functions the services called, for which registration status."""
    calls = []

    def welcome_stored(*, registration, message):
        calls.append((f"welcome:{message.kind}", registration.email, registration.status))

    monkeypatch.setattr(notifications, "registration_welcome_store", welcome_stored)
    for name in [
        "notify_registration_confirmed",
        "notify_manage_link",
        "notify_seat_offered",
        "notify_registration_cancelled",
    ]:
        monkeypatch.setattr(
            notifications,
            name,
            lambda *, registration, name=name: calls.append((name, registration.email, registration.status)),
        )
    return calls


def register(meeting, email, **extra):
    fields = {
        "full_name": "Fatima Zahra El Idrissi",
        "organisation": "Hôtel Atlas",
        "sector": Registration.Sector.LODGING,
        "phone": "+212612345678",
    }
    return services.registration_create(meeting_id=meeting.pk, email=email, **{**fields, **extra})


def test_seats_are_confirmed_until_capacity_then_people_wait_in_order(sent):
    meeting = MeetingFactory(capacity=2)
    outcomes = [register(meeting, f"p{i}@example.ma") for i in range(4)]
    assert [o.registration.status for o in outcomes] == [Status.CONFIRMED, Status.CONFIRMED] + [Status.WAITLISTED] * 2
    assert all(o.created for o in outcomes)
    assert [registration_waitlist_position(registration=o.registration) for o in outcomes] == [None, None, 1, 2]
    assert [name for name, *_ in sent] == ["welcome:confirmation"] * 2 + ["welcome:waitlisted"] * 2
    assert outcomes[0].registration.consent_at is not None


@pytest.fixture
def seats_seen_before_the_lock(monkeypatch):
    """The count a registration predicts from, before the lock, set by the test: what another request
    changing the seats meanwhile would make it see."""
    seen, calls = {}, []
    count = services.registration_seats_taken

    def counted(**kwargs):
        calls.append(kwargs)
        return seen["seats"] if len(calls) == 1 else count(**kwargs)

    monkeypatch.setattr(services, "registration_seats_taken", counted)
    return seen


@pytest.mark.parametrize(
    ("confirmed_before", "seen", "decided", "welcome"),
    [
        (1, 0, Status.WAITLISTED, OutboundMessage.Kind.WAITLISTED),  # the last seat went meanwhile
        (0, 1, Status.CONFIRMED, OutboundMessage.Kind.CONFIRMATION),  # a seat was freed meanwhile
    ],
)
def test_a_prediction_the_count_under_the_lock_proves_wrong_is_set_right_with_its_email(
    seats_seen_before_the_lock, confirmed_before, seen, decided, welcome
):
    meeting = MeetingFactory(capacity=1)
    RegistrationFactory.create_batch(confirmed_before, meeting=meeting)
    seats_seen_before_the_lock["seats"] = seen

    registration = register(meeting, "tard@example.ma").registration

    assert registration.status == decided
    assert Registration.objects.get(pk=registration.pk).status == decided
    assert registration_seats_taken(meeting_id=meeting.pk) == 1
    stored = OutboundMessage.objects.filter(registration=registration)
    assert [(m.kind, m.idempotency_key) for m in stored] == [(welcome, f"{welcome}:{registration.pk}")]


def test_same_email_gets_a_new_manage_link_not_a_second_registration(sent):
    meeting = MeetingFactory()
    first = register(meeting, "Amina@Example.ma").registration
    old_secret = first.manage_secret
    again = register(meeting, "  amina@example.MA ")
    assert not again.created
    assert again.registration.pk == first.pk
    assert Registration.objects.filter(meeting=meeting).count() == 1
    assert again.registration.manage_secret != old_secret
    assert registration_for_link(public_id=first.public_id, secret=old_secret) is None
    assert registration_for_link(public_id=first.public_id, secret=again.registration.manage_secret) == first
    assert sent[-1] == ("notify_manage_link", "amina@example.ma", Status.CONFIRMED)


def test_a_cancelled_email_can_register_again():
    meeting = MeetingFactory()
    first = register(meeting, "a@example.ma").registration
    services.registration_cancel(registration_id=first.pk)
    assert register(meeting, "a@example.ma").created


@pytest.mark.parametrize(
    "meeting_fields",
    [
        {"status": Meeting.Status.DRAFT},
        {"status": Meeting.Status.CANCELLED},
        {"status": Meeting.Status.HELD},
        {"kind": Meeting.Kind.CRT_SESSION},
        {"registration_opens_at": timezone.now() + timedelta(days=1)},
        {"registration_closes_at": timezone.now() - timedelta(minutes=1)},
    ],
)
def test_registration_is_refused_outside_the_window_or_for_a_closed_meeting(meeting_fields):
    meeting = MeetingFactory(**meeting_fields)
    with pytest.raises(services.RegistrationRefused) as refusal:
        register(meeting, "a@example.ma")
    assert str(refusal.value.message)
    assert not Registration.objects.exists()


def test_registration_is_refused_for_a_past_meeting():
    meeting = MeetingFactory()
    with pytest.raises(services.RegistrationRefused):
        register(meeting, "a@example.ma", now=meeting.starts_at + timedelta(minutes=1))


def test_cancelling_offers_the_seat_to_the_first_waitlisted_person_for_the_configured_delay(sent):
    meeting = MeetingFactory(capacity=1, waitlist_offer_hours=24)
    holder = register(meeting, "holder@example.ma").registration
    first = register(meeting, "first@example.ma").registration
    second = register(meeting, "second@example.ma").registration
    now = timezone.now()
    services.registration_cancel(registration_id=holder.pk, now=now)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.OFFERED
    assert first.offer_expires_at == now + timedelta(hours=24)
    assert second.status == Status.WAITLISTED
    assert registration_waitlist_position(registration=second) == 1
    # The offered seat is held: a newcomer waits.
    assert registration_seats_taken(meeting_id=meeting.pk) == 1
    assert register(meeting, "late@example.ma").registration.status == Status.WAITLISTED
    assert ("notify_registration_cancelled", "holder@example.ma", Status.CANCELLED) in sent
    assert ("notify_seat_offered", "first@example.ma", Status.OFFERED) in sent


def test_an_offer_never_outlives_the_meeting_start():
    meeting = MeetingFactory(capacity=1, waitlist_offer_hours=48)
    holder = register(meeting, "holder@example.ma").registration
    waiting = register(meeting, "w@example.ma").registration
    services.registration_cancel(registration_id=holder.pk, now=meeting.starts_at - timedelta(hours=3))
    waiting.refresh_from_db()
    assert waiting.offer_expires_at == meeting.starts_at


def test_meeting_set_to_confirm_directly_gives_the_seat_at_once(sent):
    meeting = MeetingFactory(capacity=1, confirm_waitlist_directly=True)
    holder = register(meeting, "holder@example.ma").registration
    waiting = register(meeting, "w@example.ma").registration
    services.registration_cancel(registration_id=holder.pk)
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED
    assert sent[-1] == ("notify_registration_confirmed", "w@example.ma", Status.CONFIRMED)


def test_accepting_an_offer_confirms_the_seat():
    meeting = MeetingFactory(capacity=1)
    holder = register(meeting, "holder@example.ma").registration
    waiting = register(meeting, "w@example.ma").registration
    services.registration_cancel(registration_id=holder.pk)
    accepted = services.registration_offer_accept(registration_id=waiting.pk)
    assert accepted.status == Status.CONFIRMED
    assert accepted.offer_expires_at is None
    # Clicking twice is harmless.
    assert services.registration_offer_accept(registration_id=waiting.pk).status == Status.CONFIRMED


def test_declining_or_letting_an_offer_expire_passes_the_seat_on():
    meeting = MeetingFactory(capacity=1, waitlist_offer_hours=2)
    holder = register(meeting, "holder@example.ma").registration
    first, second, third = (register(meeting, f"w{i}@example.ma").registration for i in range(3))
    now = timezone.now()
    services.registration_cancel(registration_id=holder.pk, now=now)
    services.registration_offer_decline(registration_id=first.pk, now=now)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.CANCELLED
    assert second.status == Status.OFFERED

    assert services.registration_offers_expire(now=now + timedelta(hours=1)) == 0
    assert services.registration_offers_expire(now=now + timedelta(hours=2)) == 1
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == Status.CANCELLED
    assert third.status == Status.OFFERED
    assert registration_seats_taken(meeting_id=meeting.pk) == 1


def test_accepting_an_expired_offer_fails_and_passes_the_seat_on():
    meeting = MeetingFactory(capacity=1, waitlist_offer_hours=2)
    holder = register(meeting, "holder@example.ma").registration
    first, second = (register(meeting, f"w{i}@example.ma").registration for i in range(2))
    now = timezone.now()
    services.registration_cancel(registration_id=holder.pk, now=now)
    late = services.registration_offer_accept(registration_id=first.pk, now=now + timedelta(hours=3))
    second.refresh_from_db()
    assert late.status == Status.CANCELLED
    assert second.status == Status.OFFERED


def test_only_an_offered_registration_can_accept_or_decline():
    meeting = MeetingFactory(capacity=1)
    register(meeting, "holder@example.ma")
    waiting = register(meeting, "w@example.ma").registration
    with pytest.raises(services.RegistrationRefused):
        services.registration_offer_accept(registration_id=waiting.pk)
    with pytest.raises(services.RegistrationRefused):
        services.registration_offer_decline(registration_id=waiting.pk)


def test_the_beat_task_expires_offers_and_is_safe_to_run_twice():
    offer = RegistrationFactory(
        status=Status.OFFERED, offer_expires_at=timezone.now() - timedelta(minutes=1), meeting__capacity=1
    )
    waiting = RegistrationFactory(meeting=offer.meeting, status=Status.WAITLISTED)
    assert expire_seat_offers.delay().get() == 1
    assert expire_seat_offers.delay().get() == 0
    waiting.refresh_from_db()
    assert waiting.status == Status.OFFERED


def test_leaving_the_waiting_list_frees_no_seat_and_moves_others_up():
    meeting = MeetingFactory(capacity=1)
    register(meeting, "holder@example.ma")
    first, second = (register(meeting, f"w{i}@example.ma").registration for i in range(2))
    services.registration_cancel(registration_id=first.pk)
    assert registration_waitlist_position(registration=second) == 1
    second.refresh_from_db()
    assert second.status == Status.WAITLISTED


def test_no_promotion_once_the_meeting_is_cancelled():
    meeting = MeetingFactory(capacity=1)
    holder = register(meeting, "holder@example.ma").registration
    waiting = register(meeting, "w@example.ma").registration
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    services.registration_cancel(registration_id=holder.pk)
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITLISTED


def test_staff_cannot_lower_capacity_below_the_seats_taken_and_raising_it_fills_from_the_waitlist():
    meeting = MeetingFactory(capacity=3)
    for i in range(4):
        register(meeting, f"p{i}@example.ma")
    meeting.capacity = 2
    with pytest.raises(ValidationError) as error:
        meeting_save(meeting=meeting)
    assert "capacity" in error.value.message_dict
    meeting.refresh_from_db()
    assert meeting.capacity == 3
    meeting.capacity = 4
    meeting_save(meeting=meeting)
    assert Registration.objects.get(email="p3@example.ma").status == Status.OFFERED


def test_attendance_is_for_confirmed_people_and_cannot_be_cancelled():
    registration = RegistrationFactory()
    marked = services.registration_mark_attended(registration_id=registration.pk)
    assert marked.status == Status.ATTENDED
    first_time = marked.attended_at
    assert services.registration_mark_attended(registration_id=registration.pk).attended_at == first_time
    with pytest.raises(services.RegistrationRefused):
        services.registration_cancel(registration_id=registration.pk)
    waiting = RegistrationFactory(meeting=registration.meeting, status=Status.WAITLISTED)
    with pytest.raises(services.RegistrationRefused):
        services.registration_mark_attended(registration_id=waiting.pk)


def test_contact_update_changes_only_contact_fields():
    registration = RegistrationFactory(email="keep@example.ma")
    services.registration_update_contact(
        registration_id=registration.pk,
        full_name="محمد العلوي",
        organisation="Riad Fès",
        job_title="Directeur",
        phone="+212522000000",
        city="Fès",
    )
    registration.refresh_from_db()
    assert (registration.full_name, registration.city, registration.email) == ("محمد العلوي", "Fès", "keep@example.ma")


def test_erasing_cancels_blanks_the_data_revokes_the_link_and_passes_the_seat_on(sent):
    meeting = MeetingFactory(capacity=1)
    registration = register(meeting, "gone@example.ma", message="Allergies").registration
    waiting = register(meeting, "w@example.ma").registration
    old_secret = registration.manage_secret
    services.registration_erase(registration_id=registration.pk)
    registration.refresh_from_db()
    waiting.refresh_from_db()
    assert registration.status == Status.CANCELLED
    data = registration_personal_data(registration=registration)
    assert "gone" not in str(data)
    assert data["phone"] == data["message"] == ""
    assert registration_for_link(public_id=registration.public_id, secret=old_secret) is None
    assert waiting.status == Status.OFFERED
    assert not any(email == "gone@example.ma" and name == "notify_registration_cancelled" for name, email, _ in sent)


def test_the_management_command_expires_offers():
    offer = RegistrationFactory(status=Status.OFFERED, offer_expires_at=timezone.now() - timedelta(minutes=1))
    output = io.StringIO()
    call_command("expire_seat_offers", stdout=output)
    offer.refresh_from_db()
    assert offer.status == Status.CANCELLED
    assert output.getvalue().startswith("1 ")
