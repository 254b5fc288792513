from django.contrib import admin
from modeltranslation.utils import get_translation_fields

from core.admin import ContentTranslationAdmin
from plan.models import Market


@admin.register(Market)
class MarketAdmin(ContentTranslationAdmin):
    list_display = ["name", "slug", "is_domestic", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = get_translation_fields("name")
