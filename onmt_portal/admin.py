from django.contrib import admin

from onmt_portal.models import ExportLog


class ReadOnlyAdminMixin:
    """An admin page to look at rows that nobody adds, edits or deletes by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read only: an audit log nobody edits or deletes from the admin."""

    list_display = ["exported_at", "user", "kind", "row_count", "region", "filters"]
    list_filter = ["kind", "region"]
    list_select_related = ["user", "region"]
    search_fields = ["user__username", "filters"]
    date_hierarchy = "exported_at"
