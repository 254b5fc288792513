from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.page_cache import PUBLIC_SCOPE, ROADMAP_SCOPE, invalidate_on_change


class RegionsConfig(AppConfig):
    name = "regions"
    verbose_name = _("Régions et CRT")

    def ready(self):
        # Region names and profiles show on the public pages and on the roadmaps.
        for scope in (PUBLIC_SCOPE, ROADMAP_SCOPE):
            invalidate_on_change([self.get_model("Region")], scope=scope)
