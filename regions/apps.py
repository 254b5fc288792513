from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "regions"
    verbose_name = _("Régions et CRT")

    def ready(self):
        from onmt_portal.public_cache import invalidate_public_pages_on_change

        invalidate_public_pages_on_change(self.get_model("Region"))
