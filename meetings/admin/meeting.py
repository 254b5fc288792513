from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import get_translation_fields

from core.admin import SEEN_FIELD, ContentTranslationAdmin, ServiceFormAdminMixin, add_errors
from meetings.admin.campaigns import ReminderInline, add_default_reminders
from meetings.admin.delegation import AgendaItemInline, DelegationInline
from meetings.models import AttendanceMode, DelegationMember, Meeting, Tour
from meetings.selectors import meeting as selectors
from meetings.services import campaigns
from meetings.services import meeting as services
from meetings.services.delegation import delegation_save
from regions.models import Region


class MonthListFilter(admin.SimpleListFilter):
    title = _("mois")
    parameter_name = "month"

    def lookups(self, request, model_admin):
        months = Meeting.objects.datetimes("starts_at", "month", tzinfo=timezone.get_current_timezone())
        return [(month.strftime("%Y-%m"), formats.date_format(month, "F Y")) for month in months]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            year, month = (int(part) for part in self.value().split("-"))
            start = datetime(year, month, 1, tzinfo=timezone.get_current_timezone())
            end = start.replace(year=year + month // 12, month=month % 12 + 1)
        except ValueError:
            # A hand-edited URL: show nothing rather than fail.
            return queryset.none()
        return queryset.filter(starts_at__gte=start, starts_at__lt=end)


# The attendance modes a meeting offers, as staff choose them: one choice for the two fields it sets.
ATTENDANCE_CHOICES = {
    "in_person": ([AttendanceMode.IN_PERSON], _("Sur place uniquement")),
    "online": ([AttendanceMode.ONLINE], _("En ligne uniquement")),
    "both": ([AttendanceMode.IN_PERSON, AttendanceMode.ONLINE], _("Sur place et en ligne, au choix de chacun")),
}


class MeetingAdminForm(forms.ModelForm):
    # Left out of a submitted form (a script, an older page): the modes stay as they are.
    attendance = forms.ChoiceField(
        label=_("participation"),
        choices=[("", "—"), *((key, label) for key, (_modes, label) in ATTENDANCE_CHOICES.items())],
        required=False,
    )
    online_url = forms.URLField(
        label=_("lien de la visioconférence"),
        required=False,
        assume_scheme="https",
        help_text=_(
            "Jamais affiché sur le site : chaque inscrit en ligne reçoit un lien personnel "
            "qui y mène peu avant le début."
        ),
    )
    recording_url = forms.URLField(
        label=_("lien de l'enregistrement"),
        required=False,
        assume_scheme="https",
        help_text=_("Ajouté à l'e-mail de suivi envoyé après la rencontre."),
    )

    class Meta:
        model = Meeting
        fields = [
            "tour",
            "region",
            "kind",
            "title",
            "slug",
            "starts_at",
            "ends_at",
            "venue_name",
            "address",
            "city",
            "latitude",
            "longitude",
            "online_url",
            "capacity",
            "online_capacity",
            "recording_url",
            "registration_opens_at",
            "registration_closes_at",
            "waitlist_offer_hours",
            "confirm_waitlist_directly",
            "description",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        modes = self.instance.modes
        self.fields["attendance"].initial = next(
            key for key, (each, _label) in ATTENDANCE_CHOICES.items() if each == modes
        )

    def _value(self, name: str):
        # Fields locked after publication are not in the form: the stored value still counts.
        return self.cleaned_data.get(name) if name in self.fields else getattr(self.instance, name)

    def clean(self):
        cleaned = super().clean()
        tour, starts_at, ends_at = (self._value(name) for name in ["tour", "starts_at", "ends_at"])
        if tour and starts_at and ends_at:
            try:
                services.meeting_validate_schedule(
                    tour=tour,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    registration_opens_at=cleaned.get("registration_opens_at"),
                    registration_closes_at=cleaned.get("registration_closes_at"),
                    exclude_pk=self.instance.pk,
                )
            except ValidationError as error:
                add_errors(self, error)
        attendance = cleaned.get("attendance")
        modes = ATTENDANCE_CHOICES[attendance][0] if attendance else self.instance.modes
        self.instance.offers_in_person = AttendanceMode.IN_PERSON in modes
        self.instance.offers_online = AttendanceMode.ONLINE in modes
        if cleaned.get("capacity") is not None:
            try:
                services.meeting_validate_capacity(
                    meeting=self.instance,
                    capacity=cleaned["capacity"],
                    online_capacity=self._value("online_capacity"),
                    modes=modes,
                )
            except ValidationError as error:
                add_errors(self, error)
        return cleaned


class LabelledSplitDateTime(AdminSplitDateTime):
    """The admin's date and time boxes, each named for screen readers (the field's label names only the first)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.widgets[0].attrs["aria-label"] = _("Date (jj/mm/aaaa)")
        self.widgets[1].attrs["aria-label"] = _("Heure (hh:mm)")


class PostponeForm(forms.Form):
    starts_at = forms.SplitDateTimeField(label=_("Nouveau début"), widget=LabelledSplitDateTime)
    ends_at = forms.SplitDateTimeField(label=_("Nouvelle fin"), widget=LabelledSplitDateTime)


class InvitationsForm(forms.Form):
    send_after = forms.SplitDateTimeField(
        label=_("Envoyer à partir du"),
        widget=LabelledSplitDateTime,
        required=False,
        help_text=_(
            "Laisser vide pour envoyer maintenant. Un contact déjà invité à la rencontre ne l'est pas deux fois."
        ),
    )


class DuplicateForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Région"), queryset=Region.objects.all())
    starts_at = forms.SplitDateTimeField(label=_("Début"), widget=LabelledSplitDateTime)


@admin.register(Meeting)
class MeetingAdmin(ServiceFormAdminMixin, ContentTranslationAdmin):
    form = MeetingAdminForm
    # The kind is in the title and the filter: without it, "registered / capacity" fits a 1366 px screen.
    list_display = ["title", "region", "starts_at", "status", "registrations"]
    list_filter = ["tour", "region", "status", MonthListFilter, "kind"]
    search_fields = [*get_translation_fields("title", "city", "venue_name"), *get_translation_fields("region__name")]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["status", "sequence", "minutes_validation_link"]
    # The delegation first: the agenda names its speakers from it.
    inlines = [DelegationInline, AgendaItemInline, ReminderInline]
    # Status changes go through the services behind these actions (they notify registrants).
    actions = [
        "publish",
        "postpone",
        "cancel",
        "mark_held",
        "duplicate",
        "send_invitations",
        add_default_reminders,
    ]
    fieldsets = [
        (None, {"fields": ["tour", "region", "kind", "title", "slug", "status", "sequence"]}),
        (
            _("Date et lieu"),
            {
                "fields": [
                    "starts_at",
                    "ends_at",
                    "venue_name",
                    "address",
                    "city",
                    "latitude",
                    "longitude",
                ]
            },
        ),
        (
            _("Participation"),
            {"fields": ["attendance", "online_url", "online_capacity", "recording_url"]},
        ),
        (
            _("Inscriptions"),
            {
                "fields": [
                    "capacity",
                    "registration_opens_at",
                    "registration_closes_at",
                    "waitlist_offer_hours",
                    "confirm_waitlist_directly",
                ]
            },
        ),
        (_("Présentation"), {"fields": ["description"]}),
    ]

    def get_queryset(self, request):
        return selectors.meetings_admin_list()

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [*fieldsets, (_("Compte rendu"), {"fields": ["minutes_validation_link"]})]

    @admin.display(description=_("validation par le CRT"))
    def minutes_validation_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("meetings:minutes_validation", args=[obj.slug]),
            gettext("Versions envoyées au CRT et envoi pour validation"),
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None or obj.status == Meeting.Status.DRAFT:
            return self.readonly_fields
        # Once public, the dates move only through "Reporter", which tells the registrants.
        return [*self.readonly_fields, "tour", "starts_at", "ends_at"]

    @admin.display(description=_("inscrits / capacité"), ordering="seats_taken")
    def registrations(self, obj):
        if not obj.offers_online:
            return f"{obj.seats_taken} / {obj.capacity}"
        online = obj.online_capacity if obj.online_capacity is not None else "∞"
        return _("%(in_person)s · en ligne %(online)s") % {
            "in_person": f"{obj.seats_taken} / {obj.capacity}",
            "online": f"{obj.online_seats_taken} / {online}",
        }

    def save_model(self, request, obj, form, change):
        services.meeting_save(meeting=obj, seen_version=form.cleaned_data.get(SEEN_FIELD, ""))

    def save_formset(self, request, form, formset, change):
        if formset.model is not DelegationMember:
            super().save_formset(request, form, formset, change)
            return
        changed = formset.save(commit=False)
        delegation_save(meeting=form.instance, changed=changed, deleted=formset.deleted_objects)

    def get_urls(self):
        return [
            path(
                "<int:pk>/reporter/", self.admin_site.admin_view(self.postpone_view), name="meetings_meeting_postpone"
            ),
            path(
                "<int:pk>/invitations/",
                self.admin_site.admin_view(self.invitations_view),
                name="meetings_meeting_invitations",
            ),
            path(
                "<int:pk>/dupliquer/",
                self.admin_site.admin_view(self.duplicate_view),
                name="meetings_meeting_duplicate",
            ),
            *super().get_urls(),
        ]

    # ---------------------------------------------------------------- actions

    def _each(self, request, queryset: QuerySet[Meeting], service, done: Promise) -> None:
        """Run the service on each meeting; `done` is an ngettext_lazy message keyed on `count`."""
        count = 0
        for meeting in queryset:
            try:
                service(meeting=meeting)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Publier les rencontres sélectionnées"), permissions=["change"])
    def publish(self, request, queryset):
        self._each(
            request,
            queryset,
            services.meeting_publish,
            ngettext_lazy("%(count)d rencontre publiée.", "%(count)d rencontres publiées.", "count"),
        )

    @admin.action(description=_("Marquer comme tenues"), permissions=["change"])
    def mark_held(self, request, queryset):
        self._each(
            request,
            queryset,
            services.meeting_mark_held,
            ngettext_lazy(
                "%(count)d rencontre marquée comme tenue.", "%(count)d rencontres marquées comme tenues.", "count"
            ),
        )

    @admin.action(description=_("Annuler les rencontres sélectionnées (prévient les inscrits)"), permissions=["change"])
    def cancel(self, request, queryset):
        if request.POST.get("confirm") == "yes":
            self._each(
                request,
                queryset,
                services.meeting_cancel,
                ngettext_lazy(
                    "%(count)d rencontre annulée ; les inscrits sont prévenus.",
                    "%(count)d rencontres annulées ; les inscrits sont prévenus.",
                    "count",
                ),
            )
            return None
        return TemplateResponse(
            request,
            "admin/meetings/meeting/cancel_confirmation.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Annuler des rencontres"),
                "opts": self.model._meta,
                "meetings": queryset,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    def _single(self, request, queryset, url_name: str):
        if queryset.count() != 1:
            self.message_user(request, gettext("Sélectionnez une seule rencontre pour cette action."), messages.WARNING)
            return None
        return HttpResponseRedirect(reverse(f"admin:{url_name}", args=[queryset.get().pk]))

    @admin.action(description=_("Reporter à une nouvelle date (prévient les inscrits)"), permissions=["change"])
    def postpone(self, request, queryset):
        return self._single(request, queryset, "meetings_meeting_postpone")

    @admin.action(
        description=_("Inviter les contacts de la région (aperçu, puis envoi maintenant ou programmé)"),
        permissions=["change"],
    )
    def send_invitations(self, request, queryset):
        return self._single(request, queryset, "meetings_meeting_invitations")

    @admin.action(description=_("Dupliquer comme modèle pour une autre région"), permissions=["add"])
    def duplicate(self, request, queryset):
        return self._single(request, queryset, "meetings_meeting_duplicate")

    # ---------------------------------------------------------------- views behind the actions

    def _form_page(
        self,
        request: HttpRequest,
        meeting: Meeting,
        form: forms.Form,
        *,
        title: str,
        submit: str,
        template=None,
        **extra,
    ):
        return TemplateResponse(
            request,
            template or "admin/meetings/meeting/action_form.html",
            {
                **extra,
                **self.admin_site.each_context(request),
                "title": title,
                "submit": submit,
                "opts": self.model._meta,
                "original": meeting,
                "form": form,
                "media": self.media + form.media,
            },
        )

    def _service_form_view(
        self, request, meeting: Meeting, form: forms.Form, *, perform, title: str, submit: str, **page
    ):
        """A page behind an action: the form; on a valid submission, `perform` calls the service.

        `perform(cleaned_data)` returns the meeting to show next and the notice for staff; a
        ValidationError of the service is shown on the form, which keeps what staff typed.
        """
        if request.method == "POST" and form.is_valid():
            try:
                target, notice, level = perform(form.cleaned_data)
            except ValidationError as error:
                add_errors(form, error)
            else:
                self.message_user(request, notice, level)
                return HttpResponseRedirect(reverse("admin:meetings_meeting_change", args=[target.pk]))
        return self._form_page(request, meeting, form, title=title, submit=submit, **page)

    def postpone_view(self, request, pk):
        meeting = get_object_or_404(Meeting, pk=pk)
        if not self.has_change_permission(request, meeting):
            raise PermissionDenied
        initial = {"starts_at": timezone.localtime(meeting.starts_at), "ends_at": timezone.localtime(meeting.ends_at)}

        def perform(data):
            services.meeting_postpone(meeting=meeting, **data)
            notice = gettext("« %(meeting)s » est reportée ; les inscrits sont prévenus.") % {"meeting": meeting}
            return meeting, notice, messages.SUCCESS

        return self._service_form_view(
            request,
            meeting,
            PostponeForm(request.POST or None, initial=initial),
            perform=perform,
            title=gettext("Reporter « %(meeting)s »") % {"meeting": meeting},
            submit=gettext("Reporter"),
        )

    def invitations_view(self, request, pk):
        meeting = get_object_or_404(Meeting, pk=pk)
        if not self.has_change_permission(request, meeting):
            raise PermissionDenied

        def perform(data):
            count = campaigns.invitations_send(meeting_id=meeting.pk, **data)
            when = data["send_after"]
            if when:
                notice = ngettext(
                    "« %(meeting)s » : %(count)d nouvelle invitation, envoi à partir du %(when)s.",
                    "« %(meeting)s » : %(count)d nouvelles invitations, envoi à partir du %(when)s.",
                    count,
                )
            else:
                notice = ngettext(
                    "« %(meeting)s » : %(count)d nouvelle invitation, envoi maintenant.",
                    "« %(meeting)s » : %(count)d nouvelles invitations, envoi maintenant.",
                    count,
                )
            when = formats.date_format(timezone.localtime(when), "d/m/Y H:i") if when else ""
            return meeting, notice % {"meeting": meeting, "count": count, "when": when}, messages.INFO

        return self._service_form_view(
            request,
            meeting,
            InvitationsForm(request.POST or None),
            perform=perform,
            title=gettext("Inviter les contacts de la région à « %(meeting)s »") % {"meeting": meeting},
            submit=gettext("Inviter"),
            template="admin/meetings/meeting/invitations.html",
            preview=campaigns.invitations_preview(meeting=meeting),
        )

    def duplicate_view(self, request, pk):
        meeting = get_object_or_404(Meeting.objects.select_related("tour"), pk=pk)
        if not self.has_add_permission(request):
            raise PermissionDenied
        unscheduled = selectors.tour_timeline(tour=meeting.tour).unscheduled

        def perform(data):
            copy = services.meeting_duplicate(meeting=meeting, **data)
            notice = gettext("Brouillon « %(meeting)s » créé : vérifiez le lieu et l'ordre du jour.") % {
                "meeting": copy
            }
            return copy, notice, messages.INFO

        return self._service_form_view(
            request,
            meeting,
            DuplicateForm(request.POST or None, initial={"region": unscheduled[0] if unscheduled else None}),
            perform=perform,
            title=gettext("Dupliquer « %(meeting)s »") % {"meeting": meeting},
            submit=gettext("Créer le brouillon"),
        )


class TourAdminForm(forms.ModelForm):
    class Meta:
        model = Tour
        fields = ["name", "slug", "starts_on", "ends_on", "description", "is_published"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_on") and cleaned.get("ends_on"):
            try:
                services.tour_validate_period(
                    tour=self.instance, starts_on=cleaned["starts_on"], ends_on=cleaned["ends_on"]
                )
            except ValidationError as error:
                add_errors(self, error)
        return cleaned


@admin.register(Tour)
class TourAdmin(ContentTranslationAdmin):
    form = TourAdminForm
    list_display = ["name", "starts_on", "ends_on", "is_published", "timeline_link"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description=_("calendrier"))
    def timeline_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:meetings_tour_timeline", args=[obj.pk]),
            gettext("Chronologie des étapes"),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/chronologie/", self.admin_site.admin_view(self.timeline_view), name="meetings_tour_timeline"
            ),
            *super().get_urls(),
        ]

    def timeline_view(self, request, pk):
        tour = get_object_or_404(Tour, pk=pk)
        if not self.has_view_permission(request, tour):
            raise PermissionDenied
        return TemplateResponse(
            request,
            "admin/meetings/tour/timeline.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Chronologie — %(tour)s") % {"tour": tour},
                "opts": self.model._meta,
                "original": tour,
                "timeline": selectors.tour_timeline(tour=tour),
            },
        )
