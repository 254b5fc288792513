from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, When
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import get_translation_fields

from core.admin import SEEN_FIELD, ContentTranslationAdmin, ServiceFormAdminMixin, VersionedInlineMixin, add_errors
from core.redirects import safe_next_url
from meetings.models import Decision
from roadmap.forms import CsvImportForm, DecisionDeleteForm, DecisionLinkForm
from roadmap.models import (
    BudgetLine,
    Comment,
    Indicator,
    ItemResponsible,
    MonthlyReport,
    Reading,
    RoadmapItem,
    StatusChange,
)
from roadmap.report_services import monthly_report_request_last_month, monthly_report_retry, monthly_reports_delete
from roadmap.selectors import indicator_latest, indicator_percent, last_month
from roadmap.services import (
    DELETE_ITEM,
    IMPORT_COLUMNS,
    TRANSLATED_FIELDS,
    decision_delete,
    roadmap_comment_add,
    roadmap_item_create,
    roadmap_item_from_decision,
    roadmap_item_link_decision,
    roadmap_item_part_delete,
    roadmap_item_part_save,
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


class ItemResponsibleInline(admin.TabularInline):
    """Who answers for the item at ONMT: reminded before its due date and once it is overdue."""

    model = ItemResponsible
    extra = 1
    max_num = 1
    fields = ["user"]


def _parts_save(request, formset) -> None:
    """Indicators, readings and budget lines of an inline through the services: locked, checked against the
    version each row was opened at, progress following the indicators. What was added, changed and deleted is
    left on the formset as formset.save() leaves it, for the admin's history of the page (who changed what)."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for form in formset.deleted_forms:
        if form.instance.pk is not None:
            roadmap_item_part_delete(actor=request.user, part=form.instance)
            formset.deleted_objects.append(form.instance)
    for form in formset.forms:
        if form in formset.deleted_forms or not form.has_changed():
            continue
        part, is_new = form.instance, form.instance.pk is None
        # A new row of a new item: the item has its key only now.
        setattr(part, formset.fk.name, formset.instance)
        roadmap_item_part_save(actor=request.user, part=part, seen_version=form.cleaned_data.get(SEEN_FIELD, ""))
        if is_new:
            formset.new_objects.append(part)
        else:
            formset.changed_objects.append((part, [name for name in form.changed_data if name != SEEN_FIELD]))


class IndicatorInline(VersionedInlineMixin, admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ["name", "unit", "baseline", "target", "position", "latest", "share"]
    readonly_fields = ["latest", "share"]
    # The readings are entered on the indicator's own page, which the title says how to reach.
    show_change_link = True
    verbose_name_plural = _(
        "Indicateurs (les relevés se saisissent sur la page de chaque indicateur : lien « Modification »)"
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("readings")

    @admin.display(description=_("dernier relevé"))
    def latest(self, obj):
        reading = indicator_latest(obj) if obj.pk else None
        if reading is None:
            return "—"
        return f"{formats.number_format(reading.value, use_l10n=True)} ({formats.date_format(reading.measured_on)})"

    @admin.display(description=_("atteint (%)"))
    def share(self, obj):
        return indicator_percent(obj) if obj.pk else "—"


class BudgetLineInline(VersionedInlineMixin, admin.TabularInline):
    model = BudgetLine
    extra = 0
    fields = ["funder", "planned", "committed", "spent", "warning"]
    readonly_fields = ["warning"]

    def get_queryset(self, request):
        # ONMT, CRT, CNT, partner: the order the funders are named in, not their codes' alphabetical one.
        order = Case(*(When(funder=funder, then=rank) for rank, funder in enumerate(BudgetLine.Funder.values)))
        return super().get_queryset(request).order_by(order)

    @admin.display(description=_("alerte"))
    def warning(self, obj):
        if obj.pk and obj.overspent:
            return format_html('<strong class="errornote">{}</strong>', gettext("Dépensé au-delà de l'engagé"))
        return ""


class ReadingInline(VersionedInlineMixin, admin.TabularInline):
    model = Reading
    extra = 1
    fields = ["measured_on", "value", "source"]


@admin.register(Indicator)
class IndicatorAdmin(ServiceFormAdminMixin, admin.ModelAdmin):
    """An indicator of a roadmap item with its readings; saved through the services, so the item's progress
    follows."""

    list_display = ["name", "item", "region", "unit", "baseline", "target"]
    list_select_related = ["item__region"]
    list_filter = ["item__region", "item__axis"]
    search_fields = ["name", "item__title"]
    raw_id_fields = ["item"]
    fields = ["item", "name", "unit", "baseline", "target", "position"]
    inlines = [ReadingInline]

    @admin.display(description=_("région"), ordering="item__region__number")
    def region(self, obj):
        return obj.item.region.name

    def get_readonly_fields(self, request, obj=None):
        # An indicator stays with its item.
        return ["item"] if obj else []

    def save_model(self, request, obj, form, change):
        roadmap_item_part_save(actor=request.user, part=obj, seen_version=form.cleaned_data.get(SEEN_FIELD, ""))

    def delete_model(self, request, obj):
        roadmap_item_part_delete(actor=request.user, part=obj)

    def delete_queryset(self, request, queryset):
        for indicator in queryset:
            roadmap_item_part_delete(actor=request.user, part=indicator)

    def save_formset(self, request, form, formset, change):
        _parts_save(request, formset)


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
class RoadmapItemAdmin(ServiceFormAdminMixin, ContentTranslationAdmin):
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
    search_fields = get_translation_fields("title", "description")
    raw_id_fields = ["meeting"]
    filter_horizontal = ["markets"]
    date_hierarchy = "due_on"
    inlines = [ItemResponsibleInline, IndicatorInline, BudgetLineInline, StatusChangeInline, CommentInline]
    actions = [_status_action(status) for status in RoadmapItem.Status]
    readonly_fields = ["decision", "revision", "created_at", "updated_at"]

    @admin.display(boolean=True, description=_("en retard"))
    def overdue(self, obj):
        return obj.is_overdue

    @admin.display(boolean=True, description=_("accusé de réception"))
    def acknowledged(self, obj):
        return hasattr(obj, "acknowledgement")

    def get_readonly_fields(self, request, obj=None):
        # An item stays in the region it was agreed with; its progress follows its indicators when it has some.
        if obj is None:
            return self.readonly_fields
        followed = ["progress"] if obj.indicators.exists() else []
        return [*self.readonly_fields, "region", *followed]

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
            # The French title and description; the other languages as translations.
            fields["title"], fields["description"] = fields.pop("title_fr"), fields.pop("description_fr") or ""
            translations = {name: fields.pop(name) for name in TRANSLATED_FIELDS if name in fields}
            saved = roadmap_item_create(actor=request.user, translations=translations, **fields)
        obj.pk, obj.revision = saved.pk, saved.revision

    def save_related(self, request, form, formsets, change):
        # The markets were set by the service; only the inlines are left to save.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        if formset.model in (Indicator, BudgetLine):
            return _parts_save(request, formset)
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


# ------------------------------------------------------------------ the decisions register


class DecisionAdminForm(forms.ModelForm):
    class Meta:
        model = Decision
        fields = [
            "meeting",
            "agenda_item",
            "title",
            "details",
            "axis",
            "product_line",
            "markets",
            "owner",
            "due_on",
            "scope",
            "is_public",
            "position",
        ]
        labels = {"meeting": _("rencontre")}


class RoadmapItemPresenceFilter(admin.SimpleListFilter):
    title = _("action de feuille de route")
    parameter_name = "action_feuille_de_route"

    def lookups(self, request, model_admin):
        return [("avec", _("avec action")), ("sans", _("sans action"))]

    def queryset(self, request, queryset):
        # Any other value (a hand-edited URL) filters nothing.
        if self.value() in ("avec", "sans"):
            return queryset.filter(roadmap_item__isnull=self.value() == "sans")
        return queryset


@admin.register(Decision)
class DecisionAdmin(ContentTranslationAdmin):
    """The register of what meetings decided, and the step that turns a decision into a roadmap item.

    Here rather than in the meetings app: it reads and writes roadmap items, which live a floor above.
    """

    form = DecisionAdminForm
    change_list_template = "roadmap/admin/decision_change_list.html"
    change_form_template = "roadmap/admin/decision_change_form.html"
    # What was decided and where it stands first: the rest scrolls on a laptop's screen.
    list_display = [
        "title",
        "roadmap_item_link",
        "region",
        "meeting_title",
        "agenda_item",
        "axis",
        "owner",
        "due_on",
        "scope",
        "is_public",
    ]
    list_select_related = ["meeting__region", "agenda_item", "roadmap_item"]
    list_filter = ["meeting__region", "meeting__tour", "axis", "owner", "scope", RoadmapItemPresenceFilter, "is_public"]
    search_fields = [
        *get_translation_fields("title"),
        "details",
        *get_translation_fields("meeting__title", "agenda_item__title"),
    ]
    raw_id_fields = ["meeting", "agenda_item"]
    filter_horizontal = ["markets"]
    actions = ["create_roadmap_items", "delete_decisions"]
    fieldsets = [
        (None, {"fields": ["meeting", "agenda_item", "title", "details"]}),
        (
            _("Engagement"),
            {"fields": ["axis", "product_line", "markets", "owner", "due_on", "scope", "is_public", "position"]},
        ),
        (_("Feuille de route"), {"fields": ["roadmap_item_detail"]}),
    ]
    readonly_fields = ["roadmap_item_detail"]

    def get_readonly_fields(self, request, obj=None):
        # A decision stays with the meeting that took it (its item is in that meeting's region).
        return [*self.readonly_fields, "meeting"] if obj else self.readonly_fields

    def get_actions(self, request):
        # Deleting goes through delete_decisions, which asks what becomes of the items.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_add_item_permission(self, request):
        return request.user.has_perm("roadmap.add_roadmapitem")

    @admin.display(description=_("région"), ordering="meeting__region__number")
    def region(self, obj):
        return obj.meeting.region.name

    @admin.display(description=_("rencontre"), ordering="meeting__starts_at")
    def meeting_title(self, obj):
        return obj.meeting.title

    @admin.display(description=_("action de feuille de route"))
    def roadmap_item_link(self, obj):
        item = getattr(obj, "roadmap_item", None)
        if item is None:
            return self._create_item_button(obj)
        # Its status is what the register is read for; its title only when it has moved away from the decision's.
        link = format_html('<a href="{}">{}</a>', self._item_admin_url(item), item.get_status_display())
        return link if item.title == obj.title else format_html("{}<br>« {} »", link, item.title)

    @admin.display(description=_("action de feuille de route"))
    def roadmap_item_detail(self, obj):
        item = getattr(obj, "roadmap_item", None)
        if item is None:
            return self._create_item_button(obj)
        return format_html(
            '<a href="{}">{}</a> — {} — {}',
            self._item_admin_url(item),
            item.title,
            item.get_status_display(),
            format_html('<a href="{}">{}</a>', item.get_absolute_url(), gettext("page de la feuille de route")),
        )

    @staticmethod
    def _item_admin_url(item: RoadmapItem) -> str:
        return reverse("admin:roadmap_roadmapitem_change", args=[item.pk])

    @staticmethod
    def _create_item_button(decision: Decision):
        if decision.pk is None:
            return "—"
        # Inside the page's own form (the list's or the decision's): the button posts it elsewhere.
        return format_html(
            '<button type="submit" class="button" formaction="{}" formnovalidate>{}</button>',
            reverse("roadmap:decision_to_item", args=[decision.pk]),
            gettext("Créer l'action de feuille de route"),
        )

    def get_urls(self):
        return [
            path("<int:pk>/relier/", self.admin_site.admin_view(self.link_view), name="meetings_decision_link"),
            *super().get_urls(),
        ]

    # ---------------------------------------------------------------- decisions into items

    def _link_offer(self, decision: Decision, refusal: ValidationError) -> str:
        return format_html(
            '{} <a href="{}">{}</a>',
            " ".join(refusal.messages),
            reverse("admin:meetings_decision_link", args=[decision.pk]),
            gettext("Relier la décision à l'action existante"),
        )

    @admin.action(description=_("Créer l'action de feuille de route"), permissions=["add_item"])
    def create_roadmap_items(self, request, queryset):
        created = 0
        for decision in queryset.select_related("roadmap_item").order_by("pk"):
            if hasattr(decision, "roadmap_item"):
                continue
            try:
                roadmap_item_from_decision(actor=request.user, decision=decision)
            except ValidationError as refusal:
                notice = self._link_offer(decision, refusal) if refusal.code == "duplicate_title" else None
                self.message_user(request, notice or " ".join(refusal.messages), messages.ERROR)
            else:
                created += 1
        if created:
            self.message_user(
                request,
                ngettext(
                    "%(count)d action ajoutée aux feuilles de route.",
                    "%(count)d actions ajoutées aux feuilles de route.",
                    created,
                )
                % {"count": created},
                messages.SUCCESS,
            )

    def link_view(self, request, pk):
        """Link a decision to an item already on its region's roadmap (the one of the same title, proposed)."""
        decision = get_object_or_404(Decision.objects.select_related("meeting__region", "roadmap_item"), pk=pk)
        if not self.has_change_permission(request, decision) or not request.user.has_perm("roadmap.change_roadmapitem"):
            raise PermissionDenied
        back = safe_next_url(request, reverse("admin:meetings_decision_change", args=[decision.pk]))
        if hasattr(decision, "roadmap_item"):
            self.message_user(
                request,
                gettext("La décision a déjà son action : « %(title)s ».") % {"title": decision.roadmap_item.title},
                messages.INFO,
            )
            return redirect(back)
        items = RoadmapItem.objects.filter(region=decision.meeting.region, decision__isnull=True).order_by("title")
        namesake = next((item for item in items if item.title == decision.title), None)
        form = DecisionLinkForm(request.POST or None, items=items, initial={"item": namesake})
        if request.method == "POST" and form.is_valid():
            try:
                item = roadmap_item_link_decision(item=form.cleaned_data["item"], decision=decision)
            except ValidationError as refusal:
                add_errors(form, refusal)
            else:
                self.message_user(
                    request,
                    gettext("Décision reliée à l'action « %(title)s ».") % {"title": item.title},
                    messages.SUCCESS,
                )
                return redirect(back)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Relier la décision « %(title)s » à une action existante") % {"title": decision.title},
            "decision": decision,
            "form": form,
            "next": back,
        }
        return TemplateResponse(
            request, "roadmap/admin/decision_link.html", context, status=400 if form.errors else 200
        )

    # ---------------------------------------------------------------- deletion: what becomes of the items

    def delete_view(self, request, object_id, extra_context=None):
        decision = self.get_object(request, unquote(object_id))
        if decision is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_delete_permission(request, decision):
            raise PermissionDenied
        return self._delete_page(request, Decision.objects.filter(pk=decision.pk), action=None)

    @admin.action(description=_("Supprimer les décisions sélectionnées"), permissions=["delete"])
    def delete_decisions(self, request, queryset):
        return self._delete_page(request, queryset, action="delete_decisions")

    def _delete_page(self, request, queryset, *, action: str | None):
        """Ask what becomes of the decisions' roadmap items, then delete them through the service."""
        decisions = list(queryset.select_related("meeting__region", "roadmap_item__region").order_by("pk"))
        with_items = [decision for decision in decisions if hasattr(decision, "roadmap_item")]
        confirmed = request.method == "POST" and request.POST.get("confirm") == "yes"
        form = DecisionDeleteForm(
            request.POST if confirmed else None,
            has_items=bool(with_items),
            can_delete_items=request.user.has_perm("roadmap.delete_roadmapitem"),
        )
        if confirmed and form.is_valid():
            deleted = self.delete_queryset(request, decisions, item_action=form.cleaned_data["item_action"])
            if deleted:
                self.message_user(
                    request,
                    ngettext("%(count)d décision supprimée.", "%(count)d décisions supprimées.", deleted)
                    % {"count": deleted},
                    messages.SUCCESS,
                )
            return redirect("admin:meetings_decision_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Supprimer des décisions"),
            "decisions": decisions,
            "with_items": with_items,
            "form": form,
            "action": action,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "roadmap/admin/decision_delete.html", context, status=400 if form.errors else 200
        )

    def delete_queryset(self, request, queryset, item_action: str | None = None) -> int:
        """Each decision through `decision_delete`, with what becomes of its item; returns how many went.

        A decision whose item appeared since the question was asked (no choice made) is kept, with the reason.
        """
        item_admin = self.admin_site._registry[RoadmapItem]
        deleted = 0
        for decision in queryset:
            item = getattr(decision, "roadmap_item", None)
            try:
                with transaction.atomic():
                    self.log_deletions(request, [decision])
                    if item is not None and item_action == DELETE_ITEM:
                        item_admin.log_deletions(request, [item])
                    decision_delete(actor=request.user, decision=decision, item_action=item_action)
            except ValidationError as refusal:
                self.message_user(request, f"{decision} : {' '.join(refusal.messages)}", messages.ERROR)
            else:
                deleted += 1
        return deleted


