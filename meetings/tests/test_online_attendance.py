"""Attending online: a mode per registration with its own seats, the switch, the personal join link, and
what e-mails, exports and the minutes' figures say of it."""

import io
import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from openpyxl import load_workbook

from core.page_cache import local_copies_forget
from meetings import drafts as content
from meetings.drafts import join_url
from meetings.models import AttendanceMode, Meeting, Registration, RegistrationState
from meetings.selectors.checkin import checkin_people, hall_figures
from meetings.selectors.minutes import meeting_attendance
from meetings.selectors.registration import registration_seats_taken_by_mode
from meetings.services import campaigns
from meetings.services import meeting as meeting_services
from meetings.services import registration as services
from meetings.tests.factories import MeetingFactory, RegistrationFactory, registration_form_data
from meetings.tokens import JOIN_SALT, join_token_make
from messaging import sending
from messaging.models import OutboundMessage
from messaging.services import message_render

pytestmark = pytest.mark.django_db

ONLINE, IN_PERSON = AttendanceMode.ONLINE, AttendanceMode.IN_PERSON
VIDEO = "https://visio.example.ma/onmt-dakhla?pwd=secret"
Kind = OutboundMessage.Kind


def _hybrid(**fields):
    return MeetingFactory(offers_online=True, online_url=VIDEO, **fields)


def _register(meeting, email, mode=None, **fields):
    return services.registration_create(
        meeting_id=meeting.pk,
        full_name="Salma Idrissi",
        organisation="Dakhla Kite",
        sector=Registration.Sector.LEISURE,
        email=email,
        phone="+212612345678",
        mode=mode,
        **fields,
    ).registration


# Seats per mode


def test_each_mode_fills_its_own_capacity_and_waiting_list():
    meeting = _hybrid(capacity=1, online_capacity=2)
    first = _register(meeting, "a@example.ma", IN_PERSON)
    second = _register(meeting, "b@example.ma", IN_PERSON)
    online = [_register(meeting, f"o{i}@example.ma", ONLINE) for i in range(3)]
    assert first.status == Registration.Status.CONFIRMED and second.status == Registration.Status.WAITLISTED
    assert [r.status for r in online] == ["confirmed", "confirmed", "waitlisted"]
    assert registration_seats_taken_by_mode(meeting_id=meeting.pk) == {"seats_taken": 1, "online_seats_taken": 2}


def test_online_without_a_capacity_never_has_a_waiting_list():
    meeting = _hybrid(capacity=0, online_capacity=None)
    assert all(_register(meeting, f"u{i}@example.ma", ONLINE).status == "confirmed" for i in range(5))
    assert meeting.registration_state(seats_taken=0, online_seats_taken=5) == RegistrationState.OPEN
    assert _register(meeting, "room@example.ma", IN_PERSON).status == Registration.Status.WAITLISTED


def test_a_mode_the_meeting_does_not_offer_is_refused_and_no_choice_means_the_meetings_own():
    in_person_only = MeetingFactory()
    with pytest.raises(services.RegistrationRefused, match="En ligne"):
        _register(in_person_only, "x@example.ma", ONLINE)
    assert not Registration.objects.filter(meeting=in_person_only).exists()
    online_only = MeetingFactory(offers_in_person=False, offers_online=True)
    assert _register(online_only, "y@example.ma").mode == ONLINE
    assert _register(in_person_only, "z@example.ma").mode == IN_PERSON


def test_a_freed_online_seat_goes_to_the_next_person_waiting_online_not_in_the_room():
    meeting = _hybrid(capacity=1, online_capacity=1, confirm_waitlist_directly=True)
    _register(meeting, "room@example.ma", IN_PERSON)
    waiting_in_room = _register(meeting, "room2@example.ma", IN_PERSON)
    holder = _register(meeting, "web@example.ma", ONLINE)
    waiting_online = _register(meeting, "web2@example.ma", ONLINE)
    services.registration_cancel(registration_id=holder.pk)
    waiting_online.refresh_from_db()
    waiting_in_room.refresh_from_db()
    assert waiting_online.status == Registration.Status.CONFIRMED
    assert waiting_in_room.status == Registration.Status.WAITLISTED


