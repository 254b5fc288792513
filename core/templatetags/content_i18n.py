"""Content typed in three languages (core/translation.py), shown in the page's language.

`{{ meeting|translated:"title" }}` is the title in the active language, or the French one where it has no
translation. A French fallback on an Arabic or English page is marked `lang="fr"` (screen readers read it in
French) and, like any content on an Arabic page, isolated in `<bdi>` so that its direction never moves the
punctuation around it. On a French page the value is printed as it is. `translated_text` does the same for a
multi-line text (a description), in paragraphs.
"""

from django import template
from django.utils.html import format_html, linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_bidi
from modeltranslation.settings import DEFAULT_LANGUAGE
from modeltranslation.utils import build_localized_fieldname

register = template.Library()


def _language() -> str:
    return (get_language() or DEFAULT_LANGUAGE).split("-")[0]


def _content(obj, field: str) -> tuple[str, str | None]:
    """The value shown, and the language it is in when that is not the page's (a fallback), else None."""
    value = getattr(obj, field, None) or ""
    language = _language()
    if not value or language == DEFAULT_LANGUAGE:
        return value, None
    own_name = build_localized_fieldname(field, language)
    if not hasattr(obj, own_name):
        # Not a translated field: shown as it is, isolated on an Arabic page but not said to be French.
        return value, None
    return value, (None if getattr(obj, own_name) else DEFAULT_LANGUAGE)


@register.filter
def translated(obj, field: str) -> str:
    """The field `field` of `obj` in the active language, marked and isolated where needed (see above)."""
    value, fallback = _content(obj, field)
    if not value:
        return ""
    if fallback:
        return format_html('<bdi lang="{}">{}</bdi>', fallback, value)
    if get_language_bidi():
        return format_html("<bdi>{}</bdi>", value)
    return format_html("{}", value)


@register.filter
def translated_text(obj, field: str) -> str:
    """A multi-line field in paragraphs, in a block marked with its language and direction when a fallback."""
    value, fallback = _content(obj, field)
    if not value:
        return ""
    paragraphs = mark_safe(linebreaks(value, autoescape=True))  # noqa: S308 (escaped by linebreaks)
    if fallback:
        return format_html('<div lang="{}" dir="ltr">{}</div>', fallback, paragraphs)
    return paragraphs
