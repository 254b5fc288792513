from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class Region(models.Model):
    """One of Morocco's 12 regions (2015 division); seeded by a data migration."""

    number = models.PositiveSmallIntegerField(_("numéro officiel"), unique=True)
    slug = models.SlugField(unique=True)
    # In French, Arabic and English (regions/translation.py): name_fr, name_ar, name_en, seat_city_fr, …
    name = models.CharField(_("nom"), max_length=80)
    seat_city = models.CharField(_("chef-lieu"), max_length=60)
    tourism_profile = models.TextField(_("potentiel touristique"))

    class Meta:
        ordering = ["number"]
        verbose_name = _("région")
        verbose_name_plural = _("régions")
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=12), name="region_number_1_to_12"),
        ]

    def __str__(self):
        return self.name_fr

    def get_absolute_url(self):
        return reverse("regions:detail", args=[self.slug])


class RegionalCouncil(TimeStampedModel):
    """The Conseil Régional du Tourisme (CRT) of a region."""

    region = models.OneToOneField(Region, on_delete=models.CASCADE, related_name="council", verbose_name=_("région"))
    name = models.CharField(_("nom"), max_length=150)
    president = models.CharField(_("président(e)"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    website = models.URLField(_("site web"), blank=True)

    class Meta:
        verbose_name = _("conseil régional du tourisme")
        verbose_name_plural = _("conseils régionaux du tourisme")

    def __str__(self):
        return self.name


class Language(models.TextChoices):
    FRENCH = "fr", _("Français")
    ARABIC = "ar", _("Arabe")
    ENGLISH = "en", _("Anglais")


class Contact(TimeStampedModel):
    """A person of a region's CRT or professional association; a CRT member may log in."""

    class Kind(models.TextChoices):
        CRT_MEMBER = "crt", _("Membre du CRT")
        ASSOCIATION = "association", _("Association professionnelle")

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("région"))
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.CRT_MEMBER)
    full_name = models.CharField(_("nom complet"), max_length=150)
    organisation = models.CharField(_("organisme"), max_length=150, blank=True)
    role = models.CharField(_("fonction"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    language = models.CharField(_("langue préférée"), max_length=2, choices=Language.choices, default=Language.FRENCH)
    invite = models.BooleanField(_("à inviter"), default=True)
    # The portal login that makes this contact a CRT official of `region`.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="crt_contact",
        verbose_name=_("compte du portail"),
    )

    class Meta:
        ordering = ["region__number", "full_name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(fields=["region", "email"], name="contact_unique_email_per_region"),
            models.CheckConstraint(
                condition=Q(user__isnull=True) | Q(kind="crt"),
                name="contact_login_only_for_crt_members",
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.region})"


class ExportLog(models.Model):
    """Who downloaded which personal or regional data, and when (law 09-08 accountability)."""

    class Kind(models.TextChoices):
        REGISTRATIONS_CSV = "registrations_csv", _("Inscriptions (CSV)")
        REGISTRATIONS_XLSX = "registrations_xlsx", _("Inscriptions (Excel)")
        ROADMAP_CSV = "roadmap_csv", _("Feuille de route (CSV)")
        ROADMAP_XLSX = "roadmap_xlsx", _("Feuilles de route (Excel)")
        REGISTRATIONS_API = "registrations_api", _("Inscriptions (API)")
        CONSULTATION_CSV = "consultation_csv", _("Réponses à la consultation (CSV)")
        CONSULTATION_XLSX = "consultation_xlsx", _("Réponses à la consultation (Excel)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exports", verbose_name=_("utilisateur")
    )
    kind = models.CharField(_("export"), max_length=24, choices=Kind.choices)
    row_count = models.PositiveIntegerField(_("lignes"))
    # The filters of the admin list or the roadmap page, as a query string.
    filters = models.CharField(_("filtres"), max_length=1000, blank=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("région")
    )
    exported_at = models.DateTimeField(_("exporté le"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-exported_at"]
        verbose_name = _("export de données")
        verbose_name_plural = _("exports de données")

    def __str__(self):
        return f"{self.get_kind_display()} — {self.user} — {self.exported_at:%Y-%m-%d %H:%M}"
