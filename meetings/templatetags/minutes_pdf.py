"""Filters of the minutes PDF for text typed in any script (French names in an Arabic document, and the reverse).

WeasyPrint ignores <bdi> and dir="auto", so the isolation is also written into the text itself
(Unicode isolates, which Pango honours and draws as nothing), and the direction of a typed
paragraph is decided here from its first letter.
"""

import unicodedata

from django import template
from django.utils.html import format_html

from core import text as core_text

register = template.Library()


@register.filter
def isolate(value) -> str:
    """`value` escaped and isolated from the text around it: its own direction, never reordering its neighbours."""
    text = str(value)
    if not text:
        return ""
    return format_html("<bdi>{}</bdi>", core_text.isolate(text))


@register.filter
def text_direction(value) -> str:
    """ "rtl" when the first letter of `value` is written right to left (Arabic), "ltr" otherwise."""
    for character in str(value):
        kind = unicodedata.bidirectional(character)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"
