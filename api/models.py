from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class ApiToken(TimeStampedModel):
    """A partner's key to the API, acting as one account (staff, or a CRT official scoped to their region)."""

    name = models.CharField(_("nom"), max_length=120, help_text=_("Qui l'utilise et pour quoi faire."))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("compte"),
        help_text=_(
            "Le jeton voit et fait ce que ce compte voit et fait : l'ONMT, ou la région d'un responsable du CRT."
        ),
    )
    # The secret itself is never stored: only its SHA-256, and its first characters to recognise it in a list.
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("début de la clé"), max_length=12, editable=False)
    can_write = models.BooleanField(_("lecture et écriture"), default=False)
    expires_at = models.DateTimeField(_("expire le"))
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        editable=False,
        verbose_name=_("créé par"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
