"""The delegation of a meeting: who attends for ONMT, the CNT, the CRT or as a guest, and in which role.

A person (a staff user or a CRT contact) cannot be in two meetings at once. Lock order, after the
meeting's row: the people concerned, users then contacts, by id. Adding a person to a meeting and
moving another meeting that person attends then run one after the other, and each sees the other's
result.
"""

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.text import isolate, local_moment
from meetings.models import DelegationMember, Meeting
from meetings.selectors.delegation import delegation_conflicts
from regions.models import Contact

ONMT = "ONMT"


def _person_key(member: DelegationMember) -> tuple[str, int] | None:
    if member.user_id:
        return ("user", member.user_id)
    if member.contact_id:
        return ("contact", member.contact_id)
    return None


def delegation_member_fill(member: DelegationMember) -> None:
    """Name and organisation of a member chosen from the staff or the CRT contacts, as they are now."""
    if member.user_id:
        user = member.user
        member.full_name = user.get_full_name() or user.get_username()
        member.organisation = ONMT
    elif member.contact_id:
        contact = member.contact
        council = getattr(contact.region, "council", None)
        member.full_name = contact.full_name
        member.organisation = contact.organisation or (council.name if council else f"CRT {contact.region.name_fr}")


def _conflict_messages(
    *, members: list[DelegationMember], starts_at: datetime, ends_at: datetime, meeting_id: int | None
) -> list[str]:
    people = {_person_key(member): member for member in members if _person_key(member)}
    if not people:
        return []
    clashes = delegation_conflicts(
        starts_at=starts_at,
        ends_at=ends_at,
        user_ids={pk for kind, pk in people if kind == "user"},
        contact_ids={pk for kind, pk in people if kind == "contact"},
        exclude_meeting_id=meeting_id,
    )
    return [
        _(
            "« %(person)s » fait déjà partie de la délégation de « %(meeting)s » du %(start)s au %(end)s : "
            "une même personne ne peut pas être à deux rencontres en même temps."
        )
        % {
            "person": isolate(people[_person_key(clash)].full_name or clash.full_name),
            "meeting": isolate(clash.meeting),
            "start": local_moment(clash.meeting.starts_at),
            "end": local_moment(clash.meeting.ends_at),
        }
        for clash in clashes
    ]


def delegation_validate(*, meeting: Meeting, members: Iterable[DelegationMember]) -> None:
    """Raise a ValidationError unless the delegation `members` (all of it) can attend `meeting`.

    Each member is a staff user, a CRT contact of the meeting's region, or a typed name; nobody twice;
    nobody expected at another meeting (not cancelled) at the same time. Members are filled first
    (delegation_member_fill), so that the messages name them.
    """
    members = list(members)
    errors, seen = [], set()
    for member in members:
        delegation_member_fill(member)
        if member.user_id and member.contact_id:
            errors.append(_("Choisissez un membre de l'ONMT ou un contact du CRT, pas les deux."))
        elif not member.user_id and not member.contact_id and not member.full_name.strip():
            errors.append(_("Choisissez un membre de l'ONMT, un contact du CRT ou saisissez le nom d'un invité."))
        if member.contact_id and meeting.region_id and member.contact.region_id != meeting.region_id:
            errors.append(
                _("« %(person)s » n'est pas un contact du CRT de la région de la rencontre.")
                % {"person": isolate(member.full_name)}
            )
        key = _person_key(member)
        if key is not None and key in seen:
            errors.append(
                _("« %(person)s » figure deux fois dans la délégation.") % {"person": isolate(member.full_name)}
            )
        seen.add(key)
    if meeting.status != Meeting.Status.CANCELLED and meeting.starts_at and meeting.ends_at:
        errors += _conflict_messages(
            members=members, starts_at=meeting.starts_at, ends_at=meeting.ends_at, meeting_id=meeting.pk
        )
    if errors:
        raise ValidationError(errors)


def _lock_people(members: Iterable[DelegationMember]) -> None:
    members = list(members)
    user_ids = sorted({member.user_id for member in members if member.user_id})
    contact_ids = sorted({member.contact_id for member in members if member.contact_id})
    if user_ids:
        list(get_user_model().objects.select_for_update().filter(pk__in=user_ids).order_by("pk").values_list("pk"))
    if contact_ids:
        list(Contact.objects.select_for_update().filter(pk__in=contact_ids).order_by("pk").values_list("pk"))


def delegation_check_schedule(*, meeting: Meeting) -> None:
    """Refuse new times of `meeting` at which a member of its delegation is expected at another meeting.

    Call it holding the meeting's lock, with the meeting's new (unsaved) times; the error is on `starts_at`.
    """
    if meeting.pk is None or meeting.status == Meeting.Status.CANCELLED:
        return
    members = list(meeting.delegation.exclude(user__isnull=True, contact__isnull=True))
    _lock_people(members)
    errors = _conflict_messages(
        members=members, starts_at=meeting.starts_at, ends_at=meeting.ends_at, meeting_id=meeting.pk
    )
    if errors:
        raise ValidationError({"starts_at": errors})


@transaction.atomic
def delegation_save(
    *, meeting: Meeting, changed: Iterable[DelegationMember], deleted: Iterable[DelegationMember] = ()
) -> list[DelegationMember]:
    """Save the new and changed members of a meeting's delegation and delete the removed ones.

    The whole delegation, as it will be, is checked under the locks (delegation_validate); a refusal
    changes nothing.
    """
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    changed = list(changed)
    removed = [member.pk for member in deleted if member.pk]
    kept = locked.delegation.exclude(pk__in=removed + [member.pk for member in changed if member.pk])
    everyone = [*kept.select_related("user", "contact__region"), *changed]
    _lock_people(everyone)
    delegation_validate(meeting=locked, members=everyone)
    DelegationMember.objects.filter(meeting=locked, pk__in=removed).delete()
    for member in changed:
        member.meeting = locked
        member.save()
    return changed
