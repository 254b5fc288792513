"""Many people submitting at once, through the real view, each on its own PostgreSQL connection."""

import contextlib
import threading
import time
from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from core.tests.concurrency import run_at_once
from meetings.models import AttendanceMode, Registration
from meetings.selectors.registration import registration_seats_taken, registration_seats_taken_by_mode
from meetings.services import registration as registration_services
from meetings.tests.factories import MeetingFactory, RegistrationFactory, registration_form_data

# Needs PostgreSQL (DATABASE_URL), as in CI: SQLite has no row locks to test.
pytestmark = pytest.mark.django_db(transaction=True)

# Fewer than PostgreSQL's default 100 connections, many more than one.
WORKERS = 40
# Workers counting the seats together in the negative controls: no divisor of their capacities (50, 10), which
# rounds coming one after the other on a quiet machine would fill exactly, without overselling.
ROUND_OF_WORKERS = 7
PAUSE_SECONDS = 0.05


@pytest.fixture
def widened_race(monkeypatch):
    """Sleep between counting the seats and writing, so overlapping requests really overlap."""
    count = registration_services.registration_seats_taken

    def count_then_pause(**kwargs):
        taken = count(**kwargs)
        time.sleep(PAUSE_SECONDS)
        return taken

    monkeypatch.setattr(registration_services, "registration_seats_taken", count_then_pause)


@pytest.fixture
def without_the_row_lock(monkeypatch):
    """The registration without its meeting's row lock, for the negative controls.

    The workers count the seats in rounds, all of a round at the same moment, so that the race is there
    whatever the machine's load: without the lock, a round finds seats left and fills more than them.
    A round is smaller than any connection pool in front of PostgreSQL (PgBouncer's 20 in the multi-node
    run): a round as large as the workers would wait for workers that wait for a connection, and break.
    """
    monkeypatch.setattr(registration_services, "_meeting_row_lock", lambda meetings: meetings)
    monkeypatch.setattr(registration_services, "_version_lock_sql", {})
    count, round_of_workers = registration_services.registration_seats_taken, threading.Barrier(ROUND_OF_WORKERS)

    def count_together(**kwargs):
        taken = count(**kwargs)
        # The count that decides, in the transaction where the lock would be (not the prediction before it).
        if connection.in_atomic_block:
            with contextlib.suppress(threading.BrokenBarrierError):
                round_of_workers.wait(timeout=5)
        return taken

    monkeypatch.setattr(registration_services, "registration_seats_taken", count_together)


def _submit(meeting, email, address):
    def job():
        client = Client(REMOTE_ADDR=address)
        return client.post(
            reverse("registrations:register", args=[meeting.slug]), registration_form_data(email=email)
        ).status_code

    return job


def _statuses(meeting):
    return Counter(Registration.objects.filter(meeting=meeting).values_list("status", flat=True))


def _two_hundred_for_fifty(meeting):
    jobs = [_submit(meeting, f"pro{i}@example.ma", f"10.0.{i // 250}.{i % 250}") for i in range(200)]
    return Counter(run_at_once(jobs, workers=WORKERS))


def test_two_hundred_simultaneous_registrations_for_fifty_seats_confirm_exactly_fifty(widened_race):
    meeting = MeetingFactory(capacity=50)
    responses = _two_hundred_for_fifty(meeting)
    assert responses == {302: 200}
    assert _statuses(meeting) == {Registration.Status.CONFIRMED: 50, Registration.Status.WAITLISTED: 150}
    assert Registration.objects.filter(meeting=meeting).values("email").distinct().count() == 200


def test_negative_control_without_the_row_lock_the_same_race_oversells(without_the_row_lock):
    meeting = MeetingFactory(capacity=50)
    _two_hundred_for_fifty(meeting)
    assert _statuses(meeting)[Registration.Status.CONFIRMED] > 50


def test_the_same_email_fifty_times_at_once_gives_one_registration(widened_race):
    # All look the e-mail up before the first commits: the unique constraint refuses the 49 other inserts,
    # and each is tried again, then finds the registration.
    meeting = MeetingFactory(capacity=50)
    jobs = [_submit(meeting, "same@example.ma", f"10.1.0.{i}") for i in range(50)]
    responses = Counter(run_at_once(jobs, workers=WORKERS))
    assert responses == {302: 1, 200: 49}  # one confirmation page, 49 "already registered" pages
    assert Registration.objects.filter(meeting=meeting).count() == 1


