"""Writes of the professionals' registration: seats, waiting list, offers, attendance, personal data.

Every function that can change who holds a seat locks the meeting row, then counts, then
decides, so confirmed + offered + attended never exceed the capacity of their attendance mode
(in person, online: each its own capacity and waiting list), whatever number of requests run at
once. The meeting is always locked before any registration row others can see, and a registration
before the messages sent to it (erasure), so two of these functions can never deadlock on each
other. A new registration writes its own row and e-mail first, which no other transaction sees,
then locks the meeting and counts: the lock is held for the count and the commit only
(_registration_store).
"""

import functools
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import counters
from core.events import event_record
from core.models import ERASED_EMAIL_DOMAIN
from core.page_cache import pages_changed
from core.personal_data import personal_data_erase
from meetings.models import AttendanceMode, Meeting, Registration, RegistrationState, new_manage_secret
from meetings.page_scopes import meeting_page_scope
from meetings.selectors.registration import (
    registration_meeting_get,
    registration_retention_cutoff,
    registration_seats_taken,
)
from meetings.services import notifications


class RegistrationRefused(Exception):
    """The meeting does not accept this registration or change now; `message` says why, for the person."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RegistrationOutcome:
    registration: Registration
    # False when the e-mail already held an active registration: it was sent a new manage link instead.
    created: bool


# The states in which a registration is taken, and the status it gets in each.
ACCEPTING = (RegistrationState.OPEN, RegistrationState.WAITLIST)


def _status_in(state: RegistrationState) -> str:
    return Registration.Status.CONFIRMED if state == RegistrationState.OPEN else Registration.Status.WAITLISTED


def _meeting_locked(meeting_id: int) -> Meeting:
    # The region comes along for the e-mails written in the same transaction; only the meeting row is locked.
    return _meeting_row_lock(Meeting.objects.select_related("region")).get(pk=meeting_id)


def _meeting_row_lock(meetings):
    """The lock every seat change takes first: the meeting's row alone (not its region's)."""
    return meetings.select_for_update(of=("self",))


def _registration_locked(registration_id: int) -> tuple[Meeting, Registration]:
    meeting_id = Registration.objects.values_list("meeting_id", flat=True).get(pk=registration_id)
    meeting = _meeting_locked(meeting_id)
    registration = Registration.objects.select_for_update().get(pk=registration_id)
    # Held with its registration, the meeting names the page its change renews (meetings.page_scopes).
    registration.meeting = meeting
    return meeting, registration


def _seats_free(meeting: Meeting, mode: str) -> int | None:
    """Free seats of one mode; None when it has no limit."""
    capacity = meeting.capacity_of(mode)
    if capacity is None:
        return None
    return capacity - registration_seats_taken(meeting_id=meeting.pk, mode=mode)


def _mode_state(meeting: Meeting, mode: str, *, seats_taken: int, now: datetime) -> RegistrationState:
    """The registration state of one mode, its seats counted; RegistrationRefused if the meeting does not offer it."""
    if mode not in meeting.modes:
        raise RegistrationRefused(
            _("Cette rencontre ne propose pas la participation « %(mode)s ».") % {"mode": AttendanceMode(mode).label}
        )
    # The state of one mode reads that mode's count alone.
    taken = {"seats_taken": seats_taken, "online_seats_taken": seats_taken}
    return meeting.registration_state(**taken, mode=mode, now=now)


def waitlist_fill(*, meeting: Meeting, mode: str | None = None, now: datetime | None = None) -> list[Registration]:
    """Give free seats of `mode` (every mode when None) to the first people waiting in that mode: an offer
    held for them, or a seat at once.

    The caller holds the meeting lock. Nobody is promoted once the meeting is no longer ahead.
    """
    now = now or timezone.now()
    if meeting.status != Meeting.Status.PUBLISHED or meeting.starts_at <= now:
        return []
    promoted = []
    for each_mode in [mode] if mode else AttendanceMode.values:
        promoted += _waitlist_fill_mode(meeting, each_mode, now=now)
    return promoted


def _waitlist_fill_mode(meeting: Meeting, mode: str, *, now: datetime) -> list[Registration]:
    free = _seats_free(meeting, mode)
    if free is not None and free <= 0:
        return []
    waiting = (
        Registration.objects.select_for_update()
        .filter(meeting=meeting, mode=mode, status=Registration.Status.WAITLISTED)
        .order_by("created_at", "pk")
    )
    promoted = list(waiting if free is None else waiting[:free])
    for registration in promoted:
        registration.meeting = meeting
        if meeting.confirm_waitlist_directly:
            registration.status = Registration.Status.CONFIRMED
            registration.save(update_fields=["status", "updated_at"])
            notifications.notify_registration_confirmed(registration=registration)
        else:
            registration.status = Registration.Status.OFFERED
            # Never held past the start: an offer must be answerable before the meeting.
            registration.offer_expires_at = min(now + timedelta(hours=meeting.waitlist_offer_hours), meeting.starts_at)
            registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
            notifications.notify_seat_offered(registration=registration)
    return promoted


def _time_lock_hold() -> None:
    """Count how long this transaction holds the meeting's lock (PERFORMANCE_COUNTERS, for the benchmark).

    Called as the lock is taken, before anything else asks to run on commit: this runs first after it.
    """
    if counters.counting():
        locked_at = time.perf_counter()
        transaction.on_commit(lambda: counters.count_duration("registration-lock", time.perf_counter() - locked_at))


def registration_create(
    *,
    meeting_id: int | None = None,
    meeting_slug: str = "",
    full_name: str,
    organisation: str,
    sector: str,
    email: str,
    phone: str,
    job_title: str = "",
    city: str = "",
    message: str = "",
    language: str = "fr",
    mode: str | None = None,
    invited_contact_id: int | None = None,
    now: datetime | None = None,
) -> RegistrationOutcome:
    """Register a professional in one attendance `mode`: a confirmed seat while any of that mode is free,
    else a place on that mode's waiting list.

    The meeting is named by id, or by slug as in its public address (no draft then);
    Meeting.DoesNotExist when there is none. The same e-mail already active for the meeting gets
    a fresh manage link (the old one stops working) instead of a second registration. Raises
    RegistrationRefused when the meeting does not take registrations now.

    Every registration of a meeting waits for the one before it to commit (the meeting's row lock),
    so everything that can be is done before taking the lock: the meeting is read with its seats
    as they are, the registration made with the status they predict, its e-mail rendered, both
    stored (_registration_store). Under the lock, the seats are counted again and decide; a
    prediction they prove wrong (the last seat, a meeting changed meanwhile) is set right there.
    """
    now = now or timezone.now()
    try:
        meeting, mode, state = _predicted(meeting_id, meeting_slug, mode, now=now, kept=True)
    except RegistrationRefused:
        if not meeting_slug:
            raise  # read by id: nothing kept, the read was fresh
        # A kept read may have missed the change that opened the meeting again: only a fresh read refuses.
        meeting, mode, state = _predicted(meeting_id, meeting_slug, mode, now=now, kept=False)
    registration = Registration(
        meeting=meeting,
        full_name=full_name,
        organisation=organisation,
        job_title=job_title,
        sector=sector,
        email=email.strip().lower(),
        phone=phone,
        city=city,
        message=message,
        language=language,
        invited_contact_id=invited_contact_id,
        consent_at=now,
        status=_status_in(state),
        mode=mode,
    )
    welcome = notifications.registration_welcome_render(registration=registration)
    try:
        # Most registrations are new: no look-up for the e-mail, which the one-active-registration
        # constraint finds on its own.
        return _registration_store(registration, welcome, now=now)
    except IntegrityError:
        pass
    # The constraint refused the insert: that e-mail holds an active registration of the meeting, committed
    # (the insert waited for it). It gets a fresh link; cancelled meanwhile, the insert is made again.
    relinked = _registration_relink(registration)
    return relinked or _registration_store(registration, welcome, now=now)


def _predicted(
    meeting_id: int | None, meeting_slug: str, mode: str | None, *, now: datetime, kept: bool
) -> tuple[Meeting, str, RegistrationState]:
    """The meeting, the mode and the state its seats predict for a registration, before the lock;
    RegistrationRefused when they do not accept it."""
    meeting = registration_meeting_get(meeting_id=meeting_id, slug=meeting_slug, kept=kept)
    # No choice made (a meeting offering one mode asks none): the first the meeting offers.
    mode = mode or (meeting.modes or [AttendanceMode.IN_PERSON])[0]
    # Counted apart rather than annotated on the meeting's read: the ORM takes longer to build the
    # annotation than PostgreSQL to run this statement.
    state = _mode_state(meeting, mode, seats_taken=registration_seats_taken(meeting_id=meeting.pk, mode=mode), now=now)
    if state not in ACCEPTING:
        raise RegistrationRefused(state.label)
    return meeting, mode, state


@functools.cache
def _registration_insert_sql(vendor: str) -> tuple[str, tuple[Field, ...]]:
    """The INSERT of a new registration and the fields whose values it takes, in their order. The
    timestamps are the database's clock as it runs, which orders the waiting list (on SQLite, the
    embedded portal's, the process's clock: given as values)."""
    meta, quote = Registration._meta, connection.ops.quote_name
    columns, values, valued = [], [], []
    for field in meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(quote(field.column))
        if _stamped(field) and vendor == "postgresql":
            values.append("clock_timestamp()")
            continue
        values.append("%s")
        valued.append(field)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) VALUES ({', '.join(values)})"
        f" RETURNING {quote(meta.pk.column)}, {quote('created_at')}, {quote('updated_at')}"
    )
    return sql, tuple(valued)


def _stamped(field: Field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


def _registration_insert(registration: Registration) -> None:
    """Insert a new registration by a statement written here: the ORM takes longer to build the
    statement than PostgreSQL to run it."""
    sql, fields = _registration_insert_sql(connection.vendor)
    now = timezone.now()
    params = [
        field.get_db_prep_save(now if _stamped(field) else field.pre_save(registration, add=True), connection)
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        registration.pk, registration.created_at, registration.updated_at = cursor.fetchone()
    if connection.vendor != "postgresql":
        registration.created_at = registration.updated_at = now
    registration._state.adding, registration._state.db = False, connection.alias


# The statement of _version_locked, per database connection: built by the ORM once.
_version_lock_sql: dict[str, str] = {}


def _version_locked(meeting: Meeting):
    """Lock the meeting's row; its version (`updated_at`, which every save of a meeting sets)."""
    if connection.alias not in _version_lock_sql:
        # Built in the transaction (FOR UPDATE needs one) but before it runs: nothing is locked yet.
        sql, _params = _meeting_row_lock(Meeting.objects.filter(pk=0)).values_list("updated_at").query.sql_with_params()
        _version_lock_sql[connection.alias] = sql
    with connection.cursor() as cursor:
        cursor.execute(_version_lock_sql[connection.alias], [meeting.pk])
        row = cursor.fetchone()
    if row is None:
        raise Meeting.DoesNotExist
    return row[0]


