from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Abstract base recording when a row was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ExportLog(models.Model):
    """Who downloaded which personal or regional data, and when (law 09-08 accountability)."""

    class Kind(models.TextChoices):
        REGISTRATIONS_CSV = "registrations_csv", _("Inscriptions (CSV)")
        REGISTRATIONS_XLSX = "registrations_xlsx", _("Inscriptions (Excel)")
        ROADMAP_CSV = "roadmap_csv", _("Feuille de route (CSV)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exports", verbose_name=_("utilisateur")
    )
    kind = models.CharField(_("export"), max_length=24, choices=Kind.choices)
    row_count = models.PositiveIntegerField(_("lignes"))
    # The filters of the admin list or the roadmap page, as a query string.
    filters = models.CharField(_("filtres"), max_length=1000, blank=True)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("région")
    )
    exported_at = models.DateTimeField(_("exporté le"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-exported_at"]
        verbose_name = _("export de données")
        verbose_name_plural = _("exports de données")

    def __str__(self):
        return f"{self.get_kind_display()} — {self.user} — {self.exported_at:%Y-%m-%d %H:%M}"
