from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.page_cache import ROADMAP_SCOPE, invalidate_on_change


class PlanConfig(AppConfig):
    name = "plan"
    verbose_name = _("Plan de relance")

    def ready(self):
        invalidate_on_change([self.get_model("Market")], scope=ROADMAP_SCOPE)
