from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import PrivateFile, TimeStampedModel
from core.storage import private_storage
from meetings.models import Decision, Meeting, MinutesDocument
from plan.models import Axis, Market, Owner, ProductLine
from regions.models import Language, Region


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


# ------------------------------------------------------------------ notifications and reminders


class NoticeFrequency(models.TextChoices):
    AT_ONCE = "at_once", _("À chaque modification")
    DAILY = "daily", _("Un résumé par jour")
    WEEKLY = "weekly", _("Un résumé par semaine")
    NEVER = "never", _("Aucun e-mail")


class NotificationPreference(TimeStampedModel):
    """How a person of the portal wants the roadmap's e-mails: how often, in which language, reminders or not.

    No row is the default: changes told at once, reminders on, the CRT contact's language (French for staff).
    """

    Frequency = NoticeFrequency

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="roadmap_notification_preference",
        verbose_name=_("compte"),
    )
    # Changes ONMT makes to the items of an official's region.
    frequency = models.CharField(
        _("modifications des actions"), max_length=10, choices=NoticeFrequency.choices, default=NoticeFrequency.AT_ONCE
    )
    # Staff: the due dates of the items they answer for.
    due_reminders = models.BooleanField(_("rappels d'échéance"), default=True)
    language = models.CharField(_("langue des e-mails"), max_length=2, choices=Language.choices)

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")

    def __str__(self):
        return f"{self.user} — {self.get_frequency_display()}"


class ItemChange(models.Model):
    """What one edit by ONMT changed in an item, field by field, before and after: told to the region's officials."""

    item = models.ForeignKey(RoadmapItem, on_delete=models.CASCADE, related_name="changes", verbose_name=_("action"))
    # 1, 2, 3… per item: the version of the item each notice's idempotency key names.
    number = models.PositiveIntegerField(_("numéro"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("par")
    )
    changed_at = models.DateTimeField(_("date"), default=timezone.now)
    # [[field name, value before, value after], …] as stored values (choice codes, ISO dates, market names),
    # shown in each reader's language.
    fields = models.JSONField(_("champs modifiés"))
    # The change asked the CRT to acknowledge the item again (its revision went up).
    material = models.BooleanField(_("à revoir par le CRT"), default=False)

    class Meta:
        ordering = ["-changed_at", "-number"]
        verbose_name = _("modification d'une action")
        verbose_name_plural = _("modifications des actions")
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="item_change_unique_number")]

    def __str__(self):
        return f"{self.item} — {self.number}"


class DigestEntry(models.Model):
    """A change an official reads in their next digest rather than at once; marked when the digest is queued."""

    change = models.ForeignKey(ItemChange, on_delete=models.CASCADE, related_name="+", verbose_name=_("modification"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("destinataire")
    )
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    digested_at = models.DateTimeField(_("envoyé dans un résumé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("modification pour un résumé")
        verbose_name_plural = _("modifications pour les résumés")
        constraints = [models.UniqueConstraint(fields=["change", "recipient"], name="digest_entry_unique")]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"], condition=Q(digested_at__isnull=True), name="digest_entry_pending"
            )
        ]

    def __str__(self):
        return f"{self.change} → {self.recipient}"


class ItemResponsible(models.Model):
    """The ONMT staff member who answers for an item: reminded before its due date and once it is overdue."""

    item = models.OneToOneField(
        RoadmapItem, on_delete=models.CASCADE, related_name="responsible", verbose_name=_("action")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="roadmap_items_followed",
        limit_choices_to={"is_staff": True},
        verbose_name=_("responsable ONMT"),
    )

    class Meta:
        verbose_name = _("responsable ONMT")
        verbose_name_plural = _("responsables ONMT")

    def __str__(self):
        return f"{self.item} — {self.user}"


# ------------------------------------------------------------------ indicators and budget


class Indicator(TimeStampedModel):
    """A measure of what an item is for (overnight stays, arrivals, operators trained): from a baseline
    towards a target. Where an item has indicators its progress follows them (roadmap.selectors)."""

    item = models.ForeignKey(RoadmapItem, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("action"))
    name = models.CharField(_("indicateur"), max_length=120)
    unit = models.CharField(_("unité"), max_length=30, help_text=_("Par exemple : nuitées, arrivées, opérateurs."))
    # Values of a region's tourism, up to billions (spending in MAD) and rates with decimals.
    baseline = models.DecimalField(_("valeur de départ"), max_digits=16, decimal_places=2)
    target = models.DecimalField(
        _("cible"),
        max_digits=16,
        decimal_places=2,
        help_text=_("Plus basse que la valeur de départ pour un indicateur à faire baisser."),
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "name"],
                name="roadmap_indicator_unique_name_per_item",
                violation_error_message=_("Cette action a déjà un indicateur de ce nom."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.unit})"