@transaction.atomic
def _registration_store(registration: Registration, welcome, *, now: datetime) -> RegistrationOutcome:
    """Store the registration and its e-mail as predicted, then lock the meeting, count its seats and
    decide: the lock is held for the count and the commit, not for the writes.

    The new row is seen by no other transaction before the commit, and its reference to the meeting is
    checked at the commit (Django's foreign keys are deferred), under the lock: the meeting is still
    the first row locked. The waiting list follows the order of the inserts, the database's clock as
    each runs; the seats, the order of the lock. A prediction the count proves wrong (the last seat, a
    meeting changed meanwhile) is set right under the lock, its e-mail rendered again. The registration
    is stored by a statement written here (_registration_insert): no model signal is sent for it, and the meeting's
    cached page is renewed below.
    """
    _registration_insert(registration)
    notifications.registration_welcome_store(registration=registration, message=welcome)
    meeting = registration.meeting
    # The row's version only: the meeting was read before, and is read again only if it changed since.
    version = _version_locked(meeting)
    _time_lock_hold()
    changed = version != meeting.updated_at
    if changed:
        meeting = registration.meeting = Meeting.objects.select_related("region").get(pk=meeting.pk)
    mode = registration.mode
    # Its own row is counted if it was stored holding a seat.
    seats_taken = registration_seats_taken(meeting_id=meeting.pk, mode=mode)
    seats_taken -= registration.status in Registration.SEAT_STATUSES
    state = _mode_state(meeting, mode, seats_taken=seats_taken, now=now)
    if state not in ACCEPTING:
        raise RegistrationRefused(state.label)
    if changed or registration.status != _status_in(state):
        registration.status = _status_in(state)
        registration.save(update_fields=["status", "updated_at"])
        notifications.registration_welcome_replace(registration=registration, stored=welcome)
    pages_changed(meeting_page_scope(meeting.slug))
    _registration_event(registration, "registration.created")
    return RegistrationOutcome(registration=registration, created=True)


