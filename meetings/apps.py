from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Tournée et rencontres")

    def ready(self):
        # The registration admin lives in its own module, next to meetings/admin.py.
        from meetings import registration_admin  # noqa: F401
