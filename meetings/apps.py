from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Tournée et rencontres")

    def ready(self):
        # The registration admin lives in its own module, next to meetings/admin.py.
        from meetings import registration_admin  # noqa: F401
        from onmt_portal.page_cache import PUBLIC_SCOPE, invalidate_on_change

        # The public pages show tours, meetings, their agenda and seats left.
        models = [self.get_model(name) for name in ("Tour", "Meeting", "AgendaItem", "Registration")]
        invalidate_on_change(models, scope=PUBLIC_SCOPE)