class Reading(TimeStampedModel):
    """A value of an indicator measured on a date, with where it comes from."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="readings", verbose_name=_("indicateur")
    )
    value = models.DecimalField(_("valeur"), max_digits=16, decimal_places=2)
    measured_on = models.DateField(_("date du relevé"))
    source = models.CharField(_("source"), max_length=200, help_text=_("Par exemple : observatoire régional, DGSN."))

    class Meta:
        ordering = ["measured_on", "pk"]
        verbose_name = _("relevé")
        verbose_name_plural = _("relevés")
        constraints = [
            # So "the latest reading" is always one: a corrected figure replaces the reading of its date.
            models.UniqueConstraint(
                fields=["indicator", "measured_on"],
                name="roadmap_reading_one_per_date",
                violation_error_message=_("Cet indicateur a déjà un relevé à cette date : corrigez-le."),
            ),
        ]

    def __str__(self):
        return f"{self.indicator.name} — {self.measured_on}: {self.value}"


class BudgetLine(TimeStampedModel):
    """What one funder puts into an item, in dirhams (MAD): planned, committed and spent."""

    Funder = Owner

    item = models.ForeignKey(
        RoadmapItem, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("action")
    )
    funder = models.CharField(_("financeur"), max_length=10, choices=Owner.choices)
    # Up to a trillion dirhams with centimes: Decimal all the way, never a float.
    planned = models.DecimalField(_("prévu (MAD)"), max_digits=14, decimal_places=2, default=0)
    committed = models.DecimalField(_("engagé (MAD)"), max_digits=14, decimal_places=2, default=0)
    spent = models.DecimalField(_("dépensé (MAD)"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        ordering = ["item", "funder"]
        verbose_name = _("ligne budgétaire")
        verbose_name_plural = _("lignes budgétaires")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "funder"],
                name="roadmap_budget_one_line_per_funder",
                violation_error_message=_("Cette action a déjà une ligne pour ce financeur."),
            ),
            models.CheckConstraint(
                condition=Q(planned__gte=0, committed__gte=0, spent__gte=0),
                name="roadmap_budget_amounts_not_negative",
                violation_error_message=_("Les montants ne peuvent pas être négatifs."),
            ),
        ]

    def __str__(self):
        return f"{self.item} — {self.get_funder_display()}"

    @property
    def overspent(self) -> bool:
        """Spent beyond what was committed: somebody paid without a commitment, or the commitment is stale."""
        return self.spent > self.committed


# ------------------------------------------------------------------ evidence


class ItemEvidence(PrivateFile):
    """A file attached to an item (a report, a contract, a photo): read by staff and the region's officials."""

    STORAGE_FOLDER = "evidence/items"

    item = models.ForeignKey(RoadmapItem, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("action"))

    class Meta(PrivateFile.Meta):
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")


# ------------------------------------------------------------------ monthly report


class MonthlyReport(TimeStampedModel):
    """The report of one month to the ministry and the CNT (PDF in French and Arabic, XLSX): made by a task, kept."""

    # The minutes PDF's states: pending while its task runs, then ready or failed (staff try again).
    State = MinutesDocument.State

    # The first day of the month reported on; one report per month, whoever asks for it and however often.
    period = models.DateField(_("mois"), unique=True)
    state = models.CharField(_("état"), max_length=8, choices=State.choices, default=State.PENDING)
    pdf_fr = models.FileField(_("PDF (français)"), upload_to="reports/", storage=private_storage, blank=True)
    pdf_ar = models.FileField(_("PDF (arabe)"), upload_to="reports/", storage=private_storage, blank=True)
    xlsx = models.FileField(_("classeur (XLSX)"), upload_to="reports/", storage=private_storage, blank=True)
    error = models.TextField(_("erreur"), blank=True)

    class Meta:
        ordering = ["-period"]
        verbose_name = _("rapport mensuel")
        verbose_name_plural = _("rapports mensuels")
        constraints = [
            models.CheckConstraint(
                condition=Q(period__day=1),
                name="roadmap_monthly_report_period_first_of_month",
                violation_error_message=_("Le mois d'un rapport est désigné par son premier jour."),
            ),
        ]

    def __str__(self):
        return self.period.strftime("%Y-%m")


class ProposalLink(TimeStampedModel):
    """A proposal made in a meeting's consultation, followed by a roadmap item: its author is told what became of it.

    The roadmap links to the consultation (a floor below), as an item links to the decision it came from.
    """

    answer = models.ForeignKey(
        "meetings.ConsultationAnswer",
        on_delete=models.CASCADE,
        related_name="proposal_links",
        verbose_name=_("réponse à la consultation"),
    )
    item = models.ForeignKey(
        RoadmapItem, on_delete=models.CASCADE, related_name="proposal_links", verbose_name=_("action")
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lié par"),
    )
    # The last status of the item told to the proposal's author (empty: none yet); the sweep tells the next one.
    told_status = models.CharField(_("dernier statut annoncé"), max_length=12, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("proposition suivie")
        verbose_name_plural = _("propositions suivies")
        constraints = [models.UniqueConstraint(fields=["answer", "item"], name="proposal_link_once_per_item")]

    def __str__(self):
        return f"{self.answer_id} → {self.item}"
