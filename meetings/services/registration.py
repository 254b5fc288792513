"""Writes of the professionals' registration: seats, waiting list, offers, attendance, personal data.

Every function that can change who holds a seat locks the meeting row first, then
counts, then writes, so confirmed + offered + attended never exceed the capacity,
whatever number of requests run at once. The meeting is always locked before any
registration row, and a registration before the messages sent to it (erasure), so two of
these functions can never deadlock on each other.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import ERASED_EMAIL_DOMAIN
from core.personal_data import personal_data_erase
from meetings.models import Meeting, Registration, RegistrationState, new_manage_secret
from meetings.selectors.registration import (
    registration_meetings,
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


def _meeting_locked(meeting_id: int | None = None, *, slug: str = "") -> Meeting:
    # The region comes along for the e-mails written in the same transaction; only the meeting row is locked.
    # Named by slug, as in its public address, a meeting is found as the public sees it.
    meetings = _meeting_row_lock(registration_meetings() if slug else Meeting.objects.select_related("region"))
    return meetings.get(slug=slug) if slug else meetings.get(pk=meeting_id)


def _meeting_row_lock(meetings):
    """The lock every seat change takes first: the meeting's row alone (not its region's)."""
    return meetings.select_for_update(of=("self",))


def _registration_locked(registration_id: int) -> tuple[Meeting, Registration]:
    meeting_id = Registration.objects.values_list("meeting_id", flat=True).get(pk=registration_id)
    meeting = _meeting_locked(meeting_id)
    return meeting, Registration.objects.select_for_update().get(pk=registration_id)


def _seats_free(meeting: Meeting) -> int:
    return meeting.capacity - registration_seats_taken(meeting_id=meeting.pk)


def waitlist_fill(*, meeting: Meeting, now: datetime | None = None) -> list[Registration]:
    """Give free seats to the first waitlisted people: an offer held for them, or a seat at once.

    The caller holds the meeting lock. Nobody is promoted once the meeting is no longer ahead.
    """
    now = now or timezone.now()
    if meeting.status != Meeting.Status.PUBLISHED or meeting.starts_at <= now:
        return []
    free = _seats_free(meeting)
    if free <= 0:
        return []
    promoted = list(
        Registration.objects.select_for_update()
        .filter(meeting=meeting, status=Registration.Status.WAITLISTED)
        .order_by("created_at", "pk")[:free]
    )
    for registration in promoted:
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
    invited_contact_id: int | None = None,
    now: datetime | None = None,
) -> RegistrationOutcome:
    """Register a professional: a confirmed seat while any is free, else a place on the waiting list.

    The meeting is named by id, or by slug as in its public address (the public form: one
    look-up fewer); Meeting.DoesNotExist when no published meeting has that slug.
    The same e-mail already active for the meeting gets a fresh manage link (the old one stops
    working) instead of a second registration. Raises RegistrationRefused when the meeting does
    not take registrations now.
    """
    details = {
        "full_name": full_name,
        "organisation": organisation,
        "job_title": job_title,
        "sector": sector,
        "email": email.strip().lower(),
        "phone": phone,
        "city": city,
        "message": message,
        "language": language,
        "invited_contact_id": invited_contact_id,
    }
    attempt = partial(_registration_create, meeting_id, meeting_slug, details, now=now or timezone.now())
    try:
        # Most registrations are new: no look-up for the e-mail, which the one-active-registration
        # constraint finds on its own.
        return attempt(look_up_existing=False)
    except IntegrityError:
        # The constraint refused the insert: that e-mail is registered. Under the meeting's lock, which
        # every new registration of the meeting takes before its insert, the look-up cannot miss it.
        return attempt(look_up_existing=True)


@transaction.atomic
def _registration_create(
    meeting_id: int | None, meeting_slug: str, details: dict, *, now: datetime, look_up_existing: bool
) -> RegistrationOutcome:
    locked = _meeting_locked(meeting_id, slug=meeting_slug)
    if look_up_existing:
        existing = (
            Registration.objects.select_for_update()
            .filter(meeting=locked, email=details["email"], status__in=Registration.ACTIVE_STATUSES)
            .first()
        )
        if existing is not None:
            existing.manage_secret = new_manage_secret()
            existing.save(update_fields=["manage_secret", "updated_at"])
            notifications.notify_manage_link(registration=existing)
            return RegistrationOutcome(registration=existing, created=False)

    state = locked.registration_state(seats_taken=locked.capacity - _seats_free(locked), now=now)
    if state not in (RegistrationState.OPEN, RegistrationState.WAITLIST):
        raise RegistrationRefused(state.label)
    registration = Registration.objects.create(
        meeting=locked,
        **details,
        consent_at=now,
        status=Registration.Status.CONFIRMED if state == RegistrationState.OPEN else Registration.Status.WAITLISTED,
    )
    if registration.status == Registration.Status.CONFIRMED:
        notifications.notify_registration_confirmed(registration=registration)
    else:
        notifications.notify_registration_waitlisted(registration=registration)
    return RegistrationOutcome(registration=registration, created=True)


def _cancel(meeting: Meeting, registration: Registration, *, now: datetime, notify: bool) -> None:
    if registration.status == Registration.Status.ATTENDED:
        raise RegistrationRefused(_("Une présence déjà enregistrée ne peut plus être annulée."))
    registration.status = Registration.Status.CANCELLED
    registration.cancelled_at = now
    registration.offer_expires_at = None
    registration.save(update_fields=["status", "cancelled_at", "offer_expires_at", "updated_at"])
    if notify:
        notifications.notify_registration_cancelled(registration=registration)
    waitlist_fill(meeting=meeting, now=now)


@transaction.atomic
def registration_cancel(*, registration_id: int, now: datetime | None = None) -> Registration:
    """Cancel a registration or leave the waiting list; a freed seat goes to the next waitlisted person.

    Cancelling twice is harmless.
    """
    now = now or timezone.now()
    meeting, registration = _registration_locked(registration_id)
    if registration.status != Registration.Status.CANCELLED:
        _cancel(meeting, registration, now=now, notify=True)
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
                registration.status = Registration.Status.CANCELLED
                registration.cancelled_at = now
                registration.offer_expires_at = None
                registration.save(update_fields=["status", "cancelled_at", "offer_expires_at", "updated_at"])
                notifications.notify_registration_cancelled(registration=registration)
                expired += 1
            waitlist_fill(meeting=meeting, now=now)
    return expired


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
    registration.status = Registration.Status.ATTENDED
    registration.attended_at = now
    registration.save(update_fields=["status", "attended_at", "updated_at"])
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
