from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import get_translation_fields

from core.admin import ContentTranslationAdmin, ReadOnlyAdminMixin
from regions.models import Contact, ExportLog, Region, RegionalCouncil


class RegionalCouncilInline(admin.StackedInline):
    model = RegionalCouncil
    extra = 0
    max_num = 1


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["full_name", "kind", "organisation", "role", "email", "phone", "language", "invite", "user"]
    raw_id_fields = ["user"]


@admin.register(Region)
class RegionAdmin(ContentTranslationAdmin):
    list_display = ["number", "name_fr", "name_ar", "seat_city"]
    list_display_links = ["number", "name_fr"]
    search_fields = get_translation_fields("name", "seat_city")
    readonly_fields = ["number", "slug"]
    inlines = [RegionalCouncilInline, ContactInline]

    def has_add_permission(self, request):
        # The 12 regions are fixed by the 2015 division and seeded by migration.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RegionalCouncil)
class RegionalCouncilAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "president", "email", "phone"]
    list_select_related = ["region"]
    search_fields = ["name", "president", "email", "region__name_fr"]
    list_filter = ["region"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["full_name", "region", "kind", "organisation", "role", "email", "language", "invite", "has_login"]
    list_select_related = ["region", "user"]
    list_filter = ["region", "kind", "language", "invite"]
    search_fields = ["full_name", "email", "organisation", "role", "phone"]
    raw_id_fields = ["user"]
    list_editable = ["invite"]

    @admin.display(boolean=True, description=_("compte portail"))
    def has_login(self, obj):
        return obj.user_id is not None


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read only: an audit log nobody edits or deletes from the admin, and only superusers read.

    Staff who manage the regions hold this app's permissions; the log of their exports is not theirs to read.
    """

    list_display = ["exported_at", "user", "kind", "row_count", "region", "filters"]
    list_filter = ["kind", "region"]
    list_select_related = ["user", "region"]
    search_fields = ["user__username", "filters"]
    date_hierarchy = "exported_at"

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
