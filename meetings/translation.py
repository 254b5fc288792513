from modeltranslation.translator import register

from core.translation import ContentTranslationOptions
from meetings.models import AgendaItem, Decision, Meeting, MeetingMessageStats, Tour


@register(Tour)
class TourTranslationOptions(ContentTranslationOptions):
    fields = ("name", "description")


@register(Meeting)
class MeetingTranslationOptions(ContentTranslationOptions):
    fields = ("title", "description", "venue_name", "address", "city")


@register(MeetingMessageStats)
class MeetingMessageStatsTranslationOptions(ContentTranslationOptions):
    # The admin's view of meetings by their messages: a proxy, its fields are the meeting's.
    fields = ()


@register(AgendaItem)
class AgendaItemTranslationOptions(ContentTranslationOptions):
    fields = ("title",)


@register(Decision)
class DecisionTranslationOptions(ContentTranslationOptions):
    # Only the title of a public decision is shown publicly; the details stay internal, in French.
    fields = ("title",)
