from modeltranslation.translator import register

from core.translation import ContentTranslationOptions
from roadmap.models import RoadmapItem


@register(RoadmapItem)
class RoadmapItemTranslationOptions(ContentTranslationOptions):
    fields = ("title", "description")
