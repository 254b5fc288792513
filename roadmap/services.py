"""Every write to roadmap data: items, their history, comments, acknowledgements, decisions turned into
items, indicators, readings and budget lines, files attached to items (evidence), CSV import.

Writes about a decision lock the meeting row first, then the decision, then its item: the order the
minutes take (meeting, minutes, the rest), so the two can never deadlock on each other.
"""

import csv
import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from modeltranslation.utils import get_translation_fields

from core.uploads import removable_by, upload_inspect
from core.versioning import refuse_if_changed
from meetings.models import Decision, Meeting
from plan.models import Market
from regions.models import Region
from regions.selectors import region_for_official, regions_visible_to
from roadmap.changes import EVIDENCE, change_fields
from roadmap.models import (
    Acknowledgement,
    BudgetLine,
    Comment,
    Indicator,
    ItemEvidence,
    Reading,
    RoadmapItem,
    StatusChange,
)
from roadmap.notifications import item_change_record, item_change_store
from roadmap.selectors import item_indicators_progress

# What the CRT agreed to: changing any of these (or dropping / reviving the item) asks the
# CRT to acknowledge it again. Status and progress otherwise report execution only.
# The title and description count in each language (title_fr, title_ar, title_en…: roadmap/translation.py).
TRANSLATED_FIELDS = tuple(get_translation_fields("title", "description"))
MATERIAL_FIELDS = (
    "title",
    "description",
    *TRANSLATED_FIELDS,
    "axis",
    "product_line",
    "owner",
    "priority",
    "starts_on",
    "due_on",
)
EDITABLE_FIELDS = (*MATERIAL_FIELDS, "status", "progress", "meeting", "markets")


def _normalise(item: RoadmapItem) -> None:
    # A done item is done in full; anything else would show as "done at 60 %" on the CRT's page.
    if item.status == RoadmapItem.Status.DONE:
        item.progress = 100


def _follow_indicators(item: RoadmapItem) -> None:
    # Where an item has indicators its progress is theirs (roadmap.selectors.indicators_progress); a done item
    # stays done in full, as _normalise says.
    if item.status != RoadmapItem.Status.DONE:
        progress = item_indicators_progress(item=item)
        if progress is not None:
            item.progress = progress


def _history_record(*, item: RoadmapItem, actor, from_status: str, from_progress: int | None) -> None:
    StatusChange.objects.create(
        item=item,
        changed_by=actor,
        from_status=from_status,
        to_status=item.status,
        from_progress=from_progress,
        to_progress=item.progress,
    )


@transaction.atomic
def roadmap_item_create(
    *,
    actor,
    region: Region,
    title: str,
    axis: str,
    description: str = "",
    product_line: str = RoadmapItem.ProductLine.OTHER,
    owner: str = RoadmapItem.Owner.ONMT,
    priority: int = RoadmapItem.Priority.NORMAL,
    status: str = RoadmapItem.Status.PROPOSED,
    progress: int = 0,
    starts_on: datetime.date | None = None,
    due_on: datetime.date | None = None,
    meeting: Meeting | None = None,
    markets: Iterable[Market] = (),
    decision: Decision | None = None,
    translations: Mapping[str, str | None] | None = None,
) -> RoadmapItem:
    """Create an item and the first line of its history.

    `title` and `description` are the French text; `translations` may give the others (`title_ar`, …).
    """
    unknown = set(translations or {}) - set(TRANSLATED_FIELDS)
    if unknown:
        raise ValueError(f"Not translations: {', '.join(sorted(unknown))}")
    item = RoadmapItem(
        decision=decision,
        region=region,
        title_fr=title,
        axis=axis,
        description_fr=description,
        **(translations or {}),
        product_line=product_line,
        owner=owner,
        priority=priority,
        status=status,
        progress=progress,
        starts_on=starts_on,
        due_on=due_on,
        meeting=meeting,
    )
    _normalise(item)
    item.full_clean()
    item.save()
    item.markets.set(markets)
    _history_record(item=item, actor=actor, from_status="", from_progress=None)
    return item


