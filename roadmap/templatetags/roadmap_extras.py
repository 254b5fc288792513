from django import template

from core.charts import number
from core.people import person_name
from roadmap import changes, charts
from roadmap.models import BudgetLine
from roadmap.selectors import BudgetTotals, budget_of, indicator_latest, indicator_percent

register = template.Library()


@register.filter
def person(user) -> str:
    """A user's name as others read it (core.people.person_name)."""
    return person_name(user)


@register.filter
def change_rows(fields) -> list:
    """A stored change's fields as label, before and after, in the active language (the reader's)."""
    return changes.change_rows(fields)


@register.filter
def mad(amount) -> str:
    """An amount in MAD written the language's way ("1 250 000 MAD" in French)."""
    return charts.money(amount)


@register.filter
def amount(value, whole: str = "") -> str:
    """An amount's figures without the currency, for tables whose caption names it; `amount:"whole"` rounds it
    to the dirham."""
    return charts.amount_figures(value, whole=whole == "whole")


@register.filter(name="number")
def number_filter(value) -> str:
    return number(value)


@register.simple_tag
def indicator_chart(indicator):
    return charts.indicator_chart(indicator)


@register.simple_tag
def indicator_state(indicator) -> dict:
    """The latest reading of an indicator and how far it has gone towards its target (%)."""
    return {"latest": indicator_latest(indicator), "percent": indicator_percent(indicator)}


@register.filter
def budget(item) -> BudgetTotals:
    """An item's budget lines summed (prefetched: no query)."""
    return budget_of(items=[item])


@register.filter
def by_funder(lines) -> list:
    """Budget lines in the order funders are declared (ONMT, CRT, CNT, partner), not by their codes."""
    order = list(BudgetLine.Funder.values)
    return sorted(lines, key=lambda line: order.index(line.funder))


@register.filter
def status_count(tally, status: str) -> int:
    """How many of a tally's items (roadmap.selectors.StatusTally) have `status`."""
    return tally.count_of(status)