def test_cancellations_racing_registrations_never_exceed_capacity(widened_race):
    meeting = MeetingFactory(capacity=20, confirm_waitlist_directly=True)
    holders = RegistrationFactory.create_batch(20, meeting=meeting)
    RegistrationFactory.create_batch(10, meeting=meeting, status=Registration.Status.WAITLISTED)

    def cancel(registration_id):
        def job():
            registration_services.registration_cancel(registration_id=registration_id)
            return "cancelled"

        return job

    jobs = [cancel(holder.pk) for holder in holders]
    jobs += [_submit(meeting, f"new{i}@example.ma", f"10.2.0.{i}") for i in range(60)]
    jobs = jobs[::2] + jobs[1::2]  # interleave cancellations and registrations
    responses = Counter(run_at_once(jobs, workers=WORKERS))
    assert responses == {"cancelled": 20, 302: 60}
    statuses = _statuses(meeting)
    assert statuses[Registration.Status.CANCELLED] == 20
    # Every freed seat was refilled, and never one more than the capacity.
    assert statuses[Registration.Status.CONFIRMED] == 20
    assert sum(statuses.values()) == 90


def _cancel_through_the_link(registration):
    def job():
        url = reverse("registrations:cancel", args=[registration.public_id, registration.manage_secret])
        return Client().post(url).status_code

    return job


def test_hundreds_registering_for_the_last_seats_while_others_cancel_keep_the_seat_count_exact(widened_race):
    """200 new registrations for the last 5 seats, 40 cancellations through the personal link, all at once,
    while the seat count is read again and again: never above the capacity, exact at the end."""
    meeting = MeetingFactory(capacity=50)
    holders = RegistrationFactory.create_batch(45, meeting=meeting)
    RegistrationFactory.create_batch(20, meeting=meeting, status=Registration.Status.WAITLISTED)
    registrations = [_submit(meeting, f"last{i}@example.ma", f"10.3.{i // 250}.{i % 250}") for i in range(200)]
    cancellations = [_cancel_through_the_link(holder) for holder in holders[:40]]
    # One cancellation after every five registrations.
    jobs = [job for i, cancel in enumerate(cancellations) for job in (*registrations[i * 5 : i * 5 + 5], cancel)]
    assert len(jobs) == 240

    done, seen = threading.Event(), []

    def watch():
        try:
            while not done.is_set():
                seen.append(registration_seats_taken(meeting_id=meeting.pk))
        finally:
            connection.close()

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        responses = Counter(run_at_once(jobs, workers=WORKERS))
    finally:
        done.set()
        watcher.join(timeout=10)
    assert responses == {302: 240}  # each registration confirmed or waitlisted, each cancellation done
    assert len(seen) > 10 and max(seen) == 50

    statuses = _statuses(meeting)
    assert statuses[Registration.Status.CANCELLED] == 40
    # The 45 freed-or-free seats went to people in line (offers) or to the first newcomers: exactly 50 held.
    held = statuses[Registration.Status.CONFIRMED] + statuses[Registration.Status.OFFERED]
    assert held == registration_seats_taken(meeting_id=meeting.pk) == 50
    assert sum(statuses.values()) == 45 + 20 + 200
    # Nobody waits while a seat is free, and the line is served in order.
    waiting = Registration.objects.filter(meeting=meeting, status=Registration.Status.WAITLISTED)
    offered = Registration.objects.filter(meeting=meeting, status=Registration.Status.OFFERED)
    assert waiting.count() == 265 - 40 - 50
    assert max(offered.values_list("created_at", flat=True)) < min(waiting.values_list("created_at", flat=True))


# Attendance modes: each its own capacity and waiting list, under the same meeting lock.


def _submit_in(meeting, email, address, mode):
    def job():
        data = {**registration_form_data(email=email), "mode": mode}
        return (
            Client(REMOTE_ADDR=address).post(reverse("registrations:register", args=[meeting.slug]), data).status_code
        )

    return job


def _statuses_by_mode(meeting):
    return Counter(Registration.objects.filter(meeting=meeting).values_list("mode", "status"))