@transaction.atomic
def _registration_relink(registration: Registration) -> RegistrationOutcome | None:
    """A fresh manage link for the active registration of this e-mail at the meeting, if it has one."""
    meeting = _meeting_locked(registration.meeting_id)
    existing = (
        Registration.objects.select_for_update()
        .filter(meeting=meeting, email=registration.email, status__in=Registration.ACTIVE_STATUSES)
        .first()
    )
    if existing is None:
        return None
    existing.meeting = meeting
    existing.manage_secret = new_manage_secret()
    existing.save(update_fields=["manage_secret", "updated_at"])
    notifications.notify_manage_link(registration=existing)
    return RegistrationOutcome(registration=existing, created=False)


def _registration_event(registration: Registration, name: str) -> None:
    # Who and what status, not the person's details: a partner reads those from the API, in the export log.
    payload = {
        "meeting": registration.meeting.slug,
        "registration": str(registration.public_id),
        "status": registration.status,
        "mode": registration.mode,
    }
    event_record(name=name, region_id=registration.meeting.region_id, payload=payload)


def _cancel(meeting: Meeting, registration: Registration, *, now: datetime, notify: bool) -> None:
    if registration.status == Registration.Status.ATTENDED:
        raise RegistrationRefused(_("Une présence déjà enregistrée ne peut plus être annulée."))
    registration.status = Registration.Status.CANCELLED
    registration.cancelled_at = now
    registration.offer_expires_at = None
    registration.save(update_fields=["status", "cancelled_at", "offer_expires_at", "updated_at"])
    if notify:
        notifications.notify_registration_cancelled(registration=registration)
    waitlist_fill(meeting=meeting, mode=registration.mode, now=now)


