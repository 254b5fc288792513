import uuid

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
        on_delete=models.SET_NULL,
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


class Webhook(TimeStampedModel):
    """A partner's address told of the changes it subscribed to, within what its account may see."""

    class Event(models.TextChoices):
        MEETING_PUBLISHED = "meeting.published", _("Rencontre publiée")
        MEETING_POSTPONED = "meeting.postponed", _("Rencontre reportée")
        MEETING_CANCELLED = "meeting.cancelled", _("Rencontre annulée")
        ROADMAP_ITEM_CHANGED = "roadmap_item.changed", _("Action de feuille de route modifiée")
        DECISION_RECORDED = "decision.recorded", _("Décision enregistrée")
        REGISTRATION_CREATED = "registration.created", _("Inscription reçue")
        REGISTRATION_CANCELLED = "registration.cancelled", _("Inscription annulée")

    name = models.CharField(_("nom"), max_length=120)
    url = models.URLField(_("adresse"), max_length=500)
    events = models.JSONField(_("événements"), default=list)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webhooks",
        verbose_name=_("compte"),
        help_text=_("Le partenaire n'est prévenu que de ce que ce compte voit : l'ONMT, ou la région d'un CRT."),
    )
    # Signs each delivery (HMAC-SHA256); given to the partner, who checks the signature with it.
    secret = models.CharField(_("secret de signature"), max_length=64, editable=False)
    is_active = models.BooleanField(_("actif"), default=True)
    consecutive_failures = models.PositiveIntegerField(_("échecs d'affilée"), default=0, editable=False)
    disabled_at = models.DateTimeField(_("désactivé le"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self):
        return self.name


class WebhookDelivery(TimeStampedModel):
    """One event to deliver to one webhook: written in the transaction of the change (outbox), sent after."""

    class Status(models.TextChoices):
        PENDING = "pending", _("À envoyer")
        DELIVERED = "delivered", _("Remise")
        FAILED = "failed", _("Échec")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook"))
    event = models.CharField(_("événement"), max_length=40, choices=Webhook.Event.choices)
    # Sent with every attempt (X-ONMT-Delivery): the receiver recognises a delivery it already had.
    idempotency_key = models.UUIDField(_("clé d'idempotence"), default=uuid.uuid4, unique=True, editable=False)
    payload = models.JSONField(_("contenu"))
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    response_status = models.PositiveSmallIntegerField(_("réponse HTTP"), null=True, blank=True)
    last_error = models.CharField(_("dernière erreur"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("remise le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("envoi de webhook")
        verbose_name_plural = _("envois de webhooks")
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="webhook_delivery_due")
        ]

    def __str__(self):
        return f"{self.event} → {self.webhook}"
