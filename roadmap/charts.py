"""Small charts of the roadmap pages, drawn as SVG on the server by pygal and written into the page.

The page's Content-Security-Policy allows no inline script or style: pygal's own <script> and <style> are taken
out of every chart (`_page_ready`), and static/css/roadmap.css draws them (the `.chart` rules). Each chart is
an image named by its title for screen readers; its figures are in a table beside it.
"""

from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal

import pygal
from django.utils import formats, numberformat
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from roadmap.models import Indicator
from roadmap.selectors import BudgetRow


def _local(node) -> str:
    # Without lxml pygal writes plain tag names; with it, namespaced ones.
    return node.tag.rsplit("}", 1)[-1] if isinstance(node.tag, str) else ""


def _page_ready(chart_id: str, title: str) -> Callable:
    def xml_filter(root):
        for defs in [node for node in root.iter() if _local(node) == "defs"]:
            for child in list(defs):
                if _local(child) in ("script", "style"):
                    defs.remove(child)
        root.set("id", chart_id)
        root.set("role", "img")
        name = next(node for node in root.iter() if _local(node) == "title")
        name.text = title
        name.set("id", f"{chart_id}-title")
        root.set("aria-labelledby", f"{chart_id}-title")
        return root

    return xml_filter


def _grouped(value, decimal_pos: int | None) -> str:
    # In threes whatever the locale says (Django's Arabic sets no grouping: 1250000 is hard to read).
    return numberformat.format(
        value,
        formats.get_format("DECIMAL_SEPARATOR"),
        decimal_pos,
        grouping=3,
        thousand_sep=formats.get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


def number(value) -> str:
    """A figure grouped the language's way, decimals only when it has some."""
    if value in (None, ""):
        return ""
    return _grouped(value, None if value % 1 else 0)


def _chart(chart_class, *, chart_id: str, title: str, **config):
    chart = chart_class(
        js=[],
        css=[],
        disable_xml_declaration=True,
        no_prefix=True,
        classes=["chart"],
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        truncate_legend=-1,
        value_formatter=number,
        **{"show_legend": True, **config},
    )
    chart.add_xml_filter(_page_ready(chart_id, title))
    return chart


def _render(chart) -> SafeString:
    return mark_safe(chart.render())  # noqa: S308 — pygal's SVG from figures and names escaped by its XML writer


def indicator_chart(indicator: Indicator) -> SafeString:
    """The indicator's readings over time with its baseline and target as lines; readings prefetched."""
    readings = list(indicator.readings.all())
    title = _("%(name)s : relevés, valeur de départ et cible") % {"name": indicator.name}
    values = [indicator.baseline, indicator.target, *(reading.value for reading in readings)]
    # A margin above and below, so the baseline and the target do not lie on the chart's edges.
    margin = (max(values) - min(values)) / 10 or 1
    chart = _chart(
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
    return _render(chart)


def budget_chart(rows: Sequence[BudgetRow], *, chart_id: str, title: str) -> SafeString:
    """Planned, committed and spent side by side for each row (a funder, a region)."""
    # Bars lying down: the names of funders and regions (long in Arabic) are read whole beside them.
    chart = _chart(
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
    return _render(chart)


def amount_figures(amount: Decimal, *, whole: bool = False) -> str:
    """An amount's figures as the language writes them, centimes only when there are (or never, rounded to the
    dirham, with `whole`: totals of a region or a country): "1 250 000" in French, for tables whose caption
    names the currency."""
    if whole:
        amount = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return _grouped(amount, 2 if amount % 1 else 0)


def money(amount: Decimal) -> str:
    """An amount in dirhams as the language writes it: "1 250 000 MAD" in French."""
    return _("%(amount)s MAD") % {"amount": amount_figures(amount)}


def progress_by_axis_chart(rows: Sequence, *, chart_id: str, title: str) -> SafeString:
    """Each axis's mean progress (%) as a bar lying down, the axis's name read whole beside it."""
    chart = _chart(
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
    return _render(chart)


def overdue_chart(points: Sequence, *, chart_id: str, title: str) -> SafeString:
    """Overdue items at the end of each month: one bar per month, oldest first."""
    chart = _chart(
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
    return _render(chart)