@transaction.atomic
def roadmap_item_update(*, actor, item: RoadmapItem, data: Mapping[str, Any], seen_version: str = "") -> RoadmapItem:
    """Apply `data` (field name → new value) to an item.

    A status or progress change is written to the history; a material change (see
    MATERIAL_FIELDS, target markets, or a move to or from "dropped") bumps the item's
    revision and clears the CRT's acknowledgement; every change is recorded and told to the region's officials
    (roadmap.notifications). Returns the saved item. With `seen_version`
    (core.versioning), an edit made on a page opened before the item changed is refused.
    """
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    # Lock the row: a concurrent acknowledgement must see either the old or the new version.
    current = RoadmapItem.objects.select_for_update().get(pk=item.pk)
    refuse_if_changed(current, seen_version)
    before = {name: current.serializable_value(name) for name in EDITABLE_FIELDS if name != "markets"}
    old_markets = dict(current.markets.values_list("pk", "name"))
    for name, value in data.items():
        if name != "markets":
            setattr(current, name, value)
    _normalise(current)
    _follow_indicators(current)

    changed = {name for name, old in before.items() if current.serializable_value(name) != old}
    if "markets" in data and {market.pk for market in data["markets"]} != set(old_markets):
        changed.add("markets")
    dropped = RoadmapItem.Status.DROPPED
    material = bool(changed & {*MATERIAL_FIELDS, "markets"}) or (
        "status" in changed and dropped in (before["status"], current.status)
    )
    if material:
        current.revision += 1
    current.full_clean()
    current.save()
    if "markets" in changed:
        current.markets.set(data["markets"])
    if changed & {"status", "progress"}:
        _history_record(item=current, actor=actor, from_status=before["status"], from_progress=before["progress"])
    if changed:
        # Read before a material change clears it: who acknowledged is told of a status change at once.
        acknowledged_by = Acknowledgement.objects.filter(item=current).values_list("user_id", flat=True).first()
        item_change_record(
            item=current,
            actor=actor,
            fields=change_fields(before=before, item=current, changed=changed, old_markets=old_markets),
            material=material,
            acknowledged_by=acknowledged_by,
        )
    if material:
        Acknowledgement.objects.filter(item=current).delete()
    return current


@transaction.atomic
def roadmap_items_set_status(*, actor, items: QuerySet[RoadmapItem], status: str) -> int:
    """Move every item of `items` to `status`, with history; returns how many changed."""
    if status not in RoadmapItem.Status.values:
        raise ValueError(f"Unknown status {status!r}")
    changed = 0
    for item in items.exclude(status=status).order_by("pk"):
        roadmap_item_update(actor=actor, item=item, data={"status": status})
        changed += 1
    return changed


def _ensure_reviewer(*, actor, item: RoadmapItem) -> None:
    if not regions_visible_to(user=actor).filter(pk=item.region_id).exists():
        raise PermissionDenied


@transaction.atomic
def roadmap_comment_add(*, actor, item: RoadmapItem, body: str) -> Comment:
    """A comment by staff or by an official of the item's region."""
    _ensure_reviewer(actor=actor, item=item)
    comment = Comment(item=item, author=actor, body=body.strip())
    comment.full_clean()
    comment.save()
    return comment


@transaction.atomic
def roadmap_item_acknowledge(*, actor, item: RoadmapItem, revision: int) -> Acknowledgement:
    """The region's CRT acknowledges the item as it stood at `revision` (the version it read)."""
    region = region_for_official(user=actor)
    if region is None or region.pk != item.region_id:
        raise PermissionDenied
    current = RoadmapItem.objects.select_for_update().get(pk=item.pk)
    if current.revision != revision:
        raise ValidationError(_("Cette action a été modifiée depuis votre lecture : relisez-la avant de la valider."))
    acknowledgement, _created = Acknowledgement.objects.get_or_create(
        item=current, defaults={"user": actor, "revision": revision}
    )
    return acknowledgement


# ------------------------------------------------------------------ indicators, readings, budget lines

# Lock order: the item's row first (as roadmap_item_update), then the row written. Every write to an item's
# indicators, readings or budget lines holds its item, so they are checked one after the other: the unique
# name, date and funder checks of full_clean cannot race, and the progress stored follows the last of them.
ItemPart = Indicator | Reading | BudgetLine