# Switching mode


def test_switching_to_a_mode_with_a_free_seat_confirms_there_and_passes_the_old_seat_on():
    meeting = _hybrid(capacity=1, online_capacity=5, confirm_waitlist_directly=True)
    person = _register(meeting, "switch@example.ma", IN_PERSON)
    next_in_line = _register(meeting, "next@example.ma", IN_PERSON)
    switched = services.registration_mode_switch(registration_id=person.pk, mode=ONLINE)
    next_in_line.refresh_from_db()
    assert (switched.mode, switched.status) == (ONLINE, Registration.Status.CONFIRMED)
    assert next_in_line.status == Registration.Status.CONFIRMED
    assert registration_seats_taken_by_mode(meeting_id=meeting.pk) == {"seats_taken": 1, "online_seats_taken": 1}
    # A new confirmation with the way in that changed: the join link.
    confirmation = OutboundMessage.objects.filter(registration=person, kind=Kind.CONFIRMATION).latest("pk")
    assert "/inscriptions/rejoindre/" in confirmation.body_text


def test_switching_to_a_full_mode_is_refused_and_the_person_keeps_their_seat():
    meeting = _hybrid(capacity=5, online_capacity=1)
    _register(meeting, "web@example.ma", ONLINE)
    person = _register(meeting, "room@example.ma", IN_PERSON)
    with pytest.raises(services.RegistrationRefused, match="Aucune place"):
        services.registration_mode_switch(registration_id=person.pk, mode=ONLINE)
    person.refresh_from_db()
    assert (person.mode, person.status) == (IN_PERSON, Registration.Status.CONFIRMED)


def test_a_waitlisted_person_switching_to_a_free_mode_gets_a_seat_there():
    meeting = _hybrid(capacity=1, online_capacity=3)
    _register(meeting, "room@example.ma", IN_PERSON)
    waiting = _register(meeting, "wait@example.ma", IN_PERSON)
    switched = services.registration_mode_switch(registration_id=waiting.pk, mode=ONLINE)
    assert (switched.mode, switched.status) == (ONLINE, Registration.Status.CONFIRMED)


def test_switching_is_refused_to_a_mode_not_offered_and_once_attended():
    person = _register(MeetingFactory(), "room@example.ma")
    with pytest.raises(services.RegistrationRefused):
        services.registration_mode_switch(registration_id=person.pk, mode=ONLINE)
    meeting = _hybrid()
    attended = RegistrationFactory(meeting=meeting, status=Registration.Status.ATTENDED, attended_at=timezone.now())
    with pytest.raises(services.RegistrationRefused, match="Présent"):
        services.registration_mode_switch(registration_id=attended.pk, mode=ONLINE)


# Joining


def _live(meeting, *, minutes_to_start: int):
    """Move the meeting so that it starts `minutes_to_start` from now (negative: it has started)."""
    starts_at = timezone.now() + timedelta(minutes=minutes_to_start)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), registration_closes_at=None
    )


def test_joining_before_the_opening_is_refused_with_when_it_opens(settings):
    settings.MEETINGS_JOIN_OPENS_MINUTES = 15
    meeting = _hybrid()
    person = _register(meeting, "web@example.ma", ONLINE)
    _live(meeting, minutes_to_start=16)
    with pytest.raises(services.JoinNotOpen) as closed:
        services.registration_join(registration_id=person.pk)
    meeting.refresh_from_db()
    assert closed.value.opens_at == meeting.starts_at - timedelta(minutes=15) and not closed.value.ended
    person.refresh_from_db()
    assert person.joined_at is None and person.status == Registration.Status.CONFIRMED


