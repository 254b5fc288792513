"""The meeting's summary in an e-mail (its title, date, place or way in, region), rendered once per meeting,
language and way of attending by each process rather than once per message: every registration's confirmation
and every invitation of a campaign show the same lines (README, "Performance")."""

from django import template
from django.conf import settings
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language
from modeltranslation.utils import build_localized_fieldname

register = template.Library()

SUMMARY_TEMPLATES = {"html": "messaging/email/_meeting.html", "txt": "messaging/email/_meeting.txt"}
# Beyond this many summaries kept, all are forgotten at once.
MOST_KEPT = 500
_kept: dict[tuple, str] = {}


@register.simple_tag(takes_context=True)
def meeting_summary(context, form: str) -> str:
    """`messaging/email/_meeting.<form>` for the message's meeting, region and way of attending.

    Kept under what it shows: the meeting's version (every save of a meeting sets `updated_at`), the
    region's names, the language and time zone, whether the person attends online, and the escaping of
    the message.
    """
    meeting, region, online = context["meeting"], context["region"], bool(context.get("join_url"))

    def render() -> str:
        summary = template.loader.get_template(SUMMARY_TEMPLATES[form]).template
        return summary.render(context.new({"meeting": meeting, "region": region, "join_url": online}))

    if meeting.pk is None or meeting.updated_at is None:
        return render()
    names = tuple(getattr(region, build_localized_fieldname("name", code)) for code, _name in settings.LANGUAGES)
    key = (form, get_language(), get_current_timezone_name(), context.autoescape, online)
    key += (meeting.pk, meeting.updated_at, region.pk, names)
    if key not in _kept:
        if len(_kept) >= MOST_KEPT:
            _kept.clear()
        _kept[key] = render()
    return _kept[key]
