"""Check-in from the staff phones: each check-in or undo applied once, whatever the network did to it.

A phone gives every action an id of its own (a UUID) when staff tap or scan, keeps it in its queue until
the server has answered, and sends it again after a lost answer or a time offline. The first arrival
applies it and stores it (`CheckIn`, unique `client_id`); every later arrival of the same id changes
nothing and gets the stored outcome back. Locks: the registration's row alone, as in
`registration_mark_attended` (a check-in or its undo keeps the seat taken); two arrivals of one id, or
two phones checking in one person, wait for each other there.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from meetings.models import CheckIn, Meeting, Registration
from meetings.services.registration import registration_attendance_set

# What a phone is told about a code or a person it cannot check in, by the registration's status.
REFUSED_STATUSES = {
    Registration.Status.CANCELLED: "cancelled",
    Registration.Status.WAITLISTED: "waitlisted",
    Registration.Status.OFFERED: "waitlisted",
}


@dataclass(frozen=True)
class CheckInResult:
    """The answer to one action of a phone: an outcome code the page words in the staff's language."""

    client_id: uuid.UUID
    # CheckIn.Outcome values, or "not_registered", "cancelled", "waitlisted" for a refusal (nothing stored).
    outcome: str
    registration: Registration | None = None
    # Checked in already, by another phone (or the admin's page): the staff are told who came first.
    conflict: bool = False


def checkin_apply(
    *,
    meeting: Meeting,
    client_id: uuid.UUID,
    registration_public_id: uuid.UUID,
    action: str,
    device: str,
    staff,
    done_at: datetime,
) -> CheckInResult:
    """Apply one check-in or undo sent by a phone, once; the same `client_id` again returns its first outcome.

    A code of another meeting or of no registration is "not_registered"; a cancelled or waitlisted
    registration is refused with its status. Both are answered, not stored: nothing changed.
    """
    try:
        return _apply(meeting, client_id, registration_public_id, action, device, staff, done_at)
    except IntegrityError:
        # The same id arrived twice at once for two different registrations (a forged or broken queue):
        # the unique constraint kept the first; this one gets what was stored.
        return _stored(CheckIn.objects.select_related("registration").get(client_id=client_id))


@transaction.atomic
def _apply(meeting, client_id, registration_public_id, action, device, staff, done_at) -> CheckInResult:
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("meeting")
        .filter(meeting=meeting, public_id=registration_public_id)
        .first()
    )
    if registration is None:
        return CheckInResult(client_id=client_id, outcome="not_registered")
    stored = CheckIn.objects.select_related("registration").filter(client_id=client_id).first()
    if stored is not None:
        return _stored(stored)
    if registration.status in REFUSED_STATUSES:
        return CheckInResult(
            client_id=client_id, outcome=REFUSED_STATUSES[registration.status], registration=registration
        )
    # A time the phone's clock puts ahead of the server's is the server's: never a check-in from the future.
    done_at = min(done_at, timezone.now())
    attended = registration.status == Registration.Status.ATTENDED
    conflict = False
    if action == CheckIn.Action.CHECK_IN:
        if attended:
            outcome = CheckIn.Outcome.ALREADY
            conflict = _checked_in_by(registration) != device
        else:
            outcome = CheckIn.Outcome.CHECKED_IN
            registration_attendance_set(registration=registration, attended_at=done_at)
    elif attended:
        outcome = CheckIn.Outcome.UNDONE
        registration_attendance_set(registration=registration, attended_at=None)
    else:
        outcome = CheckIn.Outcome.NOT_CHECKED_IN
    CheckIn.objects.create(
        client_id=client_id,
        registration=registration,
        action=action,
        outcome=outcome,
        device=device,
        staff=staff,
        done_at=done_at,
        conflict=conflict,
    )
    return CheckInResult(client_id=client_id, outcome=outcome, registration=registration, conflict=conflict)


def _checked_in_by(registration: Registration) -> str | None:
    """The phone whose check-in holds now; None when it was made elsewhere (the admin, a walk-in)."""
    return (
        registration.check_ins.filter(outcome=CheckIn.Outcome.CHECKED_IN)
        .order_by("-received_at", "-pk")
        .values_list("device", flat=True)
        .first()
    )


def _stored(check_in: CheckIn) -> CheckInResult:
    # A replay tells the phone what its action did then, and the registration as it is now.
    return CheckInResult(
        client_id=check_in.client_id,
        outcome=check_in.outcome,
        registration=check_in.registration,
        conflict=check_in.conflict,
    )