def test_joining_once_open_records_the_first_join_and_counts_as_attended():
    meeting = _hybrid()
    person = _register(meeting, "web@example.ma", ONLINE)
    _live(meeting, minutes_to_start=10)
    assert services.registration_join(registration_id=person.pk) == VIDEO
    person.refresh_from_db()
    first = person.joined_at
    assert first is not None and person.status == Registration.Status.ATTENDED and person.attended_at == first
    # Back after a dropped connection: forwarded again, the first time kept.
    assert services.registration_join(registration_id=person.pk, now=first + timedelta(minutes=30)) == VIDEO
    person.refresh_from_db()
    assert person.joined_at == first


def test_joining_after_the_end_or_without_an_address_or_in_person_is_refused():
    meeting = _hybrid()
    person = _register(meeting, "web@example.ma", ONLINE)
    _live(meeting, minutes_to_start=-180)
    with pytest.raises(services.JoinNotOpen) as closed:
        services.registration_join(registration_id=person.pk)
    assert closed.value.ended
    _live(meeting, minutes_to_start=0)
    Meeting.objects.filter(pk=meeting.pk).update(online_url="")
    with pytest.raises(services.RegistrationRefused):
        services.registration_join(registration_id=person.pk)
    in_room = RegistrationFactory(meeting=meeting)
    with pytest.raises(services.RegistrationRefused):
        services.registration_join(registration_id=in_room.pk)
    person.refresh_from_db()
    assert person.joined_at is None


# Pages


def _join_url(registration):
    return reverse("registrations:join", args=[join_token_make(public_id=registration.public_id)])


def test_the_join_link_counts_down_before_the_opening_then_forwards(client, settings):
    settings.MEETINGS_JOIN_OPENS_MINUTES = 15
    meeting = _hybrid()
    person = _register(meeting, "web@example.ma", ONLINE)
    _live(meeting, minutes_to_start=135)
    before = client.get(_join_url(person))
    body = before.content.decode()
    assert before.status_code == 200 and "no-cache" in before["Cache-Control"]
    seconds = int(re.search(r'data-seconds="(\d+)"', body).group(1))
    assert 7190 <= seconds <= 7200
    # The time left is in the page as the server rendered it (no script needed), and the address is not.
    assert re.search(r'dir="ltr">01:59:[0-5]\d</span>', body) and "js/join-countdown.js" in body
    assert "visio.example.ma" not in body
    _live(meeting, minutes_to_start=14)
    opened = client.get(_join_url(person))
    assert opened.status_code == 302 and opened["Location"] == VIDEO and "no-cache" in opened["Cache-Control"]
    person.refresh_from_db()
    assert person.joined_at is not None
    _live(meeting, minutes_to_start=-180)
    assert client.get(_join_url(person)).status_code == 410


def test_a_forged_or_foreign_join_link_is_404(client):
    meeting = _hybrid()
    person = _register(meeting, "web@example.ma", ONLINE)
    in_room = _register(meeting, "room@example.ma", IN_PERSON)
    forged = signing.dumps(str(person.public_id), salt="another.salt")
    assert client.get(reverse("registrations:join", args=[forged])).status_code == 404
    assert client.get(reverse("registrations:join", args=["x" * 300])).status_code == 404
    assert client.get(_join_url(in_room)).status_code == 404
    wrong_shape = signing.dumps({"r": 1}, salt=JOIN_SALT)
    assert client.get(reverse("registrations:join", args=[wrong_shape])).status_code == 404
    services.registration_cancel(registration_id=person.pk)
    assert client.get(_join_url(person)).status_code == 404


def test_the_meeting_page_shows_seats_per_mode_and_never_the_video_address(client):
    meeting = _hybrid(capacity=3, online_capacity=None)
    RegistrationFactory.create_batch(2, meeting=meeting)
    RegistrationFactory(meeting=meeting, mode=ONLINE)
    body = client.get(meeting.get_absolute_url()).content.decode()
    assert "Sur place — 1 place restante" in body and "En ligne — places illimitées" in body
    assert 'name="mode"' in body and 'type="radio"' in body
    assert "visio.example.ma" not in body
    # Nor in the copy the page cache keeps, served to the next visitor.
    assert "visio.example.ma" not in client.get(meeting.get_absolute_url()).content.decode()
    home = client.get(reverse("regions:home")).content.decode()
    assert "visio.example.ma" not in home


