from copy import copy
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from modeltranslation.utils import build_localized_fieldname, get_translation_fields

from core.events import event_record
from core.text import local_day, local_moment
from core.versioning import refuse_if_changed
from meetings.models import AgendaItem, AttendanceMode, Meeting, Registration, Tour
from meetings.selectors.registration import registration_seats_taken
from meetings.services import campaigns, delegation, notifications
from meetings.services.registration import waitlist_fill
from regions.models import Region

# Fields an attendee's calendar shows: changing one must bump the RFC 5545 SEQUENCE. The texts count in each
# language (an attendee's calendar is in their language: meetings/translation.py).
TRANSLATED_CALENDAR_FIELDS = ("title", "venue_name", "address", "city", "description")
CALENDAR_FIELDS = (
    *get_translation_fields(*TRANSLATED_CALENDAR_FIELDS),
    "status",
    "starts_at",
    "ends_at",
    "online_url",
    "latitude",
    "longitude",
)


def meeting_validate_schedule(
    *,
    tour: Tour,
    starts_at: datetime,
    ends_at: datetime,
    registration_opens_at: datetime | None = None,
    registration_closes_at: datetime | None = None,
    exclude_pk: int | None = None,
) -> None:
    """Raise ValidationError (by field) unless the dates are coherent and the delegation is free then.

    Every meeting of the tour that is not cancelled holds the delegation, drafts included:
    a draft is a plan, and two plans for the same hours cannot both be kept.
    """
    errors: dict[str, list[str]] = {}
    if ends_at <= starts_at:
        errors.setdefault("ends_at", []).append(_("La fin doit être postérieure au début de la rencontre."))
    if registration_closes_at and registration_closes_at > starts_at:
        errors.setdefault("registration_closes_at", []).append(
            _("Les inscriptions doivent fermer au plus tard au début de la rencontre.")
        )
    if registration_opens_at and registration_closes_at and registration_opens_at >= registration_closes_at:
        errors.setdefault("registration_opens_at", []).append(_("Les inscriptions doivent ouvrir avant leur clôture."))
    local_start, local_end = timezone.localdate(starts_at), timezone.localdate(ends_at)
    if local_start < tour.starts_on or local_end > tour.ends_on:
        errors.setdefault("starts_at", []).append(
            _("La rencontre doit se tenir pendant la tournée « %(tour)s », du %(start)s au %(end)s.")
            % {
                "tour": tour,
                "start": local_day(tour.starts_on),
                "end": local_day(tour.ends_on),
            }
        )
    if ends_at > starts_at:
        overlapping = (
            tour.meetings.exclude(status=Meeting.Status.CANCELLED)
            .exclude(pk=exclude_pk)
            .filter(starts_at__lt=ends_at, ends_at__gt=starts_at)
            .select_related("region")
            .order_by("starts_at")
        )
        for other in overlapping:
            errors.setdefault("starts_at", []).append(
                _(
                    "La délégation est déjà attendue à « %(meeting)s » (%(region)s) du %(start)s au %(end)s : "
                    "deux rencontres d'une même tournée ne peuvent pas se chevaucher."
                )
                % {
                    "meeting": other,
                    "region": other.region,
                    "start": local_moment(other.starts_at),
                    "end": local_moment(other.ends_at),
                }
            )
    if errors:
        raise ValidationError(errors)


