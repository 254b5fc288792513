"""Registrations in the admin: search, filters, counts per meeting, CSV/Excel exports and the check-in page."""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from meetings.admin.filters import TourMeetingFilter
from meetings.exports import registrations_csv, registrations_xlsx
from meetings.forms import CheckinMarkForm, CheckinSearchForm
from meetings.models import Meeting, Registration
from meetings.selectors.registration import (
    meeting_registration_counts,
    meetings_with_online_counts,
    registrations_for_checkin,
)
from meetings.services import registration as services
from regions.models import ExportLog
from regions.services import export_log_record


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["full_name", "organisation", "meeting", "sector", "status", "mode", "email", "phone", "created_at"]
    list_select_related = ["meeting"]
    list_filter = [
        ("meeting", TourMeetingFilter),
        "meeting__region",
        "sector",
        "status",
        "mode",
        "walk_in",
        "created_at",
    ]
    search_fields = ["full_name", "organisation", "email", "phone"]
    # Counting 200,000 rows twice (filtered and in all) on every page is no use to anybody.
    show_full_result_count = False
    # Seats change only through the services (capacity lock, waiting list), never by editing a status.
    readonly_fields = [
        "meeting",
        "status",
        "mode",
        "joined_at",
        "email",
        "public_id",
        "consent_at",
        "offer_expires_at",
        "cancelled_at",
        "attended_at",
        "walk_in",
        "invited_contact",
        "language",
        "created_at",
        "updated_at",
    ]
    fields = [
        "meeting",
        "status",
        "mode",
        "joined_at",
        "full_name",
        "organisation",
        "job_title",
        "sector",
        "email",
        "phone",
        "city",
    ]
    fields += ["message", "language", "consent_at", "offer_expires_at", "cancelled_at", "attended_at", "walk_in"]
    fields += ["invited_contact", "public_id", "created_at", "updated_at"]
    actions = ["cancel_registrations", "mark_attended"]
    change_list_template = "meetings/registration_admin_changelist.html"

    def has_add_permission(self, request):
        # Staff register people through the public form, so capacity and the waiting list apply.
        return False

    def has_delete_permission(self, request, obj=None):
        # A deleted row would free a seat without offering it; cancel or erase instead.
        return False

    def get_urls(self):
        extra = [
            path("export.csv", self.admin_site.admin_view(self.export_csv), name="meetings_registration_csv"),
            path("export.xlsx", self.admin_site.admin_view(self.export_xlsx), name="meetings_registration_xlsx"),
            path(
                "pointage/<int:meeting_id>/",
                self.admin_site.admin_view(self.checkin_view),
                name="meetings_registration_checkin",
            ),
            path(
                "pointage/scan/<uuid:public_id>/",
                self.admin_site.admin_view(self.scan_view),
                name="meetings_registration_scan",
            ),
        ]
        return extra + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            # The meetings of the rows shown: the national list of meetings has its own page.
            meeting_ids = {registration.meeting_id for registration in changelist.result_list}
            counts = meeting_registration_counts(meeting_ids=meeting_ids)
            meetings = meetings_with_online_counts(meeting_ids=counts)
            response.context_data["meeting_counts"] = [(meeting, counts[meeting.pk]) for meeting in meetings]
            response.context_data["export_query"] = changelist.get_query_string()
        return response

    def _filtered(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        return changelist.get_queryset(request).select_related("meeting__region").order_by("meeting", "full_name")

    def _download(self, body: bytes, *, content_type: str, extension: str) -> HttpResponse:
        response = HttpResponse(body, content_type=content_type)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="inscriptions-{stamp}.{extension}"'
        return response

    def _exported(self, request, kind: str) -> list[Registration]:
        """The rows of the filtered list, with a line in the export log saying who took them."""
        registrations = list(self._filtered(request))
        export_log_record(user=request.user, kind=kind, row_count=len(registrations), filters=request.GET)
        return registrations

    def export_csv(self, request):
        registrations = self._exported(request, ExportLog.Kind.REGISTRATIONS_CSV)
        return self._download(registrations_csv(registrations), content_type="text/csv; charset=utf-8", extension="csv")

    def export_xlsx(self, request):
        registrations = self._exported(request, ExportLog.Kind.REGISTRATIONS_XLSX)
        return self._download(
            registrations_xlsx(registrations),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            extension="xlsx",
        )

    def _mark_attended(self, request, registration_id: int) -> None:
        try:
            registration = services.registration_mark_attended(registration_id=registration_id)
        except services.RegistrationRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("%(name)s : présence enregistrée.") % {"name": registration.full_name})

    def checkin_view(self, request, meeting_id):
        """Day-of-meeting page for a phone: find a person by name, tap to mark them present."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        meeting = get_object_or_404(Meeting.objects.select_related("region"), pk=meeting_id)
        if request.method == "POST":
            mark = CheckinMarkForm(request.POST)
            if not mark.is_valid():
                return HttpResponseBadRequest(_("Demande de pointage invalide."))
            registration = get_object_or_404(Registration, pk=mark.cleaned_data["registration"], meeting=meeting)
            self._mark_attended(request, registration.pk)
            return redirect(f"{request.path}?{urlencode({'q': mark.cleaned_data['q']})}")
        form = CheckinSearchForm(request.GET or None)
        query = form.cleaned_data["q"] if form.is_valid() else ""
        registrations = registrations_for_checkin(meeting=meeting, query=query)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Pointage — %(meeting)s") % {"meeting": meeting.title},
            "meeting": meeting,
            "form": form,
            "query": query,
            "registrations": registrations[:100],
            "counts": meeting_registration_counts(meeting_ids=[meeting.pk]).get(meeting.pk, {}),
        }
        return TemplateResponse(request, "meetings/registration_checkin.html", context)

    def scan_view(self, request, public_id):
        """Where the QR code of a confirmation leads: the person, and one button to check them in."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        registration = get_object_or_404(Registration.objects.select_related("meeting"), public_id=public_id)
        if request.method == "POST":
            self._mark_attended(request, registration.pk)
            return redirect(reverse("admin:meetings_registration_checkin", args=[registration.meeting_id]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Pointage"),
            "registration": registration,
            "meeting": registration.meeting,
        }
        return TemplateResponse(request, "meetings/registration_scan.html", context)

    @admin.action(description=_("Annuler les inscriptions sélectionnées (la place passe à la liste d'attente)"))
    def cancel_registrations(self, request, queryset):
        cancelled = 0
        for registration_id in queryset.values_list("pk", flat=True):
            try:
                services.registration_cancel(registration_id=registration_id)
            except services.RegistrationRefused as refusal:
                messages.error(request, refusal.message)
            else:
                cancelled += 1
        self.message_user(
            request,
            ngettext("%(count)d inscription annulée.", "%(count)d inscriptions annulées.", cancelled)
            % {"count": cancelled},
        )

    @admin.action(description=_("Marquer présent(e)s"))
    def mark_attended(self, request, queryset):
        for registration_id in queryset.values_list("pk", flat=True):
            self._mark_attended(request, registration_id)