# ------------------------------------------------------------------ monthly reports


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    """The monthly reports: their state and files; a button asks for last month's, an action retries a failed one."""

    change_list_template = "roadmap/admin/monthly_report_change_list.html"
    list_display = ["month", "state", "created_at", "downloads", "error_summary"]
    list_filter = ["state"]
    fields = ["period", "state", "created_at", "updated_at", "downloads", "error"]
    readonly_fields = fields
    actions = ["retry"]

    def has_add_permission(self, request):
        # Reports are asked for by the button (or the beat), never typed.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        monthly_reports_delete(report_ids=[obj.pk])

    def delete_queryset(self, request, queryset):
        monthly_reports_delete(report_ids=queryset.values_list("pk", flat=True))

    def has_produce_permission(self, request):
        return request.user.has_perm("roadmap.add_monthlyreport")

    @admin.display(description=_("mois"), ordering="period")
    def month(self, report):
        return _month(report)

    @admin.display(description=_("fichiers"))
    def downloads(self, report):
        if report.state != MonthlyReport.State.READY:
            return "—"
        links = [
            format_html('<a href="{}">{}</a>', reverse("roadmap:report_download", args=[report.pk, part]), label)
            for part, label in (("pdf_fr", _("PDF français")), ("pdf_ar", _("PDF arabe")), ("xlsx", _("XLSX")))
        ]
        return format_html(" · ".join(["{}"] * len(links)), *links)

    @admin.display(description=_("erreur"))
    def error_summary(self, report):
        return report.error[:120]

    def get_urls(self):
        return [
            path(
                "produire/",
                self.admin_site.admin_view(self.produce_view),
                name="roadmap_monthlyreport_produce",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_produce": self.has_produce_permission(request),
            "last_month": last_month(today=timezone.localdate()),
        }
        return super().changelist_view(request, extra_context)

    def produce_view(self, request):
        """POST: ask for the report of the month just ended (made by a task; once per month, however often)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_produce_permission(request):
            raise PermissionDenied
        report, queued = monthly_report_request_last_month()
        if queued:
            self.message_user(
                request, gettext("Le rapport de %(month)s est en préparation.") % {"month": _month(report)}
            )
        else:
            self.message_user(
                request,
                gettext("Le rapport de %(month)s a déjà été demandé (état : %(state)s).")
                % {"month": _month(report), "state": report.get_state_display()},
                messages.WARNING,
            )
        return redirect("admin:roadmap_monthlyreport_changelist")

    @admin.action(description=_("Refaire les rapports en échec"), permissions=["produce"])
    def retry(self, request, queryset):
        retried = [report for report in queryset if monthly_report_retry(report_id=report.pk) is not None]
        self.message_user(
            request,
            ngettext(
                "%(count)d rapport remis en préparation.", "%(count)d rapports remis en préparation.", len(retried)
            )
            % {"count": len(retried)},
        )


def _month(report: MonthlyReport) -> str:
    return formats.date_format(report.period, "F Y")