def _part_item_lock(part: ItemPart) -> RoadmapItem:
    if isinstance(part, Reading):
        item_id = Indicator.objects.filter(pk=part.indicator_id).values_list("item_id", flat=True).first()
    else:
        item_id = part.item_id
    item = RoadmapItem.objects.select_for_update().filter(pk=item_id).first() if item_id else None
    if item is None:
        # Its indicator or item was deleted by somebody else since the page was opened.
        raise ValidationError(_("L'action ou l'indicateur a été supprimé entre-temps : rouvrez la page."))
    return item


def _progress_follow(*, actor, item: RoadmapItem) -> None:
    before = item.progress
    _follow_indicators(item)
    if item.progress != before:
        item.save(update_fields=["progress", "updated_at"])
        _history_record(item=item, actor=actor, from_status=item.status, from_progress=before)


@transaction.atomic
def roadmap_item_part_save(*, actor, part: ItemPart, seen_version: str = "") -> ItemPart:
    """Save an indicator, a reading or a budget line (new or changed) of an item, whose progress then follows its
    indicators (with a line of history when it moves). With `seen_version` (core.versioning), a change made on a
    page opened before the row changed is refused, naming what changed."""
    item = _part_item_lock(part)
    if part.pk is not None:
        current = type(part).objects.select_for_update().filter(pk=part.pk).first()
        if current is None:
            raise ValidationError(_("« %(object)s » a été supprimé entre-temps.") % {"object": part})
        refuse_if_changed(current, seen_version)
    part.full_clean()
    part.save()
    if not isinstance(part, BudgetLine):
        _progress_follow(actor=actor, item=item)
    return part


@transaction.atomic
def roadmap_item_part_delete(*, actor, part: ItemPart) -> None:
    """Delete an indicator (with its readings), a reading or a budget line; progress follows what is left (an item
    left without indicators keeps its last progress, for staff to set by hand)."""
    item = _part_item_lock(part)
    type(part).objects.filter(pk=part.pk).delete()
    if not isinstance(part, BudgetLine):
        _progress_follow(actor=actor, item=item)


# ------------------------------------------------------------------ evidence

# Lock order: the item's row (as every edit of an item), under which its history numbers the change; then the
# file's row. A removed file leaves storage once the removal is committed (core.storage).


def _evidence_history(*, actor, item: RoadmapItem, before: str | None, after: str | None) -> None:
    """A file attached or removed, in the item's history; told to the region's officials when ONMT did it, as
    any change ONMT makes (an official's own is on the page for their colleagues, without an e-mail)."""
    fields = [[EVIDENCE, before, after]]
    if actor.is_staff:
        item_change_record(item=item, actor=actor, fields=fields, material=False, acknowledged_by=None)
    else:
        item_change_store(item=item, actor=actor, fields=fields)


def _item_lock(item_id: int) -> RoadmapItem:
    item = RoadmapItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise ValidationError(_("Cette action a été supprimée entre-temps."))
    return item


@transaction.atomic
def item_evidence_add(*, actor, item: RoadmapItem, upload: UploadedFile) -> ItemEvidence:
    """Attach a file to an item: by staff or an official of its region, if core.uploads accepts it (else
    ValidationError saying why)."""
    _ensure_reviewer(actor=actor, item=item)
    inspected = upload_inspect(upload=upload)
    locked = _item_lock(item.pk)
    evidence = ItemEvidence.objects.create(item=locked, uploaded_by=actor, **inspected.fields())
    _evidence_history(actor=actor, item=locked, before=None, after=evidence.name)
    return evidence


@transaction.atomic
def item_evidence_remove(*, actor, evidence: ItemEvidence) -> bool:
    """Remove a file of an item: staff any, an official of its region what they uploaded. False when somebody
    removed it already."""
    item = _item_lock(evidence.item_id)
    _ensure_reviewer(actor=actor, item=item)
    if not removable_by(user=actor, uploaded_by_id=evidence.uploaded_by_id):
        raise PermissionDenied
    removed, _by_model = ItemEvidence.objects.filter(pk=evidence.pk).delete()
    if removed:
        _evidence_history(actor=actor, item=item, before=evidence.name, after=None)
    return bool(removed)


# ------------------------------------------------------------------ decisions

