from django.contrib import admin

from plan.models import Market


@admin.register(Market)
class MarketAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_domestic", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
