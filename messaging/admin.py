from django.contrib import admin

from messaging.models import Unsubscription


@admin.register(Unsubscription)
class UnsubscriptionAdmin(admin.ModelAdmin):
    """Addresses that get no more invitations, reminders or follow-ups; deleting one subscribes it again."""

    list_display = ["email", "created_at"]
    search_fields = ["email"]
    readonly_fields = ["created_at"]
    show_full_result_count = False