def meeting_validate_capacity(
    *, meeting: Meeting, capacity: int, online_capacity: int | None = None, modes: list[str] | None = None
) -> None:
    """Refuse a capacity of a mode below the seats already given to registrants in that mode, and a mode
    no longer offered while registrations in it are active (cancel or move them first)."""
    if meeting.pk is None:
        return
    errors = {}
    if modes is not None:
        dropped_with_registrations = set(
            Registration.objects.filter(
                meeting_id=meeting.pk,
                status__in=Registration.ACTIVE_STATUSES,
                mode__in=set(AttendanceMode) - set(modes),
            ).values_list("mode", flat=True)
        )
        if dropped_with_registrations:
            # The admin form's choice of modes ("attendance"), which sets offers_in_person and offers_online.
            errors["attendance"] = [
                _("Des inscriptions « %(mode)s » sont actives : annulez-les avant de retirer cette participation.")
                % {"mode": AttendanceMode(mode).label}
                for mode in sorted(dropped_with_registrations)
            ]
    online_taken = registration_seats_taken(meeting_id=meeting.pk, mode=AttendanceMode.ONLINE)
    if online_capacity is not None and online_capacity < online_taken:
        errors["online_capacity"] = ngettext(
            "%(taken)d place en ligne est déjà attribuée : la capacité en ligne ne peut pas descendre sous %(taken)d.",
            "%(taken)d places en ligne sont déjà attribuées : "
            "la capacité en ligne ne peut pas descendre sous %(taken)d.",
            online_taken,
        ) % {"taken": online_taken}
    if errors:
        raise ValidationError(errors)
    taken = registration_seats_taken(meeting_id=meeting.pk)
    if capacity < taken:
        raise ValidationError(
            {
                "capacity": ngettext(
                    "%(taken)d place est déjà attribuée : la capacité ne peut pas descendre sous %(taken)d. "
                    "Annulez d'abord des inscriptions si la salle est plus petite.",
                    "%(taken)d places sont déjà attribuées : la capacité ne peut pas descendre sous %(taken)d. "
                    "Annulez d'abord des inscriptions si la salle est plus petite.",
                    taken,
                )
                % {"taken": taken}
            }
        )


def tour_validate_period(*, tour: Tour, starts_on: date, ends_on: date) -> None:
    """Refuse tour dates that would leave one of its (not cancelled) meetings outside the tour."""
    if tour.pk is None:
        return
    outside = [
        meeting
        for meeting in tour.meetings.exclude(status=Meeting.Status.CANCELLED).order_by("starts_at")
        if timezone.localdate(meeting.starts_at) < starts_on or timezone.localdate(meeting.ends_at) > ends_on
    ]
    if outside:
        names = ", ".join(
            _("« %(meeting)s » (%(start)s)") % {"meeting": meeting, "start": local_moment(meeting.starts_at)}
            for meeting in outside
        )
        raise ValidationError(
            ngettext(
                "Cette rencontre sortirait de la période de la tournée : %(names)s.",
                "Ces rencontres sortiraient de la période de la tournée : %(names)s.",
                len(outside),
            )
            % {"names": names}
        )


def _lock(meeting: Meeting) -> Meeting:
    # The registration service locks this row before giving a seat, so holding it
    # makes capacity and status checks safe against concurrent registrations.
    return Meeting.objects.select_for_update().select_related("tour", "region").get(pk=meeting.pk)


def _lock_tour(tour_id: int) -> Tour:
    # Two staff members scheduling the same tour at once must not both pass the overlap check.
    return Tour.objects.select_for_update().get(pk=tour_id)


def _validate_schedule_of(meeting: Meeting) -> None:
    meeting_validate_schedule(
        tour=_lock_tour(meeting.tour_id),
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        registration_opens_at=meeting.registration_opens_at,
        registration_closes_at=meeting.registration_closes_at,
        exclude_pk=meeting.pk,
    )


def _save(meeting: Meeting, *, previous: Meeting | None) -> Meeting:
    if previous is not None and any(getattr(meeting, f) != getattr(previous, f) for f in CALENDAR_FIELDS):
        meeting.sequence = previous.sequence + 1
    meeting.full_clean()
    meeting.save()
    return meeting


def _seats_added(previous: Meeting, saved: Meeting) -> bool:
    """Whether a mode got more seats (or no limit) than it had: the people waiting in it may be given one."""
    return saved.capacity > previous.capacity or (
        saved.online_capacity != previous.online_capacity
        and (saved.online_capacity is None or (previous.online_capacity or 0) < saved.online_capacity)
    )


