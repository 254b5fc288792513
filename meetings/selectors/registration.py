"""Reads of the professionals' registration."""

import functools
import hmac
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from core.generation_watch import KeptReads
from core.page_cache import PUBLIC_SCOPE
from meetings.models import AttendanceMode, Meeting, Registration
from meetings.tokens import invitation_token_read, join_token_read
from regions.models import Contact

# Meetings read for a registration, by slug: their changes are the public pages' changes.
registration_meetings_kept = KeptReads([PUBLIC_SCOPE])


@functools.cache
def _seats_taken_sql(vendor: str) -> str:
    """Seats taken in one mode of a meeting (parameters: the meeting, the seat statuses, the mode)."""
    meta, quote = Registration._meta, connection.ops.quote_name
    return (
        f"SELECT COUNT(*) FROM {quote(meta.db_table)}"
        f" WHERE {quote(meta.get_field('meeting').column)} = %s"
        f" AND {quote(meta.get_field('status').column)} IN ({', '.join(['%s'] * len(Registration.SEAT_STATUSES))})"
        f" AND {quote(meta.get_field('mode').column)} = %s"
    )


def registration_seats_taken(*, meeting_id: int, mode: str = AttendanceMode.IN_PERSON) -> int:
    """Seats of one mode's capacity in use: confirmed, offered (held for someone) or attended.

    Every registration counts them while it holds the meeting's lock, so the statement is written
    here rather than built by the ORM on each call (README, "Performance").
    """
    with connection.cursor() as cursor:
        cursor.execute(_seats_taken_sql(connection.vendor), [meeting_id, *Registration.SEAT_STATUSES, str(mode)])
        return cursor.fetchone()[0]


def registration_seats_taken_by_mode(*, meeting_id: int) -> dict[str, int]:
    """Seats taken in each mode, in one query: the keyword arguments of Meeting.registration_state."""
    counts = dict(
        Registration.objects.filter(meeting_id=meeting_id, status__in=Registration.SEAT_STATUSES)
        .values_list("mode")
        .annotate(taken=Count("pk"))
        .order_by()
    )
    return {
        "seats_taken": counts.get(AttendanceMode.IN_PERSON, 0),
        "online_seats_taken": counts.get(AttendanceMode.ONLINE, 0),
    }


def registration_meetings() -> QuerySet[Meeting]:
    """Meetings as the public registration pages see them, with their region: a draft does not exist there."""
    return Meeting.objects.select_related("region").exclude(status=Meeting.Status.DRAFT)


def registration_meeting_get(*, meeting_id: int | None = None, slug: str = "", kept: bool = False) -> Meeting:
    """The meeting a registration is for, by id or, as the public names it, by slug (no draft then).

    Meeting.DoesNotExist when there is none. `kept`, by slug: the read is kept in this process while
    it hears of no change of the public pages (a meeting's, a tour's or a region's among them;
    core.generation_watch), and each call gets a copy of its own. A copy may have missed a change made
    a moment ago: the registration checks the meeting's version under its lock and reads it again if
    it changed, and reads it afresh before refusing.
    """
    if not slug:
        return Meeting.objects.select_related("region").get(pk=meeting_id)
    if not kept:
        return registration_meetings().get(slug=slug)
    return registration_meetings_kept.get(slug, lambda: registration_meetings().get(slug=slug))


def meeting_for_registration(*, slug: str) -> Meeting | None:
    """A meeting the public may see (drafts are not shown, not even as closed)."""
    return registration_meetings().filter(slug=slug).first()


def invited_contact(*, token: str, meeting: Meeting) -> Contact | None:
    """The contact a personal invitation link was made for, if the token is genuine and for this meeting."""
    contact_id = invitation_token_read(token=token, meeting_id=meeting.pk) if token else None
    return Contact.objects.filter(pk=contact_id).first() if contact_id is not None else None


def registration_for_link(*, public_id: uuid.UUID, secret: str, now: datetime | None = None) -> Registration | None:
    """The registration a personal link points to, or None when the link is not (or no longer) valid.

    The secret is compared in constant time. A link is revoked when its secret is replaced (a new
    link sent, the data erased) and expires with the retention period after the meeting's end,
    even before `purge_registrations` has erased the data.
    """
    registration = Registration.objects.select_related("meeting__region").filter(public_id=public_id).first()
    if registration is None or not hmac.compare_digest(registration.manage_secret.encode(), secret.encode()):
        return None
    if registration.meeting.ends_at < registration_retention_cutoff(now=now):
        return None
    return registration


