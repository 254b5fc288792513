"""Minutes of a meeting and the decisions taken there: written as typed, by one note-taker or two at once,
never overwritten silently.

Lock order, as everywhere in meetings: the meeting row, then the minutes row, then the rest (entries,
decisions). Saving text locks the minutes row only: every write of the minutes' text happens under it,
entries included. A decision's write takes the minutes row (its status goes back to draft) before the
decision's own row.

A save is a per-field three-way merge. The editor sends the fields they typed (`changes`) and what those
fields held when they loaded them (`base_values`). Under the lock, each typed field is compared with
what is stored: unchanged since the editor's base → applied, even when somebody saved other fields in
between; already equal to what the editor typed → nothing to do; changed by somebody else into other
text → a conflict, and then nothing of the save is written: the editor is shown both texts and chooses.
The version number, bumped by each save, tells the editor whether others saved meanwhile (their text is
then sent back, so the page can show it); it is the base values that decide, field by field, because a
version says nothing of which field the others touched.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.events import event_record
from core.text import local_day
from meetings.models import AgendaItem, Decision, Meeting, Minutes, MinutesEntry
from meetings.selectors.minutes import agenda_items_without_entry
from plan.models import Market

SUMMARY_FIELD = "summary"
ENTRY_FIELDS = ("summary", "points_raised")
_ENTRY_KEY = re.compile(r"entry-([0-9]{1,18})-(summary|points_raised)")
MAX_TEXT_LENGTH = Minutes._meta.get_field("summary").max_length
# A save that changes anything else than these, or this much text, is not a note-taker typing.
MAX_FIELDS_PER_SAVE = 500
# A new edit after these statuses is a new text: the validations are of the old one.
STATUSES_BACK_TO_DRAFT = (Minutes.Status.SUBMITTED, Minutes.Status.VALIDATED)


def entry_key(entry_id: int, name: str) -> str:
    """The key of one entry's field in a save: `entry-<id>-summary` or `entry-<id>-points_raised`."""
    return f"entry-{entry_id}-{name}"


def person_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


@dataclass(frozen=True)
class FieldConflict:
    """One field both editors changed: the stored text (theirs, with who saved last and when) and mine."""

    field: str
    label: str
    theirs: str
    mine: str
    saved_by: str
    saved_at: datetime


class MinutesConflict(Exception):
    """Another editor changed the same fields into other text since this editor loaded them: nothing was saved."""

    def __init__(self, *, conflicts: list[FieldConflict], version: int):
        super().__init__(", ".join(conflict.field for conflict in conflicts))
        self.conflicts = conflicts
        self.version = version


@dataclass(frozen=True)
class MinutesSaved:
    """What a save left: the version now stored, when, and whether other editors had saved meanwhile.

    After a merge `current` holds every field's stored text, so the editor's page can show the others' text
    in the fields its editor has not touched.
    """

    version: int
    saved_at: datetime
    merged: bool
    current: dict[str, str]


def text_normalised(value) -> str:
    """Text as a browser's textarea holds it: submitted forms carry \\r\\n, scripts \\n; one form is compared."""
    if not isinstance(value, str):
        raise ValidationError(_("Un champ du compte rendu doit être du texte."), code="not_text")
    if "\x00" in value:
        raise ValidationError(_("Le texte contient un caractère nul."), code="nul")
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if len(value) > MAX_TEXT_LENGTH:
        raise ValidationError(
            _("Un champ du compte rendu est limité à %(max)s caractères.") % {"max": MAX_TEXT_LENGTH}, code="too_long"
        )
    return value


def _parse_key(key) -> tuple[int, str] | None:
    """(entry id, field) for an entry's key, None for the general summary; ValidationError for anything else."""
    if key == SUMMARY_FIELD:
        return None
    match = _ENTRY_KEY.fullmatch(key) if isinstance(key, str) else None
    if match is None:
        raise ValidationError(_("Champ inconnu : %(field)s.") % {"field": str(key)[:80]}, code="unknown_field")
    return int(match.group(1)), match.group(2)


def minutes_clean_input(*, changes, base_values) -> tuple[dict[str, str], dict[str, str]]:
    """Check the shape of a save's input (known keys, text, lengths) before anything is locked."""
    if not isinstance(changes, dict) or not isinstance(base_values, dict):
        raise ValidationError(_("Les champs modifiés sont illisibles."), code="shape")
    if len(changes) > MAX_FIELDS_PER_SAVE or len(base_values) > MAX_FIELDS_PER_SAVE:
        raise ValidationError(_("Trop de champs dans un seul enregistrement."), code="too_many")
    for key in (*changes, *base_values):
        _parse_key(key)
    return (
        {key: text_normalised(value) for key, value in changes.items()},
        {key: text_normalised(value) for key, value in base_values.items()},
    )


