"""Pieces the lead adds to MeetingAdmin: the default reminders action and the reminders inline."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from meetings.models import Reminder
from meetings.services import campaigns


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
