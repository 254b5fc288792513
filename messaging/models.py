from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.storage import private_storage
from regions.models import Language


class OutboundMessage(TimeStampedModel):
    """An e-mail the portal sends: written in the transaction that causes it, sent by a task."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        CONFIRMATION = "confirmation", _("Confirmation d'inscription")
        WAITLISTED = "waitlisted", _("Inscription en liste d'attente")
        MANAGE_LINK = "manage_link", _("Nouveau lien de gestion")
        SEAT_OFFER = "seat_offer", _("Place proposée (liste d'attente)")
        CANCELLATION = "cancellation", _("Confirmation d'annulation")
        MEETING_CANCELLED = "meeting_cancelled", _("Rencontre annulée")
        MEETING_POSTPONED = "meeting_postponed", _("Rencontre reportée")
        REMINDER = "reminder", _("Rappel")
        FOLLOW_UP = "follow_up", _("Suivi après la rencontre")
        FOLLOW_UP_ABSENT = "follow_up_absent", _("Suivi après la rencontre (absent)")
        ROADMAP_REVIEW = "roadmap_review", _("Demande de revue de la feuille de route")
        MINUTES_VALIDATED = "minutes_validated", _("Compte rendu validé (PDF joint)")
        MINUTES_VALIDATION = "minutes_validation", _("Compte rendu à valider (CRT)")
        MINUTES_ANSWER = "minutes_answer", _("Réponse du CRT sur le compte rendu")
        ROADMAP_CHANGE = "roadmap_change", _("Action de la feuille de route modifiée")
        ROADMAP_DIGEST = "roadmap_digest", _("Résumé des modifications de la feuille de route")
        ROADMAP_DUE_SOON = "roadmap_due_soon", _("Échéance proche d'une action")
        ROADMAP_OVERDUE = "roadmap_overdue", _("Action en retard")
        MONTHLY_REPORT = "monthly_report", _("Rapport mensuel des feuilles de route")
        WEBHOOK_DISABLED = "webhook_disabled", _("Webhook désactivé après des échecs")
        CONSULTATION = "consultation", _("Consultation avant la rencontre")
        PROPOSAL_OUTCOME = "proposal_outcome", _("Suite donnée à une proposition")

    class Status(models.TextChoices):
        QUEUED = "queued", _("En file")
        SENT = "sent", _("Envoyé")
        FAILED = "failed", _("Échec")

    kind = models.CharField(_("type"), max_length=24, choices=Kind.choices)
    idempotency_key = models.CharField(_("clé d'unicité"), max_length=200, unique=True)
    recipient_email = models.EmailField(_("destinataire"), max_length=254)
    recipient_name = models.CharField(_("nom du destinataire"), max_length=150, blank=True)
    language = models.CharField(_("langue"), max_length=2, choices=Language.choices, default=Language.FRENCH)
    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("rencontre"),
    )
    registration = models.ForeignKey(
        "meetings.Registration",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("inscription"),
    )
    contact = models.ForeignKey(
        "regions.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("contact"),
    )
    subject = models.CharField(_("objet"), max_length=255)
    body_text = models.TextField(_("texte"))
    body_html = models.TextField(_("HTML"), blank=True)
    attach_calendar = models.BooleanField(_("avec fichier calendrier"), default=False)
    # A file the sender stored before queueing the message (e.g. the minutes PDF), on private storage,
    # attached at send time under `attachment_filename`; the row keeps only its name.
    attachment = models.FileField(
        _("pièce jointe"), upload_to="attachments/", storage=private_storage, max_length=255, blank=True
    )
    attachment_filename = models.CharField(_("nom de la pièce jointe"), max_length=150, blank=True)
    # Sent to many at once (invitations, reminders, follow-ups): the recipient can unsubscribe in one click.
    bulk = models.BooleanField(_("envoi groupé"), default=False)
    # The one-click unsubscribe link of a sender's own list (e.g. the roadmap's notices), for the headers at
    # send time; blank for the bulk kinds, whose link is the outbox's own.
    unsubscribe_url = models.URLField(_("lien de désabonnement"), max_length=500, blank=True)
    # The Message-ID's own part, random: unique across every instance and database, the same on every attempt.
    # Set when the row is stored (or at the first attempt for rows stored before it existed).
    message_key = models.UUIDField(_("clé du Message-ID"), null=True, blank=True, editable=False)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    # Not sent before this time; the beat sweep picks up rows that are due.
    send_after = models.DateTimeField(_("à envoyer après"), null=True, blank=True)
    # Last hand-over to the broker; the sweep re-dispatches rows whose task was lost.
    dispatched_at = models.DateTimeField(_("confié au broker le"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["status", "send_after"]),
            models.Index(fields=["meeting", "kind", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="message_sent_has_time"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient_email}"


class Unsubscription(models.Model):
    """An address that asked for no more invitations, reminders or follow-ups (one click, RFC 8058).

    Kept after a person's data is erased: it is what makes sure the address is not mailed again.
    Confirmations and changes to a meeting the person registered for still reach them.
    """

    email = models.EmailField(_("adresse"), max_length=254, unique=True)
    created_at = models.DateTimeField(_("désabonné le"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("désabonnement")
        verbose_name_plural = _("désabonnements")

    def __str__(self):
        return self.email
