from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from meetings.models import Decision, Meeting
from plan.models import Axis, Market, Owner, ProductLine
from regions.models import Region


class RoadmapItem(TimeStampedModel):
    """One action of a region's relance roadmap, agreed with its CRT."""

    Axis = Axis
    ProductLine = ProductLine
    Owner = Owner

    class Priority(models.IntegerChoices):
        HIGH = 1, _("Haute")
        NORMAL = 2, _("Normale")
        LOW = 3, _("Basse")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposée")
        PLANNED = "planned", _("Planifiée")
        IN_PROGRESS = "in_progress", _("En cours")
        DONE = "done", _("Réalisée")
        BLOCKED = "blocked", _("Bloquée")
        DROPPED = "dropped", _("Abandonnée")

    # Statuses of items nobody has to deliver any more: never overdue.
    CLOSED_STATUSES = (Status.DONE, Status.DROPPED)

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="roadmap_items", verbose_name=_("région"))
    title = models.CharField(_("intitulé"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    axis = models.CharField(_("axe"), max_length=20, choices=Axis.choices)
    product_line = models.CharField(
        _("filière produit"), max_length=20, choices=ProductLine.choices, default=ProductLine.OTHER
    )
    markets = models.ManyToManyField(Market, blank=True, related_name="roadmap_items", verbose_name=_("marchés"))
    owner = models.CharField(_("porteur"), max_length=10, choices=Owner.choices, default=Owner.ONMT)
    priority = models.PositiveSmallIntegerField(_("priorité"), choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices, default=Status.PROPOSED)
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    starts_on = models.DateField(_("début"), null=True, blank=True)
    due_on = models.DateField(_("échéance"), null=True, blank=True)
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="roadmap_items",
        verbose_name=_("décidée lors de"),
    )
    # The decision this item carries out; a decision with an item cannot be deleted without saying what
    # becomes of the item.
    decision = models.OneToOneField(
        Decision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roadmap_item",
        verbose_name=_("décision"),
    )
    # Bumped on every material change, so an acknowledgement is always of the version the official read.
    revision = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["region__number", "priority", "due_on", "title_fr"]
        verbose_name = _("action de la feuille de route")
        verbose_name_plural = _("actions des feuilles de route")
        indexes = [models.Index(fields=["region", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100),
                name="roadmap_item_progress_0_to_100",
                violation_error_message=_("L'avancement est un pourcentage, de 0 à 100."),
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(due_on__isnull=True) | Q(due_on__gte=F("starts_on")),
                name="roadmap_item_due_after_start",
                violation_error_message=_("L'échéance ne peut pas précéder le début."),
            ),
            models.UniqueConstraint(
                fields=["region", "title"],
                name="roadmap_item_unique_title_per_region",
                violation_error_message=_("Une action de même intitulé existe déjà pour cette région."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("roadmap:item", args=[self.region.slug, self.pk])

    def clean(self):
        if self.meeting_id and self.region_id and self.meeting.region_id != self.region_id:
            raise ValidationError({"meeting": _("Cette rencontre a eu lieu dans une autre région.")})

    @property
    def is_overdue(self) -> bool:
        return (
            self.due_on is not None and self.status not in self.CLOSED_STATUSES and self.due_on < timezone.localdate()
        )


class StatusChange(models.Model):
    """One change of an item's status or progress: who, when, from and to."""

    item = models.ForeignKey(RoadmapItem, on_delete=models.CASCADE, related_name="history", verbose_name=_("action"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    changed_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    # Blank / null on the row written when the item is created.
    from_status = models.CharField(_("ancien statut"), max_length=12, choices=RoadmapItem.Status.choices, blank=True)
    to_status = models.CharField(_("nouveau statut"), max_length=12, choices=RoadmapItem.Status.choices)
    from_progress = models.PositiveSmallIntegerField(_("ancien avancement"), null=True, blank=True)
    to_progress = models.PositiveSmallIntegerField(_("nouvel avancement"))

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("changement de statut")
        verbose_name_plural = _("historique des statuts")

    def __str__(self):
        return f"{self.item}: {self.from_status or '—'} → {self.to_status} ({self.to_progress} %)"


class Comment(TimeStampedModel):
    """A remark on a roadmap item by a CRT official or ONMT staff."""

    item = models.ForeignKey(RoadmapItem, on_delete=models.CASCADE, related_name="comments", verbose_name=_("action"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="roadmap_comments",
        verbose_name=_("auteur"),
    )
    body = models.TextField(_("commentaire"), max_length=2000)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")

    def __str__(self):
        return f"{self.author} — {self.item}"


class Acknowledgement(models.Model):
    """The region's CRT has reviewed the item as it stands; deleted when staff change it materially."""

    item = models.OneToOneField(
        RoadmapItem, on_delete=models.CASCADE, related_name="acknowledgement", verbose_name=_("action")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("par")
    )
    acknowledged_at = models.DateTimeField(_("date"), default=timezone.now)
    revision = models.PositiveIntegerField(_("version accusée"))

    class Meta:
        verbose_name = _("accusé de réception")
        verbose_name_plural = _("accusés de réception")

    def __str__(self):
        return f"{self.item} — {self.user}"