@transaction.atomic
def registration_cancel(*, registration_id: int, now: datetime | None = None) -> Registration:
    """Cancel a registration or leave the waiting list; a freed seat goes to the next waitlisted person.

    Cancelling twice is harmless.
    """
    now = now or timezone.now()
    meeting, registration = _registration_locked(registration_id)
    if registration.status != Registration.Status.CANCELLED:
        _cancel(meeting, registration, now=now, notify=True)
        _registration_event(registration, "registration.cancelled")
    return registration


@transaction.atomic
def registration_offer_accept(*, registration_id: int, now: datetime | None = None) -> Registration:
    """Take the seat held for a waitlisted person, while the offer is valid.

    An offer found expired is ended here (status cancelled, seat passed on) rather than refused
    with an exception, so that change is kept; the caller tells the person from the status.
    """
    now = now or timezone.now()
    meeting, registration = _registration_locked(registration_id)
    if registration.status == Registration.Status.CONFIRMED:
        return registration
    if registration.status != Registration.Status.OFFERED:
        raise RegistrationRefused(_("Aucune place ne vous est proposée pour cette inscription."))
    if registration.offer_expires_at <= now:
        _cancel(meeting, registration, now=now, notify=True)
        return registration
    registration.status = Registration.Status.CONFIRMED
    registration.offer_expires_at = None
    registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
    notifications.notify_registration_confirmed(registration=registration)
    return registration