def registration_for_join_link(*, token: str, now: datetime | None = None) -> Registration | None:
    """The online registration a join link was made for, while it may join: confirmed or already attended,
    online, within its retention period. None for anything else (a forged link, a cancelled or erased
    registration, one switched to in person)."""
    public_id = join_token_read(token=token)
    if public_id is None:
        return None
    registration = (
        Registration.objects.select_related("meeting")
        .filter(
            public_id=public_id,
            mode=AttendanceMode.ONLINE,
            status__in=[Registration.Status.CONFIRMED, Registration.Status.ATTENDED],
        )
        .first()
    )
    if registration is None or registration.meeting.ends_at < registration_retention_cutoff(now=now):
        return None
    return registration


def registration_retention_cutoff(*, now: datetime | None = None) -> datetime:
    """Registrations of meetings that ended before this moment are past their retention period."""
    return (now or timezone.now()) - timedelta(days=settings.REGISTRATION_RETENTION_DAYS)


def registration_waitlist_position(*, registration: Registration) -> int | None:
    """1 for the next person to get a seat; None when not on the waiting list."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        Q(created_at__lt=registration.created_at) | Q(created_at=registration.created_at, pk__lt=registration.pk),
        meeting_id=registration.meeting_id,
        status=Registration.Status.WAITLISTED,
    ).count()
    return ahead + 1


EXPORTED_FIELDS = [
    "full_name",
    "organisation",
    "job_title",
    "sector",
    "email",
    "phone",
    "city",
    "message",
    "language",
    "status",
    "mode",
    "joined_at",
    "consent_at",
    "created_at",
    "updated_at",
    "offer_expires_at",
    "cancelled_at",
    "attended_at",
]


def registration_personal_data(*, registration: Registration) -> dict:
    """Everything stored about the person for this registration (right of access, law 09-08)."""
    data = {"registration": str(registration.public_id)}
    for name in EXPORTED_FIELDS:
        value = getattr(registration, name)
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    data["meeting"] = {
        "title": registration.meeting.title,
        "starts_at": registration.meeting.starts_at.isoformat(),
        "venue": f"{registration.meeting.venue_name}, {registration.meeting.address}, {registration.meeting.city}",
        "region": registration.meeting.region.name_fr,
    }
    data["invited"] = registration.invited_contact_id is not None
    return data


def registrations_for_checkin(*, meeting: Meeting, query: str = "") -> QuerySet[Registration]:
    """People expected or already checked in at a meeting's door, optionally matching a name, organisation or
    e-mail (online registrants are counted by their join link, not at the door)."""
    registrations = Registration.objects.filter(
        meeting=meeting,
        mode=AttendanceMode.IN_PERSON,
        status__in=[Registration.Status.CONFIRMED, Registration.Status.ATTENDED],
    ).order_by("full_name", "pk")
    query = query.strip()
    if query:
        registrations = registrations.filter(
            Q(full_name__icontains=query) | Q(organisation__icontains=query) | Q(email__icontains=query)
        )
    return registrations


def meeting_registration_counts(*, meeting_ids) -> dict[int, dict[str, int]]:
    """Per meeting, how many registrations are in each status (one query)."""
    rows = (
        Registration.objects.filter(meeting_id__in=meeting_ids)
        .values("meeting_id")
        .annotate(
            **{status: Count("pk", filter=Q(status=status)) for status in Registration.Status.values},
        )
    )
    return {row.pop("meeting_id"): row for row in rows}


def meetings_with_online_counts(*, meeting_ids) -> QuerySet[Meeting]:
    """The meetings by date, each with its seats taken online (`online_seats`) and how many online registrants
    joined (`online_joined`), in one query."""
    return (
        Meeting.objects.filter(pk__in=meeting_ids)
        .annotate(
            online_seats=Count(
                "registrations",
                filter=Q(
                    registrations__mode=AttendanceMode.ONLINE, registrations__status__in=Registration.SEAT_STATUSES
                ),
            ),
            online_joined=Count("registrations", filter=Q(registrations__joined_at__isnull=False)),
        )
        .order_by("starts_at")
    )


def registration_counts_by_status() -> dict[str, int]:
    """How many registrations each status holds, across every meeting, in one query."""
    rows = Registration.objects.values("status").annotate(count=Count("pk")).order_by()
    return {row["status"]: row["count"] for row in rows}


def registrations_of_meeting(*, meeting_slug: str) -> tuple[Meeting, QuerySet[Registration]]:
    """A meeting (drafts included: staff read it) and its registrations in the order they came; Http404 for an
    unknown slug."""
    meeting = Meeting.objects.select_related("region").filter(slug=meeting_slug).first()
    if meeting is None:
        raise Http404("Rencontre introuvable.")
    return meeting, meeting.registrations.order_by("created_at", "pk")
