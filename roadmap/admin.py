from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.admin import SEEN_FIELD, ServiceFormAdminMixin
from roadmap.forms import CsvImportForm
from roadmap.models import Comment, RoadmapItem, StatusChange
from roadmap.services import (
    IMPORT_COLUMNS,
    roadmap_comment_add,
    roadmap_item_create,
    roadmap_item_update,
    roadmap_items_import_csv,
    roadmap_items_set_status,
)


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    fields = ["changed_at", "changed_by", "from_status", "to_status", "from_progress", "to_progress"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CommentInlineForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Staff add comments; an existing one stays as its author wrote it (deleting is possible).
        if self.instance.pk:
            self.fields["body"].disabled = True


class CommentInline(admin.StackedInline):
    model = Comment
    form = CommentInlineForm
    extra = 1
    fields = ["author", "created_at", "body"]
    readonly_fields = ["author", "created_at"]


def _status_action(status: RoadmapItem.Status):
    def action(modeladmin, request, queryset):
        changed = roadmap_items_set_status(actor=request.user, items=queryset, status=status)
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d action passée à « %(status)s ».", "%(count)d actions passées à « %(status)s ».", changed
            )
            % {"count": changed, "status": status.label},
        )

    def description() -> str:
        # Built when the action list is shown, so it follows the staff member's language.
        return gettext("Passer au statut « %(status)s »") % {"status": status.label}

    action.__name__ = f"set_status_{status.value}"
    return admin.action(description=lazy(description, str)())(action)


@admin.register(RoadmapItem)
class RoadmapItemAdmin(ServiceFormAdminMixin, admin.ModelAdmin):
    change_list_template = "roadmap/admin/change_list.html"
    list_display = [
        "title",
        "region",
        "axis",
        "owner",
        "priority",
        "status",
        "progress",
        "due_on",
        "overdue",
        "acknowledged",
    ]
    list_select_related = ["region", "acknowledgement"]
    list_filter = ["region", "axis", "product_line", "owner", "status", "priority", "markets", "meeting"]
    search_fields = ["title", "description"]
    raw_id_fields = ["meeting"]
    filter_horizontal = ["markets"]
    date_hierarchy = "due_on"
    inlines = [StatusChangeInline, CommentInline]
    actions = [_status_action(status) for status in RoadmapItem.Status]
    readonly_fields = ["decision", "revision", "created_at", "updated_at"]

    @admin.display(boolean=True, description=_("en retard"))
    def overdue(self, obj):
        return obj.is_overdue

    @admin.display(boolean=True, description=_("accusé de réception"))
    def acknowledged(self, obj):
        return hasattr(obj, "acknowledgement")

    def get_readonly_fields(self, request, obj=None):
        # An item stays in the region it was agreed with.
        return [*self.readonly_fields, "region"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        # Through the services, so history and acknowledgements follow every edit made here.
        data = {name: value for name, value in form.cleaned_data.items() if name in form.changed_data}
        if change:
            data.pop(SEEN_FIELD, None)
            saved = roadmap_item_update(
                actor=request.user, item=obj, data=data, seen_version=form.cleaned_data.get(SEEN_FIELD, "")
            )
        else:
            fields = {name: value for name, value in form.cleaned_data.items() if name != SEEN_FIELD}
            saved = roadmap_item_create(actor=request.user, **fields)
        obj.pk, obj.revision = saved.pk, saved.revision

    def save_related(self, request, form, formsets, change):
        # The markets were set by the service; only the inlines are left to save.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Comment:
            return super().save_formset(request, form, formset, change)
        for comment in formset.save(commit=False):
            if comment.pk is None:
                roadmap_comment_add(actor=request.user, item=form.instance, body=comment.body)
        for comment in formset.deleted_objects:
            comment.delete()

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="roadmap_roadmapitem_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """CSV import of the items agreed at one meeting: dry run first, nothing saved if a line is wrong."""
        if not self.has_add_permission(request):
            return redirect("admin:index")
        report = None
        form = CsvImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            meeting = form.cleaned_data["meeting"]
            report = roadmap_items_import_csv(
                actor=request.user,
                meeting=meeting,
                content=form.cleaned_data["file"].read(),
                dry_run=form.cleaned_data["dry_run"],
            )
            if report.created:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d action importée pour %(region)s.",
                        "%(count)d actions importées pour %(region)s.",
                        report.created,
                    )
                    % {"count": report.created, "region": meeting.region.name},
                    messages.SUCCESS,
                )
                return redirect(f"{reverse('admin:roadmap_roadmapitem_changelist')}?meeting__id__exact={meeting.pk}")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Importer des actions depuis un fichier CSV"),
            "form": form,
            "report": report,
            "columns": IMPORT_COLUMNS,
        }
        return TemplateResponse(
            request, "roadmap/admin/import_csv.html", context, status=400 if report and report.has_errors else 200
        )