@transaction.atomic
def registration_offer_decline(*, registration_id: int, now: datetime | None = None) -> Registration:
    """Turn down a held seat: the registration ends and the next waitlisted person gets the offer."""
    now = now or timezone.now()
    meeting, registration = _registration_locked(registration_id)
    if registration.status == Registration.Status.CANCELLED:
        return registration
    if registration.status != Registration.Status.OFFERED:
        raise RegistrationRefused(_("Aucune place ne vous est proposée pour cette inscription."))
    _cancel(meeting, registration, now=now, notify=True)
    return registration


def registration_offers_expire(*, now: datetime | None = None) -> int:
    """End every seat offer past its deadline and pass the seat on; returns how many expired.

    One transaction per meeting, so a busy meeting does not hold the others' locks.
    """
    now = now or timezone.now()
    meeting_ids = set(
        Registration.objects.filter(status=Registration.Status.OFFERED, offer_expires_at__lte=now).values_list(
            "meeting_id", flat=True
        )
    )
    expired = 0
    for meeting_id in sorted(meeting_ids):
        with transaction.atomic():
            meeting = _meeting_locked(meeting_id)
            offers = Registration.objects.select_for_update().filter(
                meeting=meeting, status=Registration.Status.OFFERED, offer_expires_at__lte=now
            )
            for registration in offers:
                registration.meeting = meeting
                registration.status = Registration.Status.CANCELLED
                registration.cancelled_at = now
                registration.offer_expires_at = None
                registration.save(update_fields=["status", "cancelled_at", "offer_expires_at", "updated_at"])
                notifications.notify_registration_cancelled(registration=registration)
                expired += 1
            waitlist_fill(meeting=meeting, now=now)
    return expired


# Who may change mode: a person holding, offered or waiting for a seat (attended is over).
SWITCHABLE_STATUSES = (Registration.Status.CONFIRMED, Registration.Status.OFFERED, Registration.Status.WAITLISTED)


@transaction.atomic
def registration_mode_switch(*, registration_id: int, mode: str, now: datetime | None = None) -> Registration:
    """Move a registration to the other attendance mode, onto a seat free there now (confirmed at once).

    Under the meeting's lock like every seat change: refused (RegistrationRefused, saying why) when the
    meeting does not offer that mode, takes no registration now, or has no free seat in it, so the person
    keeps what they had. The seat or the place in the queue left behind goes to the next person waiting
    in the old mode. Switching to the mode one is in changes nothing.
    """
    now = now or timezone.now()
    meeting, registration = _registration_locked(registration_id)
    if registration.mode == mode:
        return registration
    if registration.status not in SWITCHABLE_STATUSES:
        raise RegistrationRefused(
            _("Une inscription au statut « %(status)s » ne peut plus changer de participation.")
            % {"status": registration.get_status_display()}
        )
    state = _mode_state(meeting, mode, seats_taken=registration_seats_taken(meeting_id=meeting.pk, mode=mode), now=now)
    if state == RegistrationState.WAITLIST:
        raise RegistrationRefused(
            _("Aucune place n'est libre en ce moment pour la participation « %(mode)s » : vous gardez la vôtre.")
            % {"mode": AttendanceMode(mode).label}
        )
    if state != RegistrationState.OPEN:
        raise RegistrationRefused(state.label)
    left = registration.mode
    registration.mode = mode
    registration.status = Registration.Status.CONFIRMED
    registration.offer_expires_at = None
    registration.save(update_fields=["mode", "status", "offer_expires_at", "updated_at"])
    notifications.notify_mode_switched(registration=registration, now=now)
    waitlist_fill(meeting=meeting, mode=left, now=now)
    pages_changed(meeting_page_scope(meeting.slug))
    return registration