@transaction.atomic
def meeting_save(*, meeting: Meeting, seen_version: str = "") -> Meeting:
    """Create or update a meeting from the admin form, enforcing the schedule and capacity rules.

    New times are refused when a member of the meeting's delegation is expected elsewhere then.

    Seats added to a full meeting go to the waiting list at once. With `seen_version` (what the
    form was opened on, core.versioning), an edit of a meeting changed since — published by an
    action, say — is refused with what changed, rather than saved over it.
    """
    previous = _lock(meeting) if meeting.pk else None
    if previous is not None:
        refuse_if_changed(previous, seen_version)
    _validate_schedule_of(meeting)
    if previous is not None and (meeting.starts_at, meeting.ends_at) != (previous.starts_at, previous.ends_at):
        delegation.delegation_check_schedule(meeting=meeting)
    meeting_validate_capacity(
        meeting=meeting, capacity=meeting.capacity, online_capacity=meeting.online_capacity, modes=meeting.modes
    )
    saved = _save(meeting, previous=previous)
    if previous is not None and _seats_added(previous, saved):
        waitlist_fill(meeting=saved)
    return saved


# Why a transition is refused, per action: "%(meeting)s" and "%(status)s" (lower case) are filled in.
REFUSED_PUBLISH = gettext_lazy("« %(meeting)s » est %(status)s : impossible de la publier.")
REFUSED_POSTPONE = gettext_lazy("« %(meeting)s » est %(status)s : impossible de la reporter.")
REFUSED_CANCEL = gettext_lazy("« %(meeting)s » est %(status)s : impossible de l’annuler.")
REFUSED_MARK_HELD = gettext_lazy("« %(meeting)s » est %(status)s : impossible de la marquer comme tenue.")


def _transition(meeting: Meeting, *, allowed: tuple[str, ...], refused: Promise) -> Meeting:
    locked = _lock(meeting)
    if locked.status not in allowed:
        raise ValidationError(refused % {"meeting": locked, "status": locked.get_status_display().lower()})
    return locked


def _refresh_caller(meeting: Meeting, locked: Meeting) -> Meeting:
    # The admin and tests keep using the instance they passed in.
    meeting.refresh_from_db()
    return locked


def _meeting_event(meeting: Meeting, name: str) -> None:
    payload = {
        "meeting": meeting.slug,
        "status": meeting.status,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
    }
    event_record(name=name, region_id=meeting.region_id, payload=payload)


@transaction.atomic
def meeting_publish(*, meeting: Meeting) -> Meeting:
    """Show a draft (or a postponed meeting whose new date is confirmed) to the public.

    A professionals' meeting gets the default reminders (two days before, the morning of)
    unless staff already set some.
    """
    locked = _transition(meeting, allowed=(Meeting.Status.DRAFT, Meeting.Status.POSTPONED), refused=REFUSED_PUBLISH)
    previous = copy(locked)
    _validate_schedule_of(locked)
    locked.status = Meeting.Status.PUBLISHED
    saved = _save(locked, previous=previous)
    if saved.kind == Meeting.Kind.PROFESSIONALS and not saved.reminders.exists():
        campaigns.reminders_create_defaults(meeting=saved)
    _meeting_event(saved, "meeting.published")
    return _refresh_caller(meeting, saved)


@transaction.atomic
def meeting_postpone(*, meeting: Meeting, starts_at: datetime, ends_at: datetime) -> Meeting:
    """Move a published meeting to new dates and tell its registrants.

    The registration window moves by the same amount, so it keeps closing as long
    before the start as it did; reminders already sent for the old date are due again
    for the new one.
    """
    locked = _transition(
        meeting, allowed=(Meeting.Status.PUBLISHED, Meeting.Status.POSTPONED), refused=REFUSED_POSTPONE
    )
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("La nouvelle date doit être dans le futur.")})
    shift = starts_at - locked.starts_at
    previous = copy(locked)
    locked.starts_at, locked.ends_at = starts_at, ends_at
    if locked.registration_opens_at:
        locked.registration_opens_at += shift
    if locked.registration_closes_at:
        locked.registration_closes_at += shift
    _validate_schedule_of(locked)
    delegation.delegation_check_schedule(meeting=locked)
    locked.status = Meeting.Status.POSTPONED
    _save(locked, previous=previous)
    notifications.notify_meeting_postponed(meeting=locked)
    campaigns.reminders_rearm(meeting=locked)
    _meeting_event(locked, "meeting.postponed")
    return _refresh_caller(meeting, locked)


