from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.page_cache import ROADMAP_SCOPE, invalidate_on_change
from core.storage import files_deleted_with_their_rows


class RoadmapConfig(AppConfig):
    name = "roadmap"
    verbose_name = _("Feuilles de route régionales")

    def ready(self):
        names = ("RoadmapItem", "StatusChange", "Comment", "Acknowledgement", "Indicator", "Reading", "BudgetLine")
        models = [self.get_model(name) for name in names]
        invalidate_on_change(models, scope=ROADMAP_SCOPE)
        files_deleted_with_their_rows([self.get_model("ItemEvidence")])