def _page_queries(client, url) -> int:
    cache.clear()
    local_copies_forget()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_meeting_page_query_count_stays_the_same_with_ten_times_the_registrations(client):
    meeting = _hybrid(online_capacity=500, capacity=500)
    RegistrationFactory.create_batch(3, meeting=meeting, mode=ONLINE)
    few = _page_queries(client, meeting.get_absolute_url())
    RegistrationFactory.create_batch(30, meeting=meeting, mode=ONLINE)
    RegistrationFactory.create_batch(30, meeting=meeting)
    assert _page_queries(client, meeting.get_absolute_url()) == few == 2


def test_registering_online_through_the_form(client):
    meeting = _hybrid()
    response = client.post(
        reverse("registrations:register", args=[meeting.slug]),
        {**registration_form_data(email="f@example.ma"), "mode": ONLINE},
    )
    assert response.status_code == 302
    registration = Registration.objects.get(email="f@example.ma")
    assert registration.mode == ONLINE
    done = client.get(response["Location"]).content.decode()
    assert "/inscriptions/rejoindre/" in done and "checkin-qr" not in done and "visio.example.ma" not in done


def test_a_hostile_mode_is_a_form_error_and_nothing_is_stored(client):
    meeting = _hybrid()
    for mode in ["hybrid", "online\x00", "x" * 5000, "<script>"]:
        response = client.post(
            reverse("registrations:register", args=[meeting.slug]),
            {**registration_form_data(email="h@example.ma"), "mode": mode},
        )
        assert response.status_code == 400
    assert not Registration.objects.filter(meeting=meeting).exists()


def test_the_manage_page_switches_mode_when_a_seat_is_free_and_says_why_not_otherwise(client):
    meeting = _hybrid(capacity=5, online_capacity=1)
    person = _register(meeting, "room@example.ma", IN_PERSON)
    manage = reverse("registrations:manage", args=[person.public_id, person.manage_secret])
    switch = reverse("registrations:switch_mode", args=[person.public_id, person.manage_secret])
    assert switch in client.get(manage).content.decode()
    assert client.post(switch, {"mode": "teleport"}).status_code == 400
    assert client.get(switch).status_code == 405
    response = client.post(switch, {"mode": ONLINE})
    assert response.status_code == 302
    page = client.get(manage).content.decode()
    assert "/inscriptions/rejoindre/" in page and "checkin-qr" not in page
    other = _register(meeting, "room2@example.ma", IN_PERSON)
    refused = client.post(
        reverse("registrations:switch_mode", args=[other.public_id, other.manage_secret]), {"mode": ONLINE}
    )
    assert refused.status_code == 409 and "Aucune place" in refused.content.decode()
    other.refresh_from_db()
    assert other.mode == IN_PERSON
    wrong_secret = reverse("registrations:switch_mode", args=[person.public_id, "x" * 43])
    assert client.post(wrong_secret, {"mode": IN_PERSON}).status_code == 404


# E-mails, exports, figures


def test_an_online_registrants_confirmation_carries_the_join_link_not_the_venue_or_the_code():
    meeting = _hybrid(venue_name="Palais des congrès")
    online = _register(meeting, "web@example.ma", ONLINE)
    in_room = _register(meeting, "room@example.ma", IN_PERSON)
    for kind in (Kind.CONFIRMATION, Kind.REMINDER):
        web = content.registration_draft(online, kind=kind, key="k")
        room = content.registration_draft(in_room, kind=kind, key="k2")
        web_text, web_html = _rendered(web)
        room_text, room_html = _rendered(room)
        assert "/inscriptions/rejoindre/" in web_text and "/inscriptions/rejoindre/" in web_html
        assert "Palais des congrès" not in web_text and "cid:checkin-qr" not in web_html
        assert "Palais des congrès" in room_text and "cid:checkin-qr" in room_html
        assert "rejoindre" not in room_text and VIDEO not in web_text + web_html