# What becomes of a deleted decision's item.
KEEP_ITEM, DELETE_ITEM = "keep", "delete"


def _decision_lock(decision: Decision) -> tuple[Meeting, Decision]:
    meetings = Meeting.objects.select_for_update(of=("self",)).select_related("region")
    meeting = meetings.filter(pk=decision.meeting_id).first()
    locked = Decision.objects.select_for_update().filter(pk=decision.pk).first() if meeting else None
    if locked is None:
        raise ValidationError(_("Cette décision a été supprimée entre-temps."), code="gone")
    return meeting, locked


def _decision_item_lock(decision: Decision) -> RoadmapItem | None:
    return RoadmapItem.objects.select_for_update().filter(decision=decision).first()


@transaction.atomic
def roadmap_item_from_decision(*, actor, decision: Decision) -> RoadmapItem:
    """The roadmap item that carries out `decision`, created "planned" in the meeting's region if it has none.

    The item starts as a copy of the decision (title, details as description, axis, product line,
    markets, owner, due date) and links both ways; from then on each side is edited on its own.
    A decision already turned into an item returns that item. Where the region already has an item of
    the same title (one title per region), refused with code "duplicate_title" and the item's id in
    `params["item"]`: the caller offers `roadmap_item_link_decision` instead.
    """
    meeting, decision = _decision_lock(decision)
    existing = _decision_item_lock(decision)
    if existing is not None:
        return existing
    namesakes = RoadmapItem.objects.filter(region=meeting.region, title_fr=decision.title_fr)
    if namesakes.exists():
        raise _duplicate_title(meeting=meeting, decision=decision, namesake=namesakes.get())
    try:
        # A savepoint: an item of the same title committed meanwhile (from another meeting's decision, which
        # this lock does not hold back) fails the insert, and the refusal below names it.
        with transaction.atomic():
            return roadmap_item_create(
                actor=actor,
                region=meeting.region,
                title=decision.title_fr,
                translations={"title_ar": decision.title_ar, "title_en": decision.title_en},
                description=decision.details,
                axis=decision.axis,
                product_line=decision.product_line,
                owner=decision.owner,
                status=RoadmapItem.Status.PLANNED,
                due_on=decision.due_on,
                meeting=meeting,
                markets=decision.markets.all(),
                decision=decision,
            )
    except IntegrityError:
        raise _duplicate_title(meeting=meeting, decision=decision, namesake=namesakes.get()) from None


def _duplicate_title(*, meeting: Meeting, decision: Decision, namesake: RoadmapItem) -> ValidationError:
    return ValidationError(
        _(
            "La région %(region)s a déjà une action intitulée « %(title)s » : reliez la décision à cette "
            "action plutôt que d'en créer une seconde."
        ),
        code="duplicate_title",
        params={"region": meeting.region.name, "title": decision.title, "item": namesake.pk},
    )


@transaction.atomic
def roadmap_item_link_decision(*, item: RoadmapItem, decision: Decision) -> RoadmapItem:
    """Link `decision` to an existing item of its meeting's region (one already on the roadmap, e.g. of the
    same title) instead of creating one. Nothing is copied either way; the item keeps its meeting if it had
    one, else takes the decision's."""
    meeting, decision = _decision_lock(decision)
    current = _decision_item_lock(decision)
    if current is not None and current.pk == item.pk:
        return current
    if current is not None:
        raise ValidationError(
            _("Cette décision est déjà reliée à l'action « %(title)s ».") % {"title": current.title}, code="linked"
        )
    item = RoadmapItem.objects.select_for_update().get(pk=item.pk)
    if item.region_id != meeting.region_id:
        raise ValidationError(_("Cette action est celle d'une autre région que la rencontre."), code="region")
    if item.decision_id is not None:
        raise ValidationError(_("Cette action est déjà reliée à une autre décision."), code="item_linked")
    item.decision = decision
    fields = ["decision", "updated_at"]
    if item.meeting_id is None:
        item.meeting = meeting
        fields.append("meeting")
    item.save(update_fields=fields)
    return item