@transaction.atomic
def meeting_cancel(*, meeting: Meeting) -> Meeting:
    """Cancel a published or postponed meeting and tell its registrants (their seats stay on record)."""
    locked = _transition(meeting, allowed=(Meeting.Status.PUBLISHED, Meeting.Status.POSTPONED), refused=REFUSED_CANCEL)
    previous = copy(locked)
    locked.status = Meeting.Status.CANCELLED
    _save(locked, previous=previous)
    notifications.notify_meeting_cancelled(meeting=locked)
    _meeting_event(locked, "meeting.cancelled")
    return _refresh_caller(meeting, locked)


@transaction.atomic
def meeting_mark_held(*, meeting: Meeting) -> Meeting:
    """Record that a published meeting took place."""
    locked = _transition(meeting, allowed=(Meeting.Status.PUBLISHED,), refused=REFUSED_MARK_HELD)
    if locked.starts_at > timezone.now():
        raise ValidationError(
            _("« %(meeting)s » n'a pas encore commencé : elle ne peut pas être marquée comme tenue.")
            % {"meeting": locked}
        )
    previous = copy(locked)
    locked.status = Meeting.Status.HELD
    return _refresh_caller(meeting, _save(locked, previous=previous))


def _unique_slug(base: str) -> str:
    base = slugify(base)[:110].strip("-")
    slug, n = base, 2
    while Meeting.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def meeting_duplicate(*, meeting: Meeting, region: Region, starts_at: datetime) -> Meeting:
    """A draft copy of `meeting` (venue, capacity, window, agenda) for `region`, starting at `starts_at`.

    The source region's name and seat city are replaced by the new region's in the
    title, venue and address, so the copy is a template to review, not a clone.
    """
    source = Meeting.objects.select_related("region", "tour").get(pk=meeting.pk)
    shift = starts_at - source.starts_at
    old_region = source.region

    def adapted(field: str) -> dict[str, str | None]:
        # Each language's text, with the region's name and seat city of that language replaced.
        values = {}
        for name in get_translation_fields(field):
            text = getattr(source, name)
            for part in ("name", "seat_city"):
                language = name.rsplit("_", 1)[1]
                old, new = (getattr(r, build_localized_fieldname(part, language)) for r in (old_region, region))
                if text and old and new:
                    text = text.replace(old, new)
            values[name] = text
        return values

    copy = Meeting(
        tour=source.tour,
        region=region,
        kind=source.kind,
        **adapted("title"),
        slug=_unique_slug(f"{source.tour.slug}-{region.slug}-{source.kind}"),
        status=Meeting.Status.DRAFT,
        starts_at=starts_at,
        ends_at=source.ends_at + shift,
        **adapted("venue_name"),
        **adapted("address"),
        **{name: getattr(region, name.replace("city", "seat_city", 1)) for name in get_translation_fields("city")},
        online_url=source.online_url,
        offers_in_person=source.offers_in_person,
        offers_online=source.offers_online,
        online_capacity=source.online_capacity,
        capacity=source.capacity,
        registration_opens_at=source.registration_opens_at and source.registration_opens_at + shift,
        registration_closes_at=source.registration_closes_at and source.registration_closes_at + shift,
        **{name: getattr(source, name) for name in get_translation_fields("description")},
        waitlist_offer_hours=source.waitlist_offer_hours,
        confirm_waitlist_directly=source.confirm_waitlist_directly,
    )
    meeting_save(meeting=copy)
    AgendaItem.objects.bulk_create(
        AgendaItem(
            meeting=copy,
            position=item.position,
            starts_at=item.starts_at,
            **{name: getattr(item, name) for name in get_translation_fields("title")},
            speaker=item.speaker,
        )
        for item in source.agenda_items.all()
    )
    return copy
