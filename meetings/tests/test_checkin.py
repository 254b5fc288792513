"""The check-in of the meeting day: each phone's action applied once, conflicts told, walk-ins within capacity,
the list the phones keep and the hall in figures (queries that do not grow with the people)."""

import json
import re
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from meetings.checkin import checkin_url
from meetings.models import CheckIn, Registration
from meetings.selectors.checkin import hall_figures
from meetings.services import registration as registration_services
from meetings.services.checkin import checkin_apply
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from tests.test_hostile_input import EXAMPLES, _assert_escaped, hostile_text

pytestmark = pytest.mark.django_db


def _apply(registration, *, client_id=None, action="check_in", device="phone-a", meeting=None):
    return checkin_apply(
        meeting=meeting or registration.meeting,
        client_id=client_id or uuid.uuid4(),
        registration_public_id=registration.public_id,
        action=action,
        device=device,
        staff=None,
        done_at=timezone.now(),
    )


def test_a_check_in_sent_again_is_applied_once_and_answered_as_the_first_time():
    registration = RegistrationFactory()
    client_id = uuid.uuid4()
    first = _apply(registration, client_id=client_id)
    again = _apply(registration, client_id=client_id)
    assert first.outcome == again.outcome == CheckIn.Outcome.CHECKED_IN
    assert CheckIn.objects.count() == 1
    registration.refresh_from_db()
    assert registration.status == Registration.Status.ATTENDED


def test_an_undo_sent_again_does_not_undo_a_later_check_in():
    registration = RegistrationFactory()
    _apply(registration)
    undo_id = uuid.uuid4()
    assert _apply(registration, client_id=undo_id, action="undo").outcome == CheckIn.Outcome.UNDONE
    _apply(registration)
    assert _apply(registration, client_id=undo_id, action="undo").outcome == CheckIn.Outcome.UNDONE
    registration.refresh_from_db()
    assert registration.status == Registration.Status.ATTENDED
    assert registration.attended_at is not None


def test_the_same_person_checked_in_on_two_phones_is_one_check_in_and_a_conflict_for_the_second():
    registration = RegistrationFactory()
    first = _apply(registration, device="phone-a")
    second = _apply(registration, device="phone-b")
    same_phone = _apply(registration, device="phone-a")
    assert (first.outcome, first.conflict) == (CheckIn.Outcome.CHECKED_IN, False)
    assert (second.outcome, second.conflict) == (CheckIn.Outcome.ALREADY, True)
    assert (same_phone.outcome, same_phone.conflict) == (CheckIn.Outcome.ALREADY, False)
    assert CheckIn.objects.filter(outcome=CheckIn.Outcome.CHECKED_IN).count() == 1


def test_a_code_of_another_meeting_cancelled_and_waitlisted_people_are_refused_and_nothing_is_stored():
    registration = RegistrationFactory()
    other_meeting = MeetingFactory()
    assert _apply(registration, meeting=other_meeting).outcome == "not_registered"
    cancelled = RegistrationFactory(meeting=registration.meeting, status=Registration.Status.CANCELLED)
    waitlisted = RegistrationFactory(meeting=registration.meeting, status=Registration.Status.WAITLISTED)
    assert _apply(cancelled).outcome == "cancelled"
    assert _apply(waitlisted).outcome == "waitlisted"
    assert not CheckIn.objects.exists()
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


def test_a_check_in_dated_ahead_of_the_server_clock_takes_the_server_time():
    registration = RegistrationFactory()
    checkin_apply(
        meeting=registration.meeting,
        client_id=uuid.uuid4(),
        registration_public_id=registration.public_id,
        action="check_in",
        device="phone-a",
        staff=None,
        done_at=timezone.now() + timedelta(hours=5),
    )
    registration.refresh_from_db()
    assert registration.attended_at <= timezone.now()


def _walk_in(meeting, **fields):
    values = {
        "full_name": "Salma Idrissi",
        "organisation": "Riad Dakhla",
        "sector": "lodging",
        "email": "",
        "phone": "",
    }
    return registration_services.registration_walk_in(meeting_id=meeting.pk, **(values | fields))