def test_an_online_registrants_calendar_file_holds_the_join_link_not_the_venue():
    meeting = _hybrid(venue_name="Palais des congrès", latitude=23.6848, longitude=-15.9580)
    online = _register(meeting, "web@example.ma", ONLINE)
    in_room = _register(meeting, "room@example.ma", IN_PERSON)
    confirmations = OutboundMessage.objects.filter(kind=Kind.CONFIRMATION)
    assert sending.messages_send_batch(message_ids=list(confirmations.values_list("pk", flat=True))) == []
    events = {}
    for sent in mail.outbox:
        [part] = [part for part in sent.attachments if part.get_content_type() == "text/calendar"]
        address = sent.to[0].split("<")[-1].rstrip(">")
        [events[address]] = Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    web, room = events[online.email], events[in_room.email]
    assert str(web["LOCATION"]) == "En ligne" and str(web["URL"]) == join_url(online)
    assert join_url(online) in str(web["DESCRIPTION"]) and "GEO" not in web
    assert "Palais des congrès" in str(room["LOCATION"]) and "/inscriptions/rejoindre/" not in room.to_ical().decode()
    assert str(room["URL"]).endswith(meeting.get_absolute_url()) and "GEO" in room
    # One event for both, so that an update replaces it in either calendar.
    assert web["UID"] == room["UID"]


def _rendered(draft):
    _subject, text, html = message_render(template=draft.template, context=draft.context, language="fr")
    return text, html


def test_the_follow_up_carries_the_recording_link_and_a_join_counts_as_attended(django_capture_on_commit_callbacks):
    meeting = _hybrid(recording_url="https://video.example.ma/replay-dakhla")
    joined = _register(meeting, "joined@example.ma", ONLINE)
    missed = _register(meeting, "missed@example.ma", ONLINE)
    _live(meeting, minutes_to_start=0)
    services.registration_join(registration_id=joined.pk)
    Meeting.objects.filter(pk=meeting.pk).update(
        status=Meeting.Status.HELD,
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2) + timedelta(hours=2),
    )
    with django_capture_on_commit_callbacks(execute=True):
        campaigns.follow_ups_send()
    kinds = dict(
        OutboundMessage.objects.filter(kind__in=[Kind.FOLLOW_UP, Kind.FOLLOW_UP_ABSENT]).values_list(
            "recipient_email", "kind"
        )
    )
    assert kinds == {joined.email: Kind.FOLLOW_UP, missed.email: Kind.FOLLOW_UP_ABSENT}
    for message in OutboundMessage.objects.filter(kind__in=[Kind.FOLLOW_UP, Kind.FOLLOW_UP_ABSENT]):
        assert "https://video.example.ma/replay-dakhla" in message.body_text + message.body_html


def test_the_minutes_figures_count_each_mode_and_an_online_join_as_attended():
    meeting = _hybrid()
    RegistrationFactory.create_batch(3, meeting=meeting)
    RegistrationFactory(meeting=meeting, status=Registration.Status.ATTENDED, attended_at=timezone.now())
    joined = _register(meeting, "web@example.ma", ONLINE)
    _register(meeting, "web2@example.ma", ONLINE)
    _live(meeting, minutes_to_start=0)
    services.registration_join(registration_id=joined.pk)
    attendance = meeting_attendance(meeting=meeting)
    lines = {line.key: (line.registered, line.attended) for line in attendance.by_mode}
    assert lines == {IN_PERSON: (4, 1), ONLINE: (2, 1)}
    assert (attendance.registered, attendance.attended) == (6, 2)
    in_person_only = MeetingFactory()
    assert [line.key for line in meeting_attendance(meeting=in_person_only).by_mode] == [IN_PERSON]


