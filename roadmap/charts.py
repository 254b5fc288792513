"""Small charts of the roadmap pages (core.charts draws them)."""

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

import pygal
from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core.charts import chart_make, chart_render, grouped
from roadmap.models import Indicator
from roadmap.selectors import BudgetRow


def indicator_chart(indicator: Indicator) -> SafeString:
    """The indicator's readings over time with its baseline and target as lines; readings prefetched."""
    readings = list(indicator.readings.all())
    title = _("%(name)s : relevés, valeur de départ et cible") % {"name": indicator.name}
    values = [indicator.baseline, indicator.target, *(reading.value for reading in readings)]
    # A margin above and below, so the baseline and the target do not lie on the chart's edges.
    margin = (max(values) - min(values)) / 10 or 1
    chart = chart_make(
        pygal.Line,
        chart_id=f"indicator-chart-{indicator.pk}",
        title=title,
        width=520,
        height=260,
        dots_size=4,
        x_label_rotation=0,
        truncate_label=-1,
        min_scale=3,
        max_scale=5,
        range=(float(min(values) - margin), float(max(values) + margin)),
    )
    # Day and month while the readings are of one year, month and year beyond.
    one_year = len({reading.measured_on.year for reading in readings}) <= 1
    chart.x_labels = [formats.date_format(reading.measured_on, "j M" if one_year else "M Y") for reading in readings]
    chart.add(_("Relevés"), [reading.value for reading in readings])
    chart.add(_("Valeur de départ"), [indicator.baseline] * len(readings), show_dots=False)
    chart.add(_("Cible"), [indicator.target] * len(readings), show_dots=False)
    return chart_render(chart)


def budget_chart(rows: Sequence[BudgetRow], *, chart_id: str, title: str) -> SafeString:
    """Planned, committed and spent side by side for each row (a funder, a region)."""
    # Bars lying down: the names of funders and regions (long in Arabic) are read whole beside them.
    chart = chart_make(
        pygal.HorizontalBar,
        chart_id=chart_id,
        title=title,
        width=640,
        height=120 + 60 * len(rows),
        truncate_label=-1,
        # Few graduations: millions written in full take room, and the table gives the exact figures.
        max_scale=4,
    )
    chart.x_labels = [str(row.label) for row in rows]
    chart.add(_("Prévu"), [row.planned for row in rows])
    chart.add(_("Engagé"), [row.committed for row in rows])
    chart.add(_("Dépensé"), [row.spent for row in rows])
    return chart_render(chart)


def amount_figures(amount: Decimal, *, whole: bool = False) -> str:
    """An amount's figures as the language writes them, centimes only when there are (or never, rounded to the
    dirham, with `whole`: totals of a region or a country): "1 250 000" in French, for tables whose caption
    names the currency."""
    if whole:
        amount = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return grouped(amount, 2 if amount % 1 else 0)


def money(amount: Decimal) -> str:
    """An amount in dirhams as the language writes it: "1 250 000 MAD" in French."""
    return _("%(amount)s MAD") % {"amount": amount_figures(amount)}


def progress_by_axis_chart(rows: Sequence, *, chart_id: str, title: str) -> SafeString:
    """Each axis's mean progress (%) as a bar lying down, the axis's name read whole beside it."""
    chart = chart_make(
        pygal.HorizontalBar,
        chart_id=chart_id,
        title=title,
        width=640,
        height=120 + 50 * len(rows),
        truncate_label=-1,
        range=(0, 100),
        show_legend=False,
    )
    # pygal draws the first bar at the bottom: reversed, the bars read top down in the table's order.
    chart.x_labels = [str(row.label) for row in reversed(rows)]
    chart.add(_("Avancement moyen (%)"), [row.progress or 0 for row in reversed(rows)])
    return chart_render(chart)


def overdue_chart(points: Sequence, *, chart_id: str, title: str) -> SafeString:
    """Overdue items at the end of each month: one bar per month, oldest first."""
    chart = chart_make(
        pygal.Bar,
        chart_id=chart_id,
        title=title,
        width=640,
        height=340,
        # Twelve month names side by side overlap in Arabic: slanted, each is read whole.
        x_label_rotation=45,
        truncate_label=-1,
        min_scale=3,
        max_scale=6,
        show_legend=False,
    )
    chart.x_labels = [formats.date_format(point.day, "M y") for point in points]
    chart.add(_("Actions en retard"), [point.count for point in points])
    return chart_render(chart)
