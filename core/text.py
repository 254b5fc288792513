"""Pieces of text that every app's messages share."""

from datetime import datetime

from django.utils import formats, timezone

FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"


def isolate(value) -> str:
    """`value` set apart from the sentence around it by Unicode isolates (FSI … PDI).

    In an Arabic sentence, a phone number ("06 12 34 56 78" would read "78 56 34 12 06"), an e-mail
    address, a date or a time in Latin digits keeps its own order and leaves its neighbours' punctuation
    where it belongs; in a French or English one the isolates change nothing. They go in the message's
    arguments, not in the translations, so that no translator has to type them.
    """
    return f"{FIRST_STRONG_ISOLATE}{value}{POP_DIRECTIONAL_ISOLATE}"


def local_moment(moment: datetime) -> str:
    """A moment in Morocco's time, as staff type it in the admin (31/12/2026 15:00), isolated."""
    return isolate(formats.date_format(timezone.localtime(moment), "d/m/Y H:i"))


def local_day(day) -> str:
    """A day as staff type it in the admin (31/12/2026), isolated."""
    return isolate(formats.date_format(day, "d/m/Y"))