def test_the_last_seats_in_person_and_online_taken_at_once_never_exceed_either_capacity(widened_race):
    """120 people for the last 3 seats in the room and the last 4 online, all at once."""
    meeting = MeetingFactory(capacity=20, offers_online=True, online_capacity=10)
    RegistrationFactory.create_batch(17, meeting=meeting)
    RegistrationFactory.create_batch(6, meeting=meeting, mode=AttendanceMode.ONLINE)
    jobs = [_submit_in(meeting, f"mode{i}@example.ma", f"10.4.0.{i}", AttendanceMode.values[i % 2]) for i in range(120)]
    assert Counter(run_at_once(jobs, workers=WORKERS)) == {302: 120}
    seats = registration_seats_taken_by_mode(meeting_id=meeting.pk)
    assert seats == {"seats_taken": 20, "online_seats_taken": 10}
    assert _statuses_by_mode(meeting) == {
        (AttendanceMode.IN_PERSON, Registration.Status.CONFIRMED): 20,
        (AttendanceMode.IN_PERSON, Registration.Status.WAITLISTED): 57,
        (AttendanceMode.ONLINE, Registration.Status.CONFIRMED): 10,
        (AttendanceMode.ONLINE, Registration.Status.WAITLISTED): 56,
    }


def test_negative_control_without_the_row_lock_the_online_seats_are_oversold(without_the_row_lock):
    meeting = MeetingFactory(capacity=5, offers_online=True, online_capacity=10)
    jobs = [_submit_in(meeting, f"raw{i}@example.ma", f"10.5.0.{i}", AttendanceMode.ONLINE) for i in range(80)]
    run_at_once(jobs, workers=WORKERS)
    assert registration_seats_taken_by_mode(meeting_id=meeting.pk)["online_seats_taken"] > 10


def _switch(registration, mode):
    def job():
        url = reverse("registrations:switch_mode", args=[registration.public_id, registration.manage_secret])
        return Client().post(url, {"mode": mode}).status_code

    return job


def test_switching_modes_under_load_keeps_each_capacity_exact(widened_race):
    """Both modes full but for 5 seats each; 30 people switch each way while 60 newcomers register and
    10 people cancel, all at once: each capacity is held exactly, never passed, and each switch either
    got a seat or was refused with the person keeping theirs."""
    meeting = MeetingFactory(capacity=30, offers_online=True, online_capacity=30, confirm_waitlist_directly=True)
    in_person = RegistrationFactory.create_batch(25, meeting=meeting)
    online = RegistrationFactory.create_batch(25, meeting=meeting, mode=AttendanceMode.ONLINE)
    RegistrationFactory.create_batch(5, meeting=meeting, status=Registration.Status.WAITLISTED)
    switches = [_switch(r, AttendanceMode.ONLINE) for r in in_person[:15]]
    switches += [_switch(r, AttendanceMode.IN_PERSON) for r in online[:15]]
    cancellations = [_cancel_through_the_link(r) for r in in_person[20:] + online[20:]]
    newcomers = [
        _submit_in(meeting, f"load{i}@example.ma", f"10.6.0.{i}", AttendanceMode.values[i % 2]) for i in range(60)
    ]
    jobs = [job for group in zip(switches, newcomers[:30], newcomers[30:], strict=True) for job in group]
    jobs += cancellations
    responses = Counter(run_at_once(jobs, workers=WORKERS))
    assert responses[302] + responses[409] == 100 and set(responses) <= {302, 409}

    assert registration_seats_taken_by_mode(meeting_id=meeting.pk) == {"seats_taken": 30, "online_seats_taken": 30}
    statuses = _statuses_by_mode(meeting)
    assert statuses[(AttendanceMode.IN_PERSON, Registration.Status.CONFIRMED)] == 30
    assert statuses[(AttendanceMode.ONLINE, Registration.Status.CONFIRMED)] == 30
    assert sum(statuses.values()) == 25 + 25 + 5 + 60
    # Nobody is moved twice or lost: the switchers are each confirmed in one mode or the other.
    switchers = Registration.objects.filter(pk__in=[r.pk for r in in_person[:15] + online[:15]])
    assert set(switchers.values_list("status", flat=True)) == {Registration.Status.CONFIRMED}