# Who may join online: a confirmed registrant, or one who joined already (back after a dropped connection).
JOINING_STATUSES = (Registration.Status.CONFIRMED, Registration.Status.ATTENDED)


class JoinNotOpen(Exception):
    """The join link is followed before the video meeting opens, or after it ended; `opens_at` says when."""

    def __init__(self, opens_at: datetime, *, ended: bool = False):
        super().__init__(opens_at)
        self.opens_at, self.ended = opens_at, ended


@transaction.atomic
def registration_join(*, registration_id: int, now: datetime | None = None) -> str:
    """An online registrant joins: the first time is recorded, and they count as attended. Returns the
    video meeting's address to forward them to.

    Raises JoinNotOpen before Meeting.join_opens_at and after the end, RegistrationRefused when staff have
    not given the address yet. Joining takes no seat (an online registrant already holds one): the
    registration's lock is enough, as for a check-in.
    """
    now = now or timezone.now()
    registration = Registration.objects.select_for_update().select_related("meeting").get(pk=registration_id)
    meeting = registration.meeting
    if registration.mode != AttendanceMode.ONLINE or registration.status not in JOINING_STATUSES:
        raise RegistrationRefused(_("Cette inscription ne donne pas accès à la rencontre en ligne."))
    if now < meeting.join_opens_at():
        raise JoinNotOpen(meeting.join_opens_at())
    if now >= meeting.ends_at:
        raise JoinNotOpen(meeting.join_opens_at(), ended=True)
    if not meeting.online_url:
        raise RegistrationRefused(
            _("Le lien de la visioconférence n'est pas encore disponible. Réessayez dans un instant.")
        )
    if registration.joined_at is None:
        registration.joined_at = now
        registration.save(update_fields=["joined_at", "updated_at"])
    if registration.status == Registration.Status.CONFIRMED:
        registration_attendance_set(registration=registration, attended_at=now)
    return meeting.online_url


@transaction.atomic
def registration_update_contact(
    *, registration_id: int, full_name: str, organisation: str, job_title: str, phone: str, city: str
) -> Registration:
    """Correct the person's contact details (right of rectification). The e-mail is the identity: not changed here."""
    registration = Registration.objects.select_for_update().get(pk=registration_id)
    if registration.status == Registration.Status.CANCELLED:
        raise RegistrationRefused(_("Cette inscription est annulée."))
    registration.full_name = full_name
    registration.organisation = organisation
    registration.job_title = job_title
    registration.phone = phone
    registration.city = city
    registration.save(update_fields=["full_name", "organisation", "job_title", "phone", "city", "updated_at"])
    return registration


@transaction.atomic
def registration_mark_attended(*, registration_id: int, now: datetime | None = None) -> Registration:
    """Check a confirmed person in on the day; checking in twice keeps the first time."""
    now = now or timezone.now()
    registration = Registration.objects.select_for_update().get(pk=registration_id)
    if registration.status == Registration.Status.ATTENDED:
        return registration
    if registration.status != Registration.Status.CONFIRMED:
        raise RegistrationRefused(
            _("Seule une inscription confirmée peut être pointée (statut : %(status)s).")
            % {"status": registration.get_status_display()}
        )
    registration_attendance_set(registration=registration, attended_at=now)
    return registration


def registration_attendance_set(*, registration: Registration, attended_at: datetime | None) -> None:
    """Check a confirmed person in (a time) or undo it (None); the caller holds the registration's lock.

    The seat stays taken either way (confirmed and attended both hold one): no meeting lock is needed.
    """
    registration.status = Registration.Status.ATTENDED if attended_at else Registration.Status.CONFIRMED
    registration.attended_at = attended_at
    registration.save(update_fields=["status", "attended_at", "updated_at"])


