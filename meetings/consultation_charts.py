"""The consultation's figures as charts (core.charts), one per question, each beside its table of figures."""

from dataclasses import dataclass

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core.charts import count_chart
from meetings.selectors.consultation import ChoiceCount, ConsultationAggregate


@dataclass(frozen=True)
class ConsultationChart:
    """One question of the consultation: its title, its chart and the rows of its table."""

    key: str
    title: str
    svg: SafeString
    rows: list[ChoiceCount]


def _titles() -> dict[str, str]:
    return {
        "markets": _("Marchés prioritaires"),
        "product_lines": _("Filières"),
        "obstacles": _("Principaux freins"),
    }


def consultation_charts(*, aggregate: ConsultationAggregate | None, chart_prefix: str) -> list[ConsultationChart]:
    """A chart per question that has figures; none for no aggregate."""
    if aggregate is None:
        return []
    titles = _titles()
    return [
        ConsultationChart(
            key=key,
            title=titles[key],
            svg=count_chart(
                [(row.label, row.count) for row in rows],
                chart_id=f"{chart_prefix}-{key}",
                title=titles[key],
                series=_("Réponses"),
            ),
            rows=rows,
        )
        for key, rows in aggregate.sections
        if rows
    ]
