from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.page_cache import invalidate_on_change


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = _("API des partenaires")

    def ready(self):
        # Registers the token's security scheme with drf-spectacular.
        from api import schema  # noqa: F401
        from api.webhooks import WEBHOOKS_SCOPE, events_subscribed_kept

        webhook = self.get_model("Webhook")
        invalidate_on_change([webhook], scope=WEBHOOKS_SCOPE)
        events_subscribed_kept.forget_on_change([webhook])
