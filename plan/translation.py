from modeltranslation.translator import register

from core.translation import ContentTranslationOptions
from plan.models import Market


@register(Market)
class MarketTranslationOptions(ContentTranslationOptions):
    fields = ("name",)
