from modeltranslation.translator import register

from core.translation import ContentTranslationOptions
from regions.models import Region


@register(Region)
class RegionTranslationOptions(ContentTranslationOptions):
    fields = ("name", "seat_city", "tourism_profile")
