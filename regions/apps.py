from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from core.page_cache import PUBLIC_SCOPE, ROADMAP_SCOPE, invalidate_on_change


class RegionsConfig(AppConfig):
    name = "regions"
    verbose_name = _("Régions et CRT")

    def ready(self):
        # Region names and profiles show on the public pages and on the roadmaps.
        for scope in (PUBLIC_SCOPE, ROADMAP_SCOPE):
            invalidate_on_change([self.get_model("Region")], scope=scope)
        # What the authentication backend keeps of the signed-in accounts; its module needs the models.
        from regions.auth import ACCOUNTS_SCOPE, accounts_kept

        accounts = [get_user_model(), self.get_model("Contact"), self.get_model("Region")]
        invalidate_on_change(accounts, scope=ACCOUNTS_SCOPE)
        accounts_kept.forget_on_change(accounts)
