from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Tournée et rencontres")

    def ready(self):
        # The registration admin lives in its own module, next to meetings/admin.py.
        from meetings import registration_admin  # noqa: F401
        from onmt_portal.public_cache import invalidate_public_pages_on_change

        # The public pages show tours, meetings, their agenda and seats left.
        invalidate_public_pages_on_change(
            *(self.get_model(name) for name in ("Tour", "Meeting", "AgendaItem", "Registration"))
        )
