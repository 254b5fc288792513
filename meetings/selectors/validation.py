"""What the CRT co-signs: the frozen content of a version of the minutes, its hash, the versions and who may read them.

The content of a version is a JSON snapshot of everything a signatory signs; its hash is the SHA-256
of its canonical JSON (sorted keys, no spaces, UTF-8 as is). Codes (axis, owner, role…) are stored,
not their labels: the page shows them in the reader's language, the typed text as it was typed.
"""

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import get_language

from meetings.models import (
    AgendaItem,
    Decision,
    DelegationMember,
    Meeting,
    Minutes,
    MinutesValidation,
    MinutesVersion,
    street_address,
)
from plan.models import Axis, Market, Owner, ProductLine
from regions.models import Contact
from regions.selectors import region_for_official

# Bumped if the snapshot's shape ever changes: versions already signed keep theirs.
CONTENT_SCHEMA = 1


def content_hash(content: dict) -> str:
    """SHA-256 (hex) of the canonical JSON of a version's content."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _iso(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat()


def minutes_content(*, minutes: Minutes) -> dict:
    """What a signatory signs: the meeting, its delegation, the summaries, the points raised, the decisions.

    Typed text is read in the portal's language whatever the reader's, so that the same minutes
    always give the same content and the same hash.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _minutes_content(minutes)


def _minutes_content(minutes: Minutes) -> dict:
    meeting = Meeting.objects.select_related("region").get(pk=minutes.meeting_id)
    agenda = list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("speaker_member")
        .order_by("position", "starts_at", "pk")
    )
    entries = {entry.agenda_item_id: entry for entry in minutes.entries.all()}
    reference = {item.pk: number for number, item in enumerate(agenda, start=1)}
    decisions = Decision.objects.filter(meeting=meeting).prefetch_related(
        Prefetch("markets", queryset=Market.objects.order_by("position", "name"))
    )
    region = meeting.region
    return {
        "schema": CONTENT_SCHEMA,
        "meeting": {
            "title": meeting.title,
            "kind": meeting.kind,
            "starts_at": _iso(meeting.starts_at),
            "ends_at": _iso(meeting.ends_at),
            "venue_name": meeting.venue_name,
            "address": meeting.address,
            "city": meeting.city,
            "region": {"fr": region.name_fr, "ar": region.name_ar, "en": region.name_en},
        },
        "delegation": [
            {
                "side": member.side,
                "role": member.role,
                "full_name": member.full_name,
                "organisation": member.organisation,
            }
            for member in meeting.delegation.order_by("position", "pk")
        ],
        "summary": minutes.summary,
        "agenda": [
            {
                "number": reference[item.pk],
                "starts_at": item.starts_at.strftime("%H:%M") if item.starts_at else None,
                "title": item.title,
                "speaker": item.speaker_member.full_name if item.speaker_member else item.speaker,
                "speaker_organisation": item.speaker_member.organisation if item.speaker_member else "",
                "summary": entries[item.pk].summary if item.pk in entries else "",
                "points_raised": entries[item.pk].points_raised if item.pk in entries else "",
            }
            for item in agenda
        ],
        "decisions": [
            {
                "agenda_item": reference.get(decision.agenda_item_id),
                "title": decision.title,
                "details": decision.details,
                "axis": decision.axis,
                "product_line": decision.product_line,
                "markets": [market.name for market in decision.markets.all()],
                "owner": decision.owner,
                "due_on": decision.due_on.isoformat() if decision.due_on else None,
                "scope": decision.scope,
                "is_public": decision.is_public,
            }
            for decision in decisions.order_by("position", "pk")
        ],
    }


# ------------------------------------------------------------------ the content, for reading


def _label(choices, code) -> str:
    return dict(choices).get(code, code)


def minutes_content_display(content: dict) -> dict:
    """A version's content for its page: labels in the reader's language, dates as dates, decisions by agenda item."""
    meeting = content["meeting"]
    language = (get_language() or "fr")[:2]
    decisions = [
        {
            **decision,
            "axis_label": _label(Axis.choices, decision["axis"]),
            "product_line_label": _label(ProductLine.choices, decision["product_line"]),
            "owner_label": _label(Owner.choices, decision["owner"]),
            "scope_label": _label(Decision.Scope.choices, decision["scope"]),
            "due_on": date.fromisoformat(decision["due_on"]) if decision["due_on"] else None,
        }
        for decision in content["decisions"]
    ]
    agenda = [
        {**item, "decisions": [decision for decision in decisions if decision["agenda_item"] == item["number"]]}
        for item in content["agenda"]
    ]
    return {
        "meeting": {
            **meeting,
            "kind_label": _label(Meeting.Kind.choices, meeting["kind"]),
            "starts_at": datetime.fromisoformat(meeting["starts_at"]),
            "ends_at": datetime.fromisoformat(meeting["ends_at"]),
            "region_name": meeting["region"].get(language) or meeting["region"]["fr"],
            "place": f"{meeting['venue_name']}, {street_address(meeting['address'], meeting['city'])}",
        },
        "delegation": [
            {
                **member,
                "side_label": _label(DelegationMember.Side.choices, member["side"]),
                "role_label": _label(DelegationMember.Role.choices, member["role"]),
            }
            for member in content["delegation"]
        ],
        "summary": content["summary"],
        "agenda": agenda,
        "other_decisions": [decision for decision in decisions if decision["agenda_item"] is None],
        "decisions": decisions,
    }


