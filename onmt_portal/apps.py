from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnmtPortalConfig(AppConfig):
    name = "onmt_portal"
    verbose_name = _("Portail de la tournée")
