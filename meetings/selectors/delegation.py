"""Who may be named in a meeting's delegation, and where else a person is expected at the same time."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from meetings.models import DelegationMember, Meeting
from regions.models import Contact, Region


def delegation_conflicts(
    *,
    starts_at: datetime,
    ends_at: datetime,
    user_ids: set[int] | frozenset[int] = frozenset(),
    contact_ids: set[int] | frozenset[int] = frozenset(),
    exclude_meeting_id: int | None = None,
) -> list[DelegationMember]:
    """The delegation rows of other meetings (not cancelled) overlapping these times, for these people.

    Each row comes with its meeting, in the order of the meetings' start.
    """
    if not user_ids and not contact_ids or ends_at <= starts_at:
        return []
    return list(
        DelegationMember.objects.filter(Q(user_id__in=user_ids) | Q(contact_id__in=contact_ids))
        .filter(meeting__starts_at__lt=ends_at, meeting__ends_at__gt=starts_at)
        .exclude(meeting__status=Meeting.Status.CANCELLED)
        .exclude(meeting_id=exclude_meeting_id)
        .select_related("meeting")
        .order_by("meeting__starts_at", "meeting_id", "pk")
    )


def delegation_user_choices(*, meeting: Meeting | None) -> QuerySet:
    """ONMT staff who may join a delegation (and anybody already in this one, so that it can be saved again)."""
    already = (
        Q(pk__in=meeting.delegation.filter(user__isnull=False).values("user_id")) if meeting and meeting.pk else Q()
    )
    return (
        get_user_model()
        .objects.filter(Q(is_staff=True, is_active=True) | already)
        .order_by("last_name", "first_name", "username")
    )


def delegation_contact_choices(*, region: Region | None) -> QuerySet[Contact]:
    """CRT members of the meeting's region (of every region while the meeting has none yet)."""
    contacts = Contact.objects.filter(kind=Contact.Kind.CRT_MEMBER).select_related("region")
    return contacts.filter(region=region) if region is not None else contacts


def delegation_of(*, meeting: Meeting | None) -> QuerySet[DelegationMember]:
    """The delegation of a meeting in its order: who the agenda may name as speaker."""
    if meeting is None or meeting.pk is None:
        return DelegationMember.objects.none()
    return meeting.delegation.order_by("position", "pk")