# ------------------------------------------------------------------ versions and validators


def minutes_versions(*, minutes: Minutes) -> QuerySet[MinutesVersion]:
    """Every version of the minutes, newest first, with who sent it, to whom, and the answer (not the content)."""
    return (
        minutes.versions.select_related("created_by", "validator", "validation__contact", "validation__user")
        .defer("content")
        .order_by("-number")
    )


def minutes_version_get(*, minutes: Minutes, number: int | None = None) -> MinutesVersion | None:
    """A version with its content (the latest without `number`); None when there is no such version."""
    versions = minutes.versions.select_related("validator", "validation").order_by("-number")
    return versions.filter(number=number).first() if number is not None else versions.first()


def minutes_link_version(*, version_id: int | None, contact_id: int | None) -> MinutesVersion | None:
    """The version a validation link names, if it still exists and was sent to that contact; else None."""
    if version_id is None or contact_id is None:
        return None
    return (
        MinutesVersion.objects.select_related("minutes__meeting__region", "validator", "validation")
        .filter(pk=version_id, validator_id=contact_id)
        .first()
    )


def minutes_latest_number(*, minutes: Minutes) -> int | None:
    return minutes.versions.order_by("-number").values_list("number", flat=True).first()


def minutes_validator_choices(*, meeting: Meeting) -> QuerySet[Contact]:
    """Who may co-sign the minutes of a meeting: the CRT members of its region."""
    return Contact.objects.filter(region_id=meeting.region_id, kind=Contact.Kind.CRT_MEMBER).order_by("full_name", "pk")


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def minutes_default_validator(*, minutes: Minutes | None, choices: list[Contact]) -> Contact | None:
    """The validator chosen last time, else the CRT's president (by role), else the first CRT member."""
    if minutes is not None and minutes.validator_id:
        chosen = next((contact for contact in choices if contact.pk == minutes.validator_id), None)
        if chosen is not None:
            return chosen
    president = next((contact for contact in choices if "presid" in _plain(contact.role)), None)
    return president or (choices[0] if choices else None)


# ------------------------------------------------------------------ access


def minutes_meeting_get(*, slug: str) -> tuple[Meeting, Minutes | None]:
    """A meeting (any status) and its minutes if they exist; Http404 for an unknown slug."""
    meeting = get_object_or_404(Meeting.objects.select_related("region", "tour"), slug=slug)
    return meeting, Minutes.objects.filter(meeting=meeting).select_related("validator").first()


def minutes_review_get(*, user, slug: str) -> tuple[Meeting, Minutes | None]:
    """A meeting's minutes for staff and the officials of its region; Http404 for anybody else.

    The officials read the versions sent for validation, never the draft being written.
    """
    meeting, minutes = minutes_meeting_get(slug=slug)
    if user.is_staff:
        return meeting, minutes
    region = region_for_official(user=user)
    if region is None or region.pk != meeting.region_id:
        raise Http404("Compte rendu introuvable.")
    return meeting, minutes


@dataclass(frozen=True)
class VersionState:
    """Whether a version can still be answered, and if not, why."""

    PENDING = "pending"
    ANSWERED = "answered"
    SUPERSEDED = "superseded"
    CHANGED = "changed"

    code: str
    answer: MinutesValidation | None = None
    newer: int | None = None

    @property
    def answerable(self) -> bool:
        return self.code == self.PENDING


def minutes_version_state(*, version: MinutesVersion, minutes: Minutes, latest_number: int | None) -> VersionState:
    """Pending (it can be answered), answered, superseded by a newer version, or the minutes changed since.

    `newer` is the latest version's number when it is not this one (an answered version may have been followed).
    """
    # A reverse one-to-one without a row raises a subclass of AttributeError.
    answer = getattr(version, "validation", None)
    newer = latest_number if latest_number is not None and latest_number > version.number else None
    if answer is not None:
        return VersionState(VersionState.ANSWERED, answer=answer, newer=newer)
    if newer is not None:
        return VersionState(VersionState.SUPERSEDED, newer=newer)
    if minutes.status != Minutes.Status.SUBMITTED:
        return VersionState(VersionState.CHANGED)
    return VersionState(VersionState.PENDING)
