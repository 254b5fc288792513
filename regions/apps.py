from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
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
        from regions.auth import ACCOUNTS_SCOPE, accounts_forget

        accounts = [get_user_model(), self.get_model("Contact"), self.get_model("Region")]
        invalidate_on_change(accounts, scope=ACCOUNTS_SCOPE)
        for model in accounts:
            # At once in this process, for the transaction that made the change to see it before it commits.
            for signal in (post_save, post_delete):
                signal.connect(accounts_forget, sender=model, dispatch_uid=f"regions:accounts:{model._meta.label}")
