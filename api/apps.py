from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = _("API des partenaires")

    def ready(self):
        # Registers the token's security scheme with drf-spectacular.
        from api import schema  # noqa: F401