def minutes_fields(*, minutes: Minutes, entries) -> dict[str, str]:
    """Every field of the minutes by its key: the general summary, then each entry's two texts."""
    content = {SUMMARY_FIELD: minutes.summary}
    for entry in entries:
        for name in ENTRY_FIELDS:
            content[entry_key(entry.pk, name)] = getattr(entry, name)
    return content


def _field_label(key: str, entries: dict[int, MinutesEntry]) -> str:
    parsed = _parse_key(key)
    if parsed is None:
        return _("Synthèse générale")
    entry_id, name = parsed
    what = _("Synthèse") if name == "summary" else _("Points soulevés par les professionnels")
    return f"{entries[entry_id].agenda_item.title} — {what}"


@transaction.atomic
def minutes_start(*, meeting: Meeting, actor: AbstractBaseUser) -> Minutes:
    """The meeting's minutes, begun by `actor` if nobody had: one per meeting, one entry per agenda item.

    Agenda items added after the minutes began get their entry here, so the page always shows the whole
    agenda. Two people opening the page at once create nothing twice: the one-per-meeting and
    one-per-item constraints decide, without a lock.
    """
    minutes, _created = Minutes.objects.get_or_create(meeting=meeting, defaults={"updated_by": actor})
    missing = agenda_items_without_entry(minutes=minutes)
    if missing:
        MinutesEntry.objects.bulk_create(
            [MinutesEntry(minutes=minutes, agenda_item_id=item_id) for item_id in missing], ignore_conflicts=True
        )
    return minutes


def _minutes_locked(minutes_id: int) -> Minutes:
    return Minutes.objects.select_for_update(of=("self",)).select_related("updated_by").get(pk=minutes_id)


@transaction.atomic
def minutes_save(
    *,
    minutes_id: int,
    base_version: int,
    changes: dict[str, str],
    base_values: dict[str, str],
    actor: AbstractBaseUser,
) -> MinutesSaved:
    """Save the fields an editor typed, merged with what others saved since; MinutesConflict when both
    changed the same field into different text (then nothing is saved). See the module's docstring.

    A save that changes something sends submitted or validated minutes back to draft.
    """
    changes, base_values = minutes_clean_input(changes=changes, base_values=base_values)
    minutes = _minutes_locked(minutes_id)
    entries = {entry.pk: entry for entry in minutes.entries.select_related("agenda_item")}
    for key in changes:
        parsed = _parse_key(key)
        if parsed is not None and parsed[0] not in entries:
            raise ValidationError(_("Champ inconnu : %(field)s.") % {"field": key}, code="unknown_field")
    stored = minutes_fields(minutes=minutes, entries=entries.values())
    merged = minutes.version != base_version

    to_apply, conflicts = {}, []
    for key, mine in changes.items():
        current = stored[key]
        # A form sends every field: one its editor left as loaded is no change, whatever others did to it.
        if current == mine or mine == base_values.get(key):
            continue
        # Without the editor's base, only an unchanged version vouches that the stored text is what they saw.
        base = base_values.get(key, None if merged else current)
        if base == current:
            to_apply[key] = mine
        else:
            conflicts.append(
                FieldConflict(
                    field=key,
                    label=_field_label(key, entries),
                    theirs=current,
                    mine=mine,
                    saved_by=person_name(minutes.updated_by),
                    saved_at=minutes.updated_at,
                )
            )
    if conflicts:
        raise MinutesConflict(conflicts=conflicts, version=minutes.version)
    if to_apply:
        _apply(minutes, entries, to_apply, actor=actor)
        stored.update(to_apply)
    return MinutesSaved(
        version=minutes.version, saved_at=minutes.updated_at, merged=merged, current=stored if merged else {}
    )


