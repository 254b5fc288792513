"""Reads of the minutes document (the PDF): who may read it, and what it shows."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404

from meetings.models import (
    AgendaItem,
    Decision,
    DelegationMember,
    Meeting,
    Minutes,
    MinutesDocument,
    MinutesEntry,
    MinutesValidation,
    Registration,
)
from regions.models import Contact
from regions.selectors import region_for_official


def minutes_readable_get(*, user, slug: str) -> Minutes:
    """The minutes of the meeting `slug`, with the meeting and its region, if `user` may read them.

    Staff always (drafts too); the officials of the meeting's region once the minutes are
    validated; Http404 for anybody else, as for a meeting without minutes.
    """
    minutes = Minutes.objects.select_related("meeting__region").filter(meeting__slug=slug).first()
    if minutes is None or not minutes_readable_by(user=user, minutes=minutes):
        raise Http404("Compte rendu introuvable.")
    return minutes


def minutes_readable_by(*, user, minutes: Minutes) -> bool:
    if user.is_staff:
        return True
    if minutes.status != Minutes.Status.VALIDATED:
        return False
    region = region_for_official(user=user)
    return region is not None and region.pk == minutes.meeting.region_id


def minutes_document_readable_get(*, user, minutes: Minutes, document_id: int) -> MinutesDocument:
    """A ready PDF of `minutes` (already checked readable by `user`); Http404 otherwise.

    Officials get only the current edit version, the one validated: never a PDF made of an earlier draft.
    """
    documents = MinutesDocument.objects.filter(minutes=minutes, pk=document_id, state=MinutesDocument.State.READY)
    if not user.is_staff:
        documents = documents.filter(version=minutes.version)
    document = documents.first()
    if document is None:
        raise Http404("Document introuvable.")
    return document


@dataclass(frozen=True)
class SectorAttendance:
    sector: str
    label: str
    registered: int
    attended: int


@dataclass(frozen=True)
class MinutesAttendance:
    """Registered (holding a seat: confirmed, offered or attended) and attended, in all and by sector."""

    registered: int
    attended: int
    sectors: list[SectorAttendance]


def minutes_attendance_figures(*, meeting_id: int) -> MinutesAttendance:
    """The attendance figures the minutes show, in one aggregate query."""
    rows = {
        row["sector"]: row
        for row in Registration.objects.filter(meeting_id=meeting_id, status__in=Registration.SEAT_STATUSES)
        .values("sector")
        .annotate(registered=Count("pk"), attended=Count("pk", filter=Q(status=Registration.Status.ATTENDED)))
        .order_by()
    }
    # In the order of the registration form, whatever the order of the rows.
    sectors = [
        SectorAttendance(
            sector, Registration.Sector(sector).label, rows[sector]["registered"], rows[sector]["attended"]
        )
        for sector in Registration.Sector.values
        if sector in rows
    ]
    return MinutesAttendance(
        registered=sum(sector.registered for sector in sectors),
        attended=sum(sector.attended for sector in sectors),
        sectors=sectors,
    )


@dataclass(frozen=True)
class DelegationRow:
    name: str
    organisation: str
    side: str
    role: str


@dataclass(frozen=True)
class AgendaRow:
    item: AgendaItem
    speaker: str
    entry: MinutesEntry | None


@dataclass(frozen=True)
class MinutesContent:
    """Everything one PDF of the minutes shows, read at one moment."""

    minutes: Minutes
    meeting: Meeting
    delegation: list[DelegationRow]
    attendance: MinutesAttendance
    agenda: list[AgendaRow]
    decisions: list[Decision]
    # The CRT's validation of the latest version, while the minutes stand validated.
    validation: MinutesValidation | None


class MinutesChanged(Exception):
    """The minutes were edited after the PDF of an earlier edit version was asked for."""


def _member_row(member: DelegationMember) -> DelegationRow:
    contact, user = member.contact, member.user
    name = (
        member.full_name
        or (contact.full_name if contact else "")
        or (user.get_full_name() or user.username if user else "")
    )
    return DelegationRow(
        name=name,
        organisation=member.organisation or (contact.organisation if contact else ""),
        side=member.get_side_display(),
        role=member.get_role_display(),
    )


def _speaker(item: AgendaItem) -> str:
    if item.speaker_member is not None:
        return _member_row(item.speaker_member).name
    return item.speaker


def minutes_content(*, minutes_id: int, version: int) -> MinutesContent:
    """The minutes as they stand at edit version `version`; MinutesChanged if they have moved on.

    The minutes row is locked while its parts are read, so that an edit saved meanwhile does not
    mix two versions in one document; it is released as soon as they are read (before any rendering).
    """
    with transaction.atomic():
        minutes = Minutes.objects.select_for_update(of=("self",)).select_related("meeting__region").get(pk=minutes_id)
        if minutes.version != version:
            raise MinutesChanged(
                f"Le compte rendu a été modifié (version {minutes.version}) depuis la demande de ce PDF "
                f"(version {version}) : demandez celui de la nouvelle version."
            )
        meeting = minutes.meeting
        members = DelegationMember.objects.filter(meeting=meeting).select_related("user", "contact")
        entries = {entry.agenda_item_id: entry for entry in MinutesEntry.objects.filter(minutes=minutes)}
        items = AgendaItem.objects.filter(meeting=meeting).select_related(
            "speaker_member__user", "speaker_member__contact"
        )
        validation = None
        if minutes.status == Minutes.Status.VALIDATED:
            latest = minutes.versions.select_related("validation").order_by("-number").first()
            answer = getattr(latest, "validation", None) if latest is not None else None
            if answer is not None and answer.outcome == MinutesValidation.Outcome.VALIDATED:
                validation = answer
        return MinutesContent(
            minutes=minutes,
            meeting=meeting,
            delegation=[_member_row(member) for member in members],
            attendance=minutes_attendance_figures(meeting_id=meeting.pk),
            agenda=[AgendaRow(item, _speaker(item), entries.get(item.pk)) for item in items],
            decisions=list(Decision.objects.filter(meeting=meeting)),
            validation=validation,
        )


def minutes_notice_recipients(*, region_id: int) -> list[Contact]:
    """Who receives the validated minutes: the region's CRT contacts that have an e-mail address."""
    return list(Contact.objects.filter(region_id=region_id, kind=Contact.Kind.CRT_MEMBER).exclude(email=""))
