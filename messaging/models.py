from datetime import datetime, time, timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from onmt_portal.models import TimeStampedModel
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
        "meetings.Meeting", on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    registration = models.ForeignKey(
        "meetings.Registration", on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    contact = models.ForeignKey(
        "regions.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    subject = models.CharField(_("objet"), max_length=255)
    body_text = models.TextField(_("texte"))
    body_html = models.TextField(_("HTML"), blank=True)
    attach_calendar = models.BooleanField(_("avec fichier calendrier"), default=False)
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


class Reminder(TimeStampedModel):
    """A reminder of a meeting, due a fixed time before its start or at a local time on a day before."""

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="reminders")
    offset = models.DurationField(_("délai avant le début"), null=True, blank=True)
    days_before = models.PositiveSmallIntegerField(_("jours avant"), default=0)
    local_time = models.TimeField(_("heure locale (Casablanca)"), null=True, blank=True)
    include_invited = models.BooleanField(_("rappeler aussi les invités non inscrits"), default=False)
    # Set once the reminder's messages are queued; reset when the meeting moves.
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True, editable=False)

    DEFAULT_OFFSET = timedelta(days=2)
    DEFAULT_MORNING = time(8, 0)

    class Meta:
        ordering = ["meeting", "days_before", "offset"]
        verbose_name = _("rappel")
        verbose_name_plural = _("rappels")
        constraints = [
            models.CheckConstraint(
                condition=Q(offset__isnull=False, local_time__isnull=True)
                | Q(offset__isnull=True, local_time__isnull=False),
                name="reminder_offset_or_local_time",
            ),
        ]

    def __str__(self):
        if self.offset is not None:
            hours, minutes = divmod(int(self.offset.total_seconds()) // 60, 60)
            return _("%(hours)d h %(minutes)02d avant le début") % {"hours": hours, "minutes": minutes}
        return _("J-%(days)s à %(time)s") % {"days": self.days_before, "time": self.local_time.strftime("%H:%M")}

    def due_at(self, *, starts_at: datetime) -> datetime:
        """When this reminder is due for a meeting starting at `starts_at` (relative, so it moves with it)."""
        if self.offset is not None:
            return starts_at - self.offset
        # Local wall-clock time in the portal's zone: Morocco's offset changes around Ramadan.
        day = timezone.localtime(starts_at).date() - timedelta(days=self.days_before)
        return timezone.make_aware(datetime.combine(day, self.local_time))


class MeetingFollowUp(models.Model):
    """Marks that a held meeting's follow-up messages were queued, so the beat task does it once."""

    meeting = models.OneToOneField("meetings.Meeting", on_delete=models.CASCADE, related_name="follow_up")
    queued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("suivi de rencontre")
        verbose_name_plural = _("suivis de rencontre")

    def __str__(self):
        return str(self.meeting)


class SurveyResponse(TimeStampedModel):
    """An attendee's answer to the satisfaction survey: one rating and an optional comment."""

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="survey_responses")
    registration = models.OneToOneField(
        "meetings.Registration", on_delete=models.CASCADE, related_name="survey_response"
    )
    rating = models.PositiveSmallIntegerField(
        _("satisfaction (1 à 5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("commentaire"), max_length=2000, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("réponse à l'enquête de satisfaction")
        verbose_name_plural = _("réponses à l'enquête de satisfaction")
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="survey_rating_1_to_5"),
        ]

    def __str__(self):
        return f"{self.meeting} — {self.rating}/5"


class MeetingMessageStats(Meeting):
    """A meeting seen from its messages: the admin lists counts by status and survey results."""

    class Meta:
        proxy = True
        verbose_name = _("messages d'une rencontre")
        verbose_name_plural = _("messages par rencontre")
