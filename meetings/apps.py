from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _

from core.page_cache import PUBLIC_SCOPE, invalidate_on_change
from core.storage import files_deleted_with_their_rows


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Tournée et rencontres")

    def ready(self):
        # Models can be imported only once the registry is ready.
        from meetings.page_scopes import meeting_page_scope_of
        from meetings.personal_data import register_personal_data
        from meetings.selectors.registration import registration_meetings_kept

        # Every public page shows tours and meetings; only its meeting's page shows an agenda or its seats.
        invalidate_on_change([self.get_model("Tour"), self.get_model("Meeting")], scope=PUBLIC_SCOPE)
        # What the registrations keep of the meetings: at once in this process, for the transaction that
        # made the change to see it before it commits (the others hear of PUBLIC_SCOPE).
        registration_meetings_kept.forget_on_change(
            [self.get_model("Tour"), self.get_model("Meeting"), apps.get_model("regions", "Region")]
        )
        # A meeting's page also shows its agenda's speakers (from the delegation) and, once held, its decisions.
        on_the_meeting_page = ("AgendaItem", "Registration", "DelegationMember", "Decision")
        invalidate_on_change([self.get_model(name) for name in on_the_meeting_page], scope=meeting_page_scope_of)
        register_personal_data()
        files_deleted_with_their_rows([self.get_model("MeetingEvidence")])