def test_a_walk_in_is_checked_in_at_once_counted_apart_and_refused_when_the_hall_is_full():
    meeting = MeetingFactory(capacity=3)
    RegistrationFactory(meeting=meeting)
    RegistrationFactory(meeting=meeting, status=Registration.Status.ATTENDED, attended_at=timezone.now())
    walk_in = _walk_in(meeting, phone="+212612345670")
    assert (walk_in.status, walk_in.walk_in, walk_in.attended_at is not None) == ("attended", True, True)
    with pytest.raises(registration_services.RegistrationRefused):
        _walk_in(meeting, full_name="Karim Alaoui", phone="+212612345671")
    figures = hall_figures(meeting=meeting)
    assert (figures.expected, figures.arrived, figures.arrived_expected, figures.walk_ins) == (2, 2, 1, 1)
    assert figures.seats_free == 0


def test_two_walk_ins_without_e_mail_and_a_registered_e_mail_refused():
    meeting = MeetingFactory()
    RegistrationFactory(meeting=meeting, email="deja@example.ma")
    _walk_in(meeting, phone="+212612345670")
    _walk_in(meeting, full_name="Karim Alaoui", phone="+212612345671")
    with pytest.raises(registration_services.RegistrationRefused):
        _walk_in(meeting, full_name="Déjà Là", email="DEJA@example.ma")
    assert Registration.objects.filter(meeting=meeting, walk_in=True).count() == 2


def test_no_walk_in_at_a_cancelled_meeting():
    meeting = MeetingFactory(status="cancelled")
    with pytest.raises(registration_services.RegistrationRefused):
        _walk_in(meeting, phone="+212612345670")


def test_the_list_a_phone_keeps_has_no_e_mail_nor_phone_and_its_queries_do_not_grow(
    staff_client, django_assert_num_queries
):
    meeting = MeetingFactory()
    RegistrationFactory.create_batch(3, meeting=meeting, phone="+212699999999")
    url = reverse("meetings:checkin_data", args=[meeting.slug])
    staff_client.get(url)  # the session and the user read once, as every later request does
    with django_assert_num_queries(4) as few:
        staff_client.get(url)
    RegistrationFactory.create_batch(500, meeting=meeting, sector="guides")
    with django_assert_num_queries(len(few.captured_queries)):
        response = staff_client.get(url)
    data = response.json()
    assert len(data["people"]) == 503
    assert set(data["people"][0]) == {"id", "name", "organisation", "sector", "status", "attendedAt", "walkIn"}
    assert "@example.ma" not in response.content.decode() and "+2126999" not in response.content.decode()
    assert data["figures"]["expected"] == 503


def _batch(registration, *, ids, device="phone-a", action="check_in"):
    at = timezone.now().isoformat()
    operations = [{"id": str(i), "registration": str(registration.public_id), "action": action, "at": at} for i in ids]
    return json.dumps({"device": device, "operations": operations})