@transaction.atomic
def decision_delete(*, actor, decision: Decision, item_action: str | None = None) -> None:
    """Delete a decision, saying what becomes of its roadmap item, if it has one.

    `item_action` "keep": the item stays on the roadmap, unlinked, and a comment by `actor` on it records
    which decision it came from; "delete": the item goes too (with its history and comments). Refused
    when the decision has an item and no choice was made (it was linked after the question was asked).
    """
    if item_action not in (None, KEEP_ITEM, DELETE_ITEM):
        raise ValueError(f"Unknown item action {item_action!r}")
    meeting, decision = _decision_lock(decision)
    item = _decision_item_lock(decision)
    if item is not None:
        if item_action is None:
            raise ValidationError(
                _("Cette décision a une action de feuille de route (« %(title)s ») : dites ce qu'elle devient.")
                % {"title": item.title},
                code="item_action_missing",
            )
        if item_action == DELETE_ITEM:
            item.delete()
        else:
            item.decision = None
            item.save(update_fields=["decision", "updated_at"])
            note = _(
                "Décision d'origine supprimée : « %(decision)s », prise lors de « %(meeting)s » le %(date)s. "
                "L'action est maintenue."
            ) % {
                "decision": decision.title,
                "meeting": meeting.title,
                "date": formats.date_format(timezone.localtime(meeting.starts_at), "SHORT_DATE_FORMAT"),
            }
            roadmap_comment_add(actor=actor, item=item, body=note)
    decision.delete()


# ------------------------------------------------------------------ CSV import

IMPORT_MAX_LINES = 500
IMPORT_REQUIRED_COLUMNS = ("intitulé", "axe")
IMPORT_COLUMNS = (
    "intitulé",
    "description",
    "axe",
    "filière",
    "marchés",
    "porteur",
    "priorité",
    "statut",
    "avancement",
    "début",
    "échéance",
)
CHOICE_COLUMNS = {
    "axe": ("axis", RoadmapItem.Axis),
    "filière": ("product_line", RoadmapItem.ProductLine),
    "porteur": ("owner", RoadmapItem.Owner),
    "priorité": ("priority", RoadmapItem.Priority),
    "statut": ("status", RoadmapItem.Status),
}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
# Characters the exports guard with a leading quote (core.exports.spreadsheet_safe: formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "|", "%")


@dataclass
class ImportLine:
    number: int
    title: str
    errors: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict)


@dataclass
class ImportReport:
    dry_run: bool
    lines: list[ImportLine] = field(default_factory=list)
    # Errors about the file as a whole (encoding, header).
    file_errors: list[str] = field(default_factory=list)
    created: int = 0

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or any(line.errors for line in self.lines)


def _cell(value: str | None) -> str:
    value = (value or "").strip()
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_PREFIXES:
        value = value[1:].replace("\\|", "|")
    return value


def _choice_lookup(choices) -> dict[str, Any]:
    """Accept a choice by its code or its French label, in any case."""
    with translation.override("fr"):
        lookup = {str(label).casefold(): value for value, label in choices.choices}
    lookup.update({str(value).casefold(): value for value in choices.values})
    return lookup


def _date(value: str) -> datetime.date:
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, date_format).date()  # noqa: DTZ007 — a date, no time zone
        except ValueError:
            continue
    raise ValueError


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in Windows-1252 unless told otherwise.
        return content.decode("cp1252", errors="strict")


def _parse_line(*, row: dict, line: ImportLine, lookups: dict, markets: dict) -> None:
    values = line.values
    for column, (attribute, _choices) in CHOICE_COLUMNS.items():
        raw = _cell(row.get(column))
        if not raw:
            continue
        if raw.casefold() not in lookups[column]:
            line.errors.append(_("%(column)s : valeur inconnue « %(value)s ».") % {"column": column, "value": raw})
        else:
            values[attribute] = lookups[column][raw.casefold()]
    raw_progress = _cell(row.get("avancement")).rstrip("%").strip()
    if raw_progress:
        try:
            values["progress"] = int(raw_progress)
        except ValueError:
            line.errors.append(_("avancement : nombre entier attendu (0 à 100)."))
    for column, attribute in (("début", "starts_on"), ("échéance", "due_on")):
        raw = _cell(row.get(column))
        if raw:
            try:
                values[attribute] = _date(raw)
            except ValueError:
                line.errors.append(_("%(column)s : date attendue (AAAA-MM-JJ ou JJ/MM/AAAA).") % {"column": column})
    values["markets"] = []
    for raw in filter(None, (_cell(name) for name in _cell(row.get("marchés")).split(","))):
        market = markets.get(raw.casefold())
        if market is None:
            line.errors.append(_("marchés : marché inconnu « %(value)s ».") % {"value": raw})
        else:
            values["markets"].append(market)
    values["title"] = line.title
    values["description"] = _cell(row.get("description"))


