"""The relaunch plan's vocabulary, shared by what meetings decide and what roadmaps follow:
its axes, product lines, owners and target markets."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Axis(models.TextChoices):
    PROMOTION = "promotion", _("Promotion sur les marchés internationaux")
    DOMESTIC = "domestic", _("Tourisme interne et distribution")
    MARKETING = "marketing", _("Dispositifs marketing et commerciaux")
    COMPETITIVENESS = "competitiveness", _("Task force compétitivité internationale")
    PRODUCT = "product", _("Task force produit")
    DIGITAL = "digital", _("Formation au marketing digital et Big Data")


class ProductLine(models.TextChoices):
    GOLF = "golf", _("Golf")
    MICE = "mice", _("MICE")
    CRUISES = "cruises", _("Croisières")
    WATER_SPORTS = "water_sports", _("Sports nautiques")
    NATURE = "nature", _("Nature")
    HIKING = "hiking", _("Randonnée")
    SEASIDE = "seaside", _("Balnéaire")
    CULTURE = "culture", _("Culture")
    DESERT = "desert", _("Désert")
    OTHER = "other", _("Autre / transversal")


class Owner(models.TextChoices):
    ONMT = "onmt", _("ONMT")
    CRT = "crt", _("CRT")
    CNT = "cnt", _("CNT")
    PARTNER = "partner", _("Partenaire")


class Market(models.Model):
    """A target market: the national market or an international source market."""

    name = models.CharField(_("nom"), max_length=80, unique=True)
    slug = models.SlugField(unique=True)
    is_domestic = models.BooleanField(_("marché national"), default=False)
    position = models.PositiveSmallIntegerField(_("ordre"), default=100)

    class Meta:
        ordering = ["position", "name_fr"]
        verbose_name = _("marché")
        verbose_name_plural = _("marchés")

    def __str__(self):
        return self.name