def _apply(minutes: Minutes, entries: dict[int, MinutesEntry], values: dict[str, str], *, actor) -> None:
    changed_entries = {}
    for key, value in values.items():
        parsed = _parse_key(key)
        if parsed is None:
            minutes.summary = value
            continue
        entry_id, name = parsed
        setattr(entries[entry_id], name, value)
        changed_entries[entry_id] = entries[entry_id]
    if changed_entries:
        MinutesEntry.objects.bulk_update(changed_entries.values(), list(ENTRY_FIELDS))
    minutes.version += 1
    minutes.updated_by = actor
    if minutes.status in STATUSES_BACK_TO_DRAFT:
        minutes.status = Minutes.Status.DRAFT
    minutes.save(update_fields=["summary", "version", "updated_by", "status", "updated_at"])


# ------------------------------------------------------------------ decisions


def _minutes_back_to_draft(meeting: Meeting) -> None:
    """A decision added, changed or removed changes the minutes: validations were of the old ones."""
    Minutes.objects.filter(meeting=meeting, status__in=STATUSES_BACK_TO_DRAFT).update(
        status=Minutes.Status.DRAFT, updated_at=timezone.now()
    )


def _decision_validate(decision: Decision, *, meeting: Meeting) -> None:
    errors: dict[str, list] = {}
    try:
        decision.full_clean(exclude=["meeting", "agenda_item", "markets"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if not decision.title.strip():
        errors.setdefault("title", []).append(_("Indiquez ce qui a été décidé."))
    if decision.agenda_item_id is not None and decision.agenda_item.meeting_id != meeting.pk:
        errors.setdefault("agenda_item", []).append(_("Ce point n'est pas à l'ordre du jour de cette rencontre."))
    meeting_day = timezone.localdate(meeting.starts_at)
    if decision.due_on is not None and decision.due_on < meeting_day:
        errors.setdefault("due_on", []).append(
            _("L'échéance ne peut pas précéder la rencontre (%(day)s).") % {"day": local_day(meeting_day)}
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def decision_create(
    *,
    meeting: Meeting,
    agenda_item: AgendaItem | None,
    title: str,
    axis: str,
    details: str = "",
    product_line: str = Decision.ProductLine.OTHER,
    markets: list[Market] = (),
    owner: str = Decision.Owner.ONMT,
    due_on: date | None = None,
    scope: str = Decision.Scope.REGIONAL,
    is_public: bool = True,
) -> Decision:
    """Record a decision of the meeting, under one of its agenda items or for the meeting as a whole."""
    decision = Decision(
        meeting=meeting,
        agenda_item=agenda_item,
        title=title.strip(),
        details=details,
        axis=axis,
        product_line=product_line,
        owner=owner,
        due_on=due_on,
        scope=scope,
        is_public=is_public,
    )
    _decision_validate(decision, meeting=meeting)
    _minutes_back_to_draft(meeting)
    decision.save()
    decision.markets.set(markets)
    event_record(
        name="decision.recorded",
        region_id=meeting.region_id,
        payload={"meeting": meeting.slug, "decision": decision.pk, "scope": decision.scope, "axis": decision.axis},
    )
    return decision


DECISION_EDITABLE_FIELDS = (
    "agenda_item",
    "title",
    "details",
    "axis",
    "product_line",
    "owner",
    "due_on",
    "scope",
    "is_public",
)


@transaction.atomic
def decision_update(*, decision_id: int, meeting: Meeting, markets: list[Market] | None = None, **fields) -> Decision:
    """Change a decision of `meeting` (its roadmap item, if any, stays linked); markets replaced when given."""
    unknown = set(fields) - set(DECISION_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    _minutes_back_to_draft(meeting)
    decision = Decision.objects.select_for_update().get(pk=decision_id, meeting=meeting)
    for name, value in fields.items():
        setattr(decision, name, value.strip() if name == "title" else value)
    _decision_validate(decision, meeting=meeting)
    decision.save()
    if markets is not None:
        decision.markets.set(markets)
    return decision


@transaction.atomic
def decision_delete(*, decision_id: int, meeting: Meeting) -> None:
    """Delete a decision of `meeting`; refused while a roadmap item carries it out (the roadmap side decides)."""
    _minutes_back_to_draft(meeting)
    decision = Decision.objects.select_for_update().get(pk=decision_id, meeting=meeting)
    refusal = ValidationError(
        _(
            "Cette décision est suivie dans la feuille de route de la région : "
            "supprimez-la depuis l'action correspondante, qui demande ce que devient l'action."
        ),
        code="has_roadmap_item",
    )
    if hasattr(decision, "roadmap_item"):
        raise refusal
    try:
        decision.delete()
    except ProtectedError:
        # An item made from it between the check and the delete.
        raise refusal from None