def _validate_line(*, line: ImportLine, region: Region, meeting: Meeting) -> None:
    fields = {name: value for name, value in line.values.items() if name != "markets"}
    candidate = RoadmapItem(region=region, meeting=meeting, **fields)
    _normalise(candidate)
    try:
        candidate.full_clean()
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            label = RoadmapItem._meta.get_field(name).verbose_name if name != "__all__" else ""
            line.errors.extend(
                _("%(field)s : %(error)s") % {"field": label, "error": message} if label else message
                for message in messages
            )


@transaction.atomic
def roadmap_items_import_csv(*, actor, meeting: Meeting, content: bytes, dry_run: bool) -> ImportReport:
    """Import the items agreed at `meeting` from a CSV file (`;` or `,` separated, header line first).

    Every line is checked first; the items are created only when no line has an error
    and this is not a dry run.
    """
    report = ImportReport(dry_run=dry_run)
    try:
        text = _decode(content)
    except UnicodeDecodeError:
        report.file_errors.append(_("Le fichier n'est ni en UTF-8 ni en Windows-1252."))
        return report
    if "\x00" in text:
        report.file_errors.append(_("Le fichier contient des caractères nuls : est-ce bien un fichier CSV ?"))
        return report
    try:
        _read_file(text=text, report=report, meeting=meeting)
    except csv.Error as error:
        report.file_errors.append(_("Fichier CSV illisible : %(error)s") % {"error": error})
    if not report.file_errors and not report.lines:
        report.file_errors.append(_("Aucune ligne à importer après l'en-tête."))
    if dry_run or report.has_errors:
        return report
    for line in report.lines:
        roadmap_item_create(actor=actor, region=meeting.region, meeting=meeting, **line.values)
    report.created = len(report.lines)
    return report


def _read_file(*, text: str, report: ImportReport, meeting: Meeting) -> None:
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        report.file_errors.append(_("Le fichier est vide."))
        return
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.DictReader(lines, delimiter=delimiter)
    reader.fieldnames = [_cell(name).casefold() for name in reader.fieldnames or []]
    missing = [column for column in IMPORT_REQUIRED_COLUMNS if column not in reader.fieldnames]
    if missing:
        report.file_errors.append(
            _("Colonnes obligatoires absentes : %(missing)s. Colonnes reconnues : %(known)s.")
            % {"missing": ", ".join(missing), "known": "; ".join(IMPORT_COLUMNS)}
        )
        return
    lookups = {column: _choice_lookup(choices) for column, (_attribute, choices) in CHOICE_COLUMNS.items()}
    markets = {}
    for market in Market.objects.all():
        markets[market.slug.casefold()] = market
        markets[market.name.casefold()] = market
    seen_titles: dict[str, int] = {}
    for row in reader:
        if not any(_cell(value) for value in row.values() if isinstance(value, str)):
            continue
        if len(report.lines) >= IMPORT_MAX_LINES:
            report.file_errors.append(_("Pas plus de %(max)d lignes par import.") % {"max": IMPORT_MAX_LINES})
            return
        line = ImportLine(number=reader.line_num, title=_cell(row.get("intitulé")))
        report.lines.append(line)
        if None in row:
            line.errors.append(_("Plus de valeurs que de colonnes dans l'en-tête."))
        _parse_line(row=row, line=line, lookups=lookups, markets=markets)
        if not line.errors:
            _validate_line(line=line, region=meeting.region, meeting=meeting)
        if line.title and line.title.casefold() in seen_titles:
            line.errors.append(
                _("intitulé : déjà présent à la ligne %(line)d du fichier.")
                % {"line": seen_titles[line.title.casefold()]}
            )
        seen_titles.setdefault(line.title.casefold(), line.number)
