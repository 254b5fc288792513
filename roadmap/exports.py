"""The CSV export of a roadmap: the import's columns first, so an export can be edited and re-imported."""

from collections.abc import Iterable
from typing import TextIO

from django.utils import timezone

from core.exports import excel_csv_writer
from roadmap.models import RoadmapItem
from roadmap.services import IMPORT_COLUMNS
from roadmap.templatetags.roadmap_extras import person

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
                person(acknowledgement.user) if acknowledgement else "",
                timezone.localtime(acknowledgement.acknowledged_at).strftime("%Y-%m-%d %H:%M")
                if acknowledgement
                else "",
                item.comment_count,
            ]
        )