def test_the_same_queue_sent_twice_changes_nothing_the_second_time(staff_client):
    meeting = MeetingFactory()
    registration = RegistrationFactory(meeting=meeting)
    url = reverse("meetings:checkin_sync", args=[meeting.slug])
    body = _batch(registration, ids=[uuid.uuid4()])
    first = staff_client.post(url, body, content_type="application/json").json()
    second = staff_client.post(url, body, content_type="application/json").json()
    assert first["results"] == second["results"]
    assert first["results"][0]["outcome"] == "checked_in" and first["results"][0]["status"] == "attended"
    assert CheckIn.objects.count() == 1
    assert second["figures"]["arrived"] == 1


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({"device": "", "operations": []}),
        json.dumps({"device": "x" * 41, "operations": []}),
        json.dumps(
            {"device": "a", "operations": [{"id": "nope", "registration": "x", "action": "check_in", "at": ""}]}
        ),
        json.dumps({"device": "a", "operations": {"id": 1}}),
        json.dumps([1, 2]),
    ],
)
def test_a_malformed_queue_is_a_400_and_changes_nothing(staff_client, body):
    meeting = MeetingFactory()
    response = staff_client.post(
        reverse("meetings:checkin_sync", args=[meeting.slug]), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert not CheckIn.objects.exists()


def test_an_operation_with_a_naive_or_unknown_action_is_refused(staff_client):
    meeting = MeetingFactory()
    registration = RegistrationFactory(meeting=meeting)
    url = reverse("meetings:checkin_sync", args=[meeting.slug])
    naive = _batch(registration, ids=[uuid.uuid4()]).replace("+00:00", "")
    assert staff_client.post(url, naive, content_type="application/json").status_code == 400
    unknown = _batch(registration, ids=[uuid.uuid4()], action="delete")
    assert staff_client.post(url, unknown, content_type="application/json").status_code == 400


def test_the_page_registers_a_walk_in_and_says_what_is_missing(staff_client):
    meeting = MeetingFactory()
    url = reverse("meetings:checkin", args=[meeting.slug])
    page = staff_client.get(url)
    assert page.status_code == 200
    assert "data-config=" in page.content.decode()
    missing = staff_client.post(url, {"full_name": "Nadia B", "organisation": "Guides du Sud", "sector": "guides"})
    assert missing.status_code == 400
    assert "Indiquez une adresse e-mail ou un numéro de téléphone." in missing.content.decode()
    done = staff_client.post(
        url,
        {
            "full_name": "Nadia B",
            "organisation": "Guides du Sud",
            "sector": "guides",
            "phone": "0612345678",
            "consent": "on",
        },
    )
    assert done.status_code == 302
    walk_in = Registration.objects.get(meeting=meeting, walk_in=True)
    assert (walk_in.phone, walk_in.status) == ("+212612345678", "attended")


def test_the_service_worker_names_the_static_files_it_keeps(client):
    response = client.get(reverse("meetings:checkin_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "checkin.js" in response.content.decode() and "jsQR.js" in response.content.decode()


def test_the_qr_code_holds_the_registrations_random_id_and_nothing_personal_and_the_personal_page_shows_it(client):
    registration = RegistrationFactory(full_name="Hanane Kabbaj", email="hanane@example.ma", phone="+212611112222")
    content = checkin_url(registration)
    assert content == settings.SITE_URL + reverse("admin:meetings_registration_scan", args=[registration.public_id])
    assert not {"Hanane", "Kabbaj", "hanane", "611112222"} & set(re.split(r"[/:.@+-]", content))
    page = client.get(reverse("registrations:manage", args=[registration.public_id, registration.manage_secret]))
    assert '<figure class="checkin-qr"><svg' in page.content.decode()


@EXAMPLES
@given(value=hostile_text, field=st.sampled_from(["full_name", "organisation", "email", "phone", "sector"]))
def test_the_walk_in_form_survives_hostile_values(staff_client, value, field):
    meeting = MeetingFactory()
    data = {"full_name": "Nadia B", "organisation": "Guides du Sud", "sector": "guides", "consent": "on"}
    data |= {"phone": "0612345678", field: value}
    response = staff_client.post(reverse("meetings:checkin", args=[meeting.slug]), data)
    assert response.status_code in (302, 400)
    _assert_escaped(response.content.decode(), value)


@EXAMPLES
@given(
    device=st.one_of(st.just("phone-a"), hostile_text),
    action=st.one_of(st.sampled_from(["check_in", "undo"]), hostile_text),
    at=st.one_of(st.just("2026-11-30T10:00:00+01:00"), hostile_text),
)
def test_the_queue_endpoint_survives_hostile_values(staff_client, device, action, at):
    registration = RegistrationFactory()
    operation = {"id": str(uuid.uuid4()), "registration": str(registration.public_id), "action": action, "at": at}
    body = json.dumps({"device": device, "operations": [operation]})
    response = staff_client.post(
        reverse("meetings:checkin_sync", args=[registration.meeting.slug]), body, content_type="application/json"
    )
    assert response.status_code in (200, 400)
