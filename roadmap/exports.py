"""The CSV export of a roadmap (the import's columns first, so an export can be edited and re-imported), and the
exports of the task forces' views across regions (CSV and Excel)."""

import datetime
import io
from collections.abc import Iterable, Iterator
from typing import TextIO

from django.utils import timezone

from core.exports import excel_csv_writer
from core.people import person_name
from roadmap.models import RoadmapItem
from roadmap.national_selectors import TaskForceGroup, item_indicators
from roadmap.services import IMPORT_COLUMNS

EXTRA_COLUMNS = ("en retard", "rencontre", "accusé de réception par", "accusé de réception le", "commentaires")


def roadmap_csv_write(*, items: Iterable[RoadmapItem], stream: TextIO) -> None:
    """Write `items` (from `roadmap_items_for_region`) as `;`-separated UTF-8 with a BOM, for Excel."""
    writer = excel_csv_writer(stream)
    writer.writerow([*IMPORT_COLUMNS, *EXTRA_COLUMNS])
    for item in items:
        acknowledgement = getattr(item, "acknowledgement", None)
        writer.writerow(
            [
                item.title,
                item.description,
                item.get_axis_display(),
                item.get_product_line_display(),
                ", ".join(market.name for market in item.markets.all()),
                item.get_owner_display(),
                item.get_priority_display(),
                item.get_status_display(),
                item.progress,
                item.starts_on.isoformat() if item.starts_on else "",
                item.due_on.isoformat() if item.due_on else "",
                "oui" if item.is_overdue else "non",
                str(item.meeting or ""),
                person_name(acknowledgement.user) if acknowledgement else "",
                timezone.localtime(acknowledgement.acknowledged_at).strftime("%Y-%m-%d %H:%M")
                if acknowledgement
                else "",
                item.comment_count,
            ]
        )


TASK_FORCE_COLUMNS = (
    "région",
    "intitulé",
    "axe",
    "filière",
    "marchés",
    "porteur",
    "statut",
    "avancement",
    "avancement des indicateurs",
    "échéance",
    "en retard",
)


def task_force_rows(*, groups: Iterable[TaskForceGroup], group_heading: str) -> Iterator[list]:
    """The header, then one row per item of each group (product line or market), dates as dates: for the
    CSV (`csv_cell`) and the Excel export alike."""
    yield [group_heading, *TASK_FORCE_COLUMNS]
    for group in groups:
        for item in group.items:
            yield [
                str(group.label),
                item.region.name,
                item.title,
                item.get_axis_display(),
                item.get_product_line_display(),
                ", ".join(market.name for market in item.markets.all()),
                item.get_owner_display(),
                item.get_status_display(),
                item.progress,
                item_indicators(item),
                item.due_on,
                "oui" if item.is_overdue else "non",
            ]


def csv_cell(value):
    """A cell as the CSV writes it: dates in ISO, nothing for None."""
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, datetime.date) else value


def rows_csv(rows: Iterable[list]) -> bytes:
    stream = io.StringIO()
    writer = excel_csv_writer(stream)
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return stream.getvalue().encode("utf-8")
