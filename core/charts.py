"""Charts drawn as SVG on the server by pygal and written into the page, shared by the apps' pages.

The page's Content-Security-Policy allows no inline script or style: pygal's own <script> and <style> are taken
out of every chart (`_page_ready`), and static/css/roadmap.css draws them (the `.chart` rules). Each chart is
an image named by its title for screen readers; its figures are in a table beside it.
"""

import math
from collections.abc import Callable, Sequence

import pygal
from django.utils import formats, numberformat
from django.utils.safestring import SafeString, mark_safe


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


def grouped(value, decimal_pos: int | None) -> str:
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
    return grouped(value, None if value % 1 else 0)


def chart_make(chart_class, *, chart_id: str, title: str, **config):
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


def chart_render(chart) -> SafeString:
    return mark_safe(chart.render())  # noqa: S308 — pygal's SVG from figures and names escaped by its XML writer


def count_chart(rows: Sequence[tuple[str, int]], *, chart_id: str, title: str, series: str) -> SafeString:
    """One lying bar per (label, count) row, the first row on top: the names (long in Arabic) are read whole beside
    them; whole numbers on the scale (people, not fractions of them)."""
    highest = max((count for _label, count in rows), default=0)
    step = max(1, math.ceil(highest / 5))
    chart = chart_make(
        pygal.HorizontalBar,
        chart_id=chart_id,
        title=title,
        width=640,
        height=120 + 40 * len(rows),
        truncate_label=-1,
        show_legend=False,
        range=(0, max(highest, 1)),
        y_labels=list(range(0, highest + step, step)),
    )
    # pygal draws the first value at the bottom.
    chart.x_labels = [str(label) for label, _count in reversed(rows)]
    chart.add(series, [count for _label, count in reversed(rows)])
    return chart_render(chart)
