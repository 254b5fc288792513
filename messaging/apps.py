from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messages envoyés")

    def ready(self):
        # Models can be imported only once the registry is ready.
        from messaging.personal_data import register_personal_data

        register_personal_data()
