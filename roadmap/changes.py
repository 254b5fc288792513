"""What an edit changed in an item, field by field: stored as values when it happens, shown in the reader's
language when it is read (e-mails, the item's page)."""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from roadmap.models import RoadmapItem

# The order fields are listed in, the most telling first.
SHOWN_ORDER = (
    "status",
    "progress",
    "due_on",
    "title",
    "description",
    "starts_on",
    "owner",
    "priority",
    "axis",
    "product_line",
    "markets",
    "meeting",
)


def change_fields(
    *, before: Mapping[str, Any], item: RoadmapItem, changed: set[str], old_markets: Mapping[int, str]
) -> list[list]:
    """[[field, value before, value after], …] of the `changed` fields, as JSON values (choice codes, ISO dates,
    market names, the meeting's title); `before` holds the item's serializable values before the edit."""
    meeting_titles = {}
    if "meeting" in changed:
        ids = [pk for pk in (before["meeting"], item.meeting_id) if pk]
        meeting_titles = dict(Meeting.objects.filter(pk__in=ids).values_list("pk", "title"))
    rows = []
    for name in SHOWN_ORDER:
        if name not in changed:
            continue
        if name == "markets":
            old, new = sorted(old_markets.values()), sorted(market.name for market in item.markets.all())
        elif name == "meeting":
            old, new = meeting_titles.get(before["meeting"]), meeting_titles.get(item.meeting_id)
        else:
            old, new = before[name], item.serializable_value(name)
        rows.append([name, _json(old), _json(new)])
    return rows


def _json(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


# Not a field of the item: a file attached (its name after) or removed (its name before).
EVIDENCE = "evidence"
# Where the field's own name would read badly beside its values ("Avancement (%) : 40 % → 60 %").
LABELS = {"progress": _("Avancement"), EVIDENCE: _("Pièce jointe")}


@dataclass
class ChangeRow:
    label: str
    before: str
    after: str


def change_rows(fields: list[list]) -> list[ChangeRow]:
    """The stored fields of a change as label, before and after, in the active language."""
    return [
        ChangeRow(
            label=capfirst(LABELS.get(name) or RoadmapItem._meta.get_field(name).verbose_name),
            before=_shown(name, old),
            after=_shown(name, new),
        )
        for name, old, new in fields
    ]


def _shown(name: str, value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if name == EVIDENCE:
        return value
    field = RoadmapItem._meta.get_field(name)
    if name == "markets":
        return ", ".join(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DateField):
        return formats.date_format(datetime.date.fromisoformat(value), "j F Y")
    if name == "progress":
        return f"{value} %"
    return str(value)
