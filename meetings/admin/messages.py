from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ReadOnlyAdminMixin
from meetings.admin.filters import TourMeetingFilter
from meetings.models import MeetingMessageStats, SurveyResponse
from meetings.selectors import messages as selectors
from messaging import services
from messaging.models import OutboundMessage


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "recipient_email", "meeting", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["kind", "status", ("meeting", TourMeetingFilter), "created_at"]
    list_select_related = ["meeting"]
    search_fields = ["recipient_email", "recipient_name", "idempotency_key"]
    show_full_result_count = False
    actions = ["resend"]
    # The attachment lives on private storage, which has no URL to link to: its file name is shown instead.
    exclude = ["attachment"]
    readonly_fields = [field.name for field in OutboundMessage._meta.fields if field.name != "attachment"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Messages are a record of what was sent: staff look, and resend failed ones.
        return False

    def has_resend_permission(self, request):
        return request.user.has_perm("messaging.change_outboundmessage")

    @admin.action(description=_("Renvoyer les messages en échec"), permissions=["resend"])
    def resend(self, request, queryset):
        count = services.messages_resend(message_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(count)d message remis en file.", "%(count)d messages remis en file.", count) % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(MeetingMessageStats)
class MeetingMessageStatsAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "region", "starts_at", "status", "queued", "sent", "failed", "responses", "rating"]
    list_filter = ["status", "region"]
    show_full_result_count = False

    def get_queryset(self, request):
        return selectors.meetings_with_message_counts()

    @admin.display(description=_("en file"), ordering="queued")
    def queued(self, meeting):
        return meeting.queued

    @admin.display(description=_("envoyés"), ordering="sent")
    def sent(self, meeting):
        return meeting.sent

    @admin.display(description=_("échecs"), ordering="failed")
    def failed(self, meeting):
        return meeting.failed

    @admin.display(description=_("réponses à l'enquête"), ordering="responses")
    def responses(self, meeting):
        return meeting.responses

    @admin.display(description=_("satisfaction moyenne"), ordering="average_rating")
    def rating(self, meeting):
        return f"{meeting.average_rating:.1f} / 5" if meeting.average_rating is not None else "—"


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ["created_at", "meeting", "registration", "rating", "comment"]
    list_filter = ["meeting", "rating"]
    list_select_related = ["meeting", "registration"]
    show_full_result_count = False
    readonly_fields = ["meeting", "registration", "rating", "comment"]

    def has_add_permission(self, request):
        return False
