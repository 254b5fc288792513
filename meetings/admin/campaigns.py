"""Pieces the lead adds to MeetingAdmin: the invitation action and the reminders inline."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from meetings.models import Reminder
from meetings.services import campaigns


@admin.action(description=_("Envoyer les invitations aux contacts de la région"))
def send_invitations(modeladmin, request, queryset):
    for meeting in queryset:
        try:
            count = campaigns.invitations_send(meeting_id=meeting.pk)
        except ValidationError as error:
            modeladmin.message_user(
                request,
                gettext("%(meeting)s : %(errors)s") % {"meeting": meeting, "errors": " ".join(error.messages)},
                messages.ERROR,
            )
            continue
        modeladmin.message_user(
            request,
            ngettext(
                "%(meeting)s : %(count)d nouvelle invitation mise en file.",
                "%(meeting)s : %(count)d nouvelles invitations mises en file.",
                count,
            )
            % {"meeting": meeting, "count": count},
            messages.SUCCESS,
        )


@admin.action(description=_("Ajouter les rappels par défaut (J-2 et le matin même à 8 h)"))
def add_default_reminders(modeladmin, request, queryset):
    for meeting in queryset:
        campaigns.reminders_create_defaults(meeting=meeting)
    modeladmin.message_user(request, _("Rappels par défaut ajoutés."), messages.SUCCESS)


class ReminderInline(admin.TabularInline):
    model = Reminder
    extra = 0
    fields = ["offset", "days_before", "local_time", "include_invited", "sent_at"]
    readonly_fields = ["sent_at"]