# Meetings whose door may be open: a walk-in is refused at a cancelled, postponed or draft meeting.
WALK_IN_STATUSES = (Meeting.Status.PUBLISHED, Meeting.Status.HELD)


@transaction.atomic
def registration_walk_in(
    *,
    meeting_id: int,
    full_name: str,
    organisation: str,
    sector: str,
    email: str,
    phone: str,
    now: datetime | None = None,
) -> Registration:
    """Register someone at the door on the day: checked in at once, counted apart as a walk-in.

    Under the meeting's lock, like every seat change: a walk-in takes a seat of the capacity, so it is
    refused when the hall is full (the people registered ahead keep theirs), and an e-mail already
    registered for the meeting is refused (the person is in the list: check them in there).
    No e-mail is sent: the person is in the room. Raises RegistrationRefused with the reason.
    """
    now = now or timezone.now()
    meeting = _meeting_locked(meeting_id)
    if meeting.status not in WALK_IN_STATUSES:
        raise RegistrationRefused(
            _("Cette rencontre n'accueille personne (statut : %(status)s).") % {"status": meeting.get_status_display()}
        )
    email = email.strip().lower()
    if (
        email
        and Registration.objects.filter(meeting=meeting, email=email, status__in=Registration.ACTIVE_STATUSES).exists()
    ):
        raise RegistrationRefused(_("Cette adresse est déjà inscrite : cherchez la personne dans la liste."))
    if _seats_free(meeting, AttendanceMode.IN_PERSON) <= 0:
        raise RegistrationRefused(_("La salle est complète : toutes les places de la capacité sont prises."))
    registration = Registration.objects.create(
        meeting=meeting,
        full_name=full_name,
        organisation=organisation,
        sector=sector,
        email=email,
        phone=phone,
        consent_at=now,
        status=Registration.Status.ATTENDED,
        attended_at=now,
        walk_in=True,
    )
    return registration


@transaction.atomic
def registration_erase(*, registration_id: int, now: datetime | None = None) -> Registration:
    """Delete the person's data at their request (law 09-08): cancel if still active, then blank every personal field.

    The row stays, anonymous, so seat and attendance counts remain right; the manage link stops working.
    """
    now = now or timezone.now()
    meeting, registration = _registration_locked(registration_id)
    if registration.status not in (Registration.Status.CANCELLED, Registration.Status.ATTENDED):
        # No cancellation e-mail: it would keep a copy of the data the person asked us to delete.
        _cancel(meeting, registration, now=now, notify=False)
    personal_data_erase(registration_ids=[registration.pk])
    registration.refresh_from_db()
    return registration


def registrations_purge_expired(*, now: datetime | None = None) -> int:
    """Erase the registrations of meetings that ended longer ago than REGISTRATION_RETENTION_DAYS (law 09-08).

    Personal data is blanked as on the person's own request, and the messages sent to them
    with it; status and dates stay, so attendance figures remain. Safe to run again: erased
    rows are left alone. One transaction per meeting. Returns how many registrations were erased.
    """
    now = now or timezone.now()
    cutoff = registration_retention_cutoff(now=now)
    meeting_ids = (
        Registration.objects.filter(meeting__ends_at__lt=cutoff)
        .exclude(email__endswith=ERASED_EMAIL_DOMAIN)
        .values_list("meeting_id", flat=True)
        .distinct()
    )
    erased = 0
    for meeting_id in sorted(set(meeting_ids)):
        with transaction.atomic():
            registration_ids = list(
                Registration.objects.select_for_update()
                .filter(meeting_id=meeting_id)
                .exclude(email__endswith=ERASED_EMAIL_DOMAIN)
                .values_list("pk", flat=True)
            )
            personal_data_erase(registration_ids=registration_ids)
            erased += len(registration_ids)
    return erased