def test_staff_exports_say_each_persons_mode_and_when_they_joined(staff_client):
    meeting = _hybrid()
    joined = _register(meeting, "web@example.ma", ONLINE)
    _register(meeting, "room@example.ma", IN_PERSON)
    _live(meeting, minutes_to_start=0)
    services.registration_join(registration_id=joined.pk)
    response = staff_client.get(reverse("admin:meetings_registration_xlsx"), {"meeting__id__exact": meeting.pk})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = rows[0]
    mode, joined_at = header.index("Participation"), header.index("Connecté(e) en ligne le")
    by_email = {row[header.index("E-mail")]: row for row in rows[1:]}
    assert by_email["web@example.ma"][mode] == "En ligne" and by_email["web@example.ma"][joined_at] is not None
    assert by_email["room@example.ma"][mode] == "Sur place" and by_email["room@example.ma"][joined_at] is None
    csv = staff_client.get(reverse("admin:meetings_registration_csv"), {"meeting__id__exact": meeting.pk})
    assert "En ligne" in csv.content.decode("utf-8-sig")


def test_the_check_in_list_at_the_door_leaves_online_registrants_out():
    meeting = _hybrid(capacity=10)
    RegistrationFactory.create_batch(2, meeting=meeting)
    RegistrationFactory.create_batch(3, meeting=meeting, mode=ONLINE)
    assert len(checkin_people(meeting=meeting)) == 2
    assert hall_figures(meeting=meeting).seats_taken == 2


def test_staff_cannot_drop_a_mode_that_still_has_active_registrations_nor_shrink_it_below_them():
    meeting = _hybrid(online_capacity=5)
    RegistrationFactory.create_batch(2, meeting=meeting, mode=ONLINE)
    with pytest.raises(ValidationError) as dropped:
        meeting_services.meeting_validate_capacity(meeting=meeting, capacity=50, modes=[IN_PERSON])
    assert "annulez-les" in str(dropped.value.message_dict["attendance"])
    with pytest.raises(ValidationError) as shrunk:
        meeting_services.meeting_validate_capacity(meeting=meeting, capacity=50, online_capacity=1, modes=meeting.modes)
    assert "online_capacity" in shrunk.value.message_dict
    meeting_services.meeting_validate_capacity(meeting=meeting, capacity=50, online_capacity=None, modes=meeting.modes)


def test_more_online_seats_given_by_staff_go_to_the_people_waiting_online():
    meeting = _hybrid(capacity=5, online_capacity=1, confirm_waitlist_directly=True)
    _register(meeting, "web@example.ma", ONLINE)
    waiting = _register(meeting, "web2@example.ma", ONLINE)
    meeting.refresh_from_db()
    meeting.online_capacity = None
    meeting_services.meeting_save(meeting=meeting)
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED


def test_staff_see_seats_and_joins_per_mode_in_the_admin(staff_client):
    meeting = _hybrid(capacity=10, online_capacity=None)
    joined = _register(meeting, "web@example.ma", ONLINE)
    _register(meeting, "room@example.ma", IN_PERSON)
    _live(meeting, minutes_to_start=0)
    services.registration_join(registration_id=joined.pk)
    meetings_page = staff_client.get(reverse("admin:meetings_meeting_changelist")).content.decode()
    assert "1 / 10 · en ligne 1 / ∞" in meetings_page
    registrations_page = staff_client.get(
        reverse("admin:meetings_registration_changelist"), {"meeting__id__exact": meeting.pk}
    ).content.decode()
    assert "Connectés en ligne" in registrations_page
    change = staff_client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk])).content.decode()
    assert 'name="attendance"' in change and 'value="both" selected' in change
    # The staff-only address is on the staff's page, as they typed it.
    assert VIDEO.replace("&", "&amp;") in change or VIDEO in change
