from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.page_cache import PUBLIC_SCOPE, invalidate_on_change


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Tournée et rencontres")

    def ready(self):
        # The public pages show tours, meetings, their agenda with its speakers (from the delegation), seats
        # left and the commitments of held meetings.
        names = ("Tour", "Meeting", "AgendaItem", "DelegationMember", "Registration", "Decision")
        models = [self.get_model(name) for name in names]
        invalidate_on_change(models, scope=PUBLIC_SCOPE)
        # Models can be imported only once the registry is ready.
        from meetings.personal_data import register_personal_data

        register_personal_data()
