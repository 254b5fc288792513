import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import PrivateFile, TimeStampedModel
from core.storage import private_storage
from plan.models import Axis, Market, Owner, ProductLine
from regions.models import Contact, Language, Region


class Tour(TimeStampedModel):
    """A tour of the regions, e.g. the 2026 relaunch tour; its stops are its meetings."""

    name = models.CharField(_("nom"), max_length=150)
    slug = models.SlugField(unique=True)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    description = models.TextField(_("description"), blank=True)
    is_published = models.BooleanField(_("publiée"), default=False)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("tournée")
        verbose_name_plural = _("tournées")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="tour_ends_after_start"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("meetings:tour", args=[self.slug])


class RegistrationState(models.TextChoices):
    """Whether, and how, a professional can register for a meeting right now."""

    OPEN = "open", _("Inscriptions ouvertes")
    WAITLIST = "waitlist", _("Complet — liste d'attente ouverte")
    NOT_YET_OPEN = "not_yet_open", _("Inscriptions pas encore ouvertes")
    CLOSED = "closed", _("Inscriptions closes")
    INVITATION_ONLY = "invitation_only", _("Sur invitation uniquement")
    CANCELLED = "cancelled", _("Rencontre annulée")
    PAST = "past", _("Rencontre passée")
    UNPUBLISHED = "unpublished", _("Rencontre non publiée")


class AttendanceMode(models.TextChoices):
    """How a registrant attends: in the room or through the video meeting."""

    IN_PERSON = "in_person", _("Sur place")
    ONLINE = "online", _("En ligne")


# A meeting is as open as its most open mode: the first of these its modes are in.
_STATE_PREFERENCE = [
    RegistrationState.OPEN,
    RegistrationState.WAITLIST,
    *(state for state in RegistrationState if state not in (RegistrationState.OPEN, RegistrationState.WAITLIST)),
]


@dataclass(frozen=True)
class ModeSeats:
    mode: AttendanceMode
    seats_left: int | None
    state: RegistrationState


def street_address(address: str, city: str) -> str:
    """The address with its city, the city named once even where staff typed it in the address too."""
    if not city or city.casefold() in address.casefold():
        return address
    return f"{address}, {city}"


class Meeting(TimeStampedModel):
    """A stop of a tour: a CRT working session or a professionals' meeting in one region."""

    class Kind(models.TextChoices):
        CRT_SESSION = "crt_session", _("Séance de travail avec le CRT (sur invitation)")
        PROFESSIONALS = "professionals", _("Rencontre avec les professionnels")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publiée")
        POSTPONED = "postponed", _("Reportée")
        CANCELLED = "cancelled", _("Annulée")
        HELD = "held", _("Tenue")

    tour = models.ForeignKey(Tour, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("tournée"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("région"))
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.PROFESSIONALS)
    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    venue_name = models.CharField(_("lieu"), max_length=150)
    address = models.CharField(_("adresse"), max_length=255)
    city = models.CharField(_("ville"), max_length=80)
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5, null=True, blank=True)
    # Staff only: the video meeting's address never appears on a public page; online registrants reach it
    # through their personal join link (meetings.views.join).
    online_url = models.URLField(_("lien en ligne"), blank=True)
    offers_in_person = models.BooleanField(_("participation sur place"), default=True)
    offers_online = models.BooleanField(_("participation en ligne"), default=False)
    capacity = models.PositiveIntegerField(_("capacité"))
    # None: as many online attendees as want to join (no waiting list online).
    online_capacity = models.PositiveIntegerField(_("capacité en ligne"), null=True, blank=True)
    # Staff only until the follow-up e-mail, which gives it to the registrants.
    recording_url = models.URLField(_("lien de l'enregistrement"), blank=True)
    registration_opens_at = models.DateTimeField(_("ouverture des inscriptions"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("clôture des inscriptions"), null=True, blank=True)
    description = models.TextField(_("présentation"), blank=True)
    # Waiting list: hours a freed seat is held for the next person, or confirm them at once.
    waitlist_offer_hours = models.PositiveSmallIntegerField(_("délai d'acceptation d'une place (heures)"), default=48)
    confirm_waitlist_directly = models.BooleanField(_("confirmer directement la liste d'attente"), default=False)
    # Incremented on every change calendar clients must see (RFC 5545 SEQUENCE).
    sequence = models.PositiveIntegerField(_("révision du calendrier"), default=0, editable=False)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("rencontre")
        verbose_name_plural = _("rencontres")
        indexes = [models.Index(fields=["tour", "starts_at"]), models.Index(fields=["region", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=0), name="meeting_capacity_not_negative"),
            models.CheckConstraint(
                condition=Q(offers_in_person=True) | Q(offers_online=True), name="meeting_offers_a_mode"
            ),
            models.CheckConstraint(
                condition=Q(registration_closes_at__isnull=True) | Q(registration_closes_at__lte=F("starts_at")),
                name="meeting_registration_closes_before_start",
            ),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_opens_at__lt=F("registration_closes_at")),
                name="meeting_registration_opens_before_close",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("meetings:detail", args=[self.slug])

    @property
    def street_address(self) -> str:
        return street_address(self.address, self.city)

    @property
    def place(self) -> str:
        """Venue, address and city in one line, for e-mails, calendars and summaries."""
        return f"{self.venue_name}, {self.street_address}"

    @property
    def modes(self) -> list[str]:
        """The attendance modes this meeting offers, in person first."""
        offered = {AttendanceMode.IN_PERSON: self.offers_in_person, AttendanceMode.ONLINE: self.offers_online}
        return [mode for mode, on in offered.items() if on]

    def capacity_of(self, mode: str) -> int | None:
        """The seats of one mode; None when unlimited (online without a capacity)."""
        return self.online_capacity if mode == AttendanceMode.ONLINE else self.capacity

    def seats_left_of(self, mode: str, *, seats_taken: int) -> int | None:
        capacity = self.capacity_of(mode)
        return None if capacity is None else max(capacity - seats_taken, 0)

    def seats_by_mode(self, *, seats_taken: int, online_seats_taken: int = 0, now=None) -> list["ModeSeats"]:
        """Per mode offered: its seats left (None: no limit) and its registration state, for the public pages."""
        taken = {AttendanceMode.IN_PERSON: seats_taken, AttendanceMode.ONLINE: online_seats_taken}
        return [
            ModeSeats(
                mode=AttendanceMode(mode),
                seats_left=self.seats_left_of(mode, seats_taken=taken[mode]),
                state=self.registration_state(
                    seats_taken=seats_taken, online_seats_taken=online_seats_taken, mode=mode, now=now
                ),
            )
            for mode in self.modes
        ]

    def join_opens_at(self) -> datetime:
        """When an online registrant's join link starts forwarding to the video meeting."""
        return self.starts_at - timedelta(minutes=settings.MEETINGS_JOIN_OPENS_MINUTES)

    def registration_state(
        self, *, seats_taken: int, online_seats_taken: int = 0, mode: str | None = None, now=None
    ) -> RegistrationState:
        """The registration state given how many seats are taken (confirmed, offered or attended) in person
        (`seats_taken`) and online: for one `mode`, or for the meeting (open while any mode it offers is)."""
        if mode is None:
            states = [
                self.registration_state(
                    seats_taken=seats_taken, online_seats_taken=online_seats_taken, mode=offered, now=now
                )
                for offered in self.modes or [AttendanceMode.IN_PERSON]
            ]
            return min(states, key=_STATE_PREFERENCE.index)
        now = now or timezone.now()
        if self.kind == self.Kind.CRT_SESSION:
            return RegistrationState.INVITATION_ONLY
        if self.status == self.Status.CANCELLED:
            return RegistrationState.CANCELLED
        if self.status == self.Status.DRAFT:
            return RegistrationState.UNPUBLISHED
        if self.status == self.Status.HELD or self.starts_at <= now:
            return RegistrationState.PAST
        if self.registration_opens_at and now < self.registration_opens_at:
            return RegistrationState.NOT_YET_OPEN
        if self.registration_closes_at and now >= self.registration_closes_at:
            return RegistrationState.CLOSED
        if mode not in self.modes:
            return RegistrationState.CLOSED
        capacity = self.capacity_of(mode)
        taken = online_seats_taken if mode == AttendanceMode.ONLINE else seats_taken
        if capacity is not None and taken >= capacity:
            return RegistrationState.WAITLIST
        return RegistrationState.OPEN


class AgendaItem(models.Model):
    """One line of a meeting's agenda."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="agenda_items", verbose_name=_("rencontre")
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    starts_at = models.TimeField(_("heure"), null=True, blank=True)
    title = models.CharField(_("intitulé"), max_length=200)
    speaker_member = models.ForeignKey(
        "meetings.DelegationMember",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_("intervenant (délégation)"),
    )
    # A speaker who is not in the delegation (a professional, a guest announced late).
    speaker = models.CharField(_("intervenant (autre)"), max_length=150, blank=True)

    class Meta:
        ordering = ["position", "starts_at"]
        verbose_name = _("point de l'ordre du jour")
        verbose_name_plural = _("ordre du jour")

    def __str__(self):
        return self.title


class DelegationMember(models.Model):
    """Who attends a meeting for ONMT, the CNT or the CRT (or as a guest), and in which role."""

    class Side(models.TextChoices):
        ONMT = "onmt", _("ONMT")
        CNT = "cnt", _("CNT")
        CRT = "crt", _("CRT")
        GUEST = "guest", _("Invité")

    class Role(models.TextChoices):
        CHAIR = "chair", _("Président(e) de séance")
        SPEAKER = "speaker", _("Intervenant(e)")
        NOTE_TAKER = "note_taker", _("Rapporteur")
        MEMBER = "member", _("Membre")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="delegation", verbose_name=_("rencontre")
    )
    side = models.CharField(_("pour"), max_length=8, choices=Side.choices)
    role = models.CharField(_("rôle"), max_length=12, choices=Role.choices, default=Role.MEMBER)
    # A staff member or a CRT contact; a guest is typed by name only.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("membre de l'ONMT"),
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("contact du CRT")
    )
    full_name = models.CharField(_("nom"), max_length=150, blank=True)
    organisation = models.CharField(_("organisme"), max_length=150, blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("membre de la délégation")
        verbose_name_plural = _("délégation")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=True) | Q(contact__isnull=True), name="delegation_user_or_contact"
            ),
            models.UniqueConstraint(
                fields=["meeting", "user"], condition=Q(user__isnull=False), name="delegation_user_once"
            ),
            models.UniqueConstraint(
                fields=["meeting", "contact"], condition=Q(contact__isnull=False), name="delegation_contact_once"
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.organisation})" if self.organisation else self.full_name


class Decision(TimeStampedModel):
    """What a meeting decided: a commitment with an owner and a due date, regional or national."""

    class Scope(models.TextChoices):
        REGIONAL = "regional", _("Régionale")
        NATIONAL = "national", _("Nationale (toutes les régions)")

    Axis = Axis
    ProductLine = ProductLine
    Owner = Owner

    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("rencontre")
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("point de l'ordre du jour"),
    )
    title = models.CharField(_("décision"), max_length=200)
    details = models.TextField(_("précisions"), max_length=2000, blank=True)
    axis = models.CharField(_("axe"), max_length=20, choices=Axis.choices)
    product_line = models.CharField(
        _("filière produit"), max_length=20, choices=ProductLine.choices, default=ProductLine.OTHER
    )
    markets = models.ManyToManyField(Market, blank=True, related_name="decisions", verbose_name=_("marchés"))
    owner = models.CharField(_("porteur"), max_length=10, choices=Owner.choices, default=Owner.ONMT)
    due_on = models.DateField(_("échéance"), null=True, blank=True)
    scope = models.CharField(_("portée"), max_length=10, choices=Scope.choices, default=Scope.REGIONAL)
    # Only the title of a public decision is shown on public pages; the details never are.
    is_public = models.BooleanField(_("publique"), default=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        ordering = ["meeting", "position", "pk"]
        verbose_name = _("décision")
        verbose_name_plural = _("décisions")
        indexes = [models.Index(fields=["scope", "meeting"])]

    def __str__(self):
        return self.title

    def clean(self):
        if self.agenda_item_id and self.meeting_id and self.agenda_item.meeting_id != self.meeting_id:
            raise ValidationError({"agenda_item": _("Ce point est à l'ordre du jour d'une autre rencontre.")})


class Minutes(TimeStampedModel):
    """The minutes of a meeting, written by the note-taker and co-signed by the region's CRT."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SUBMITTED = "submitted", _("Soumis à validation")
        VALIDATED = "validated", _("Validé")
        REFUSED = "refused", _("Refusé")

    meeting = models.OneToOneField(
        Meeting, on_delete=models.CASCADE, related_name="minutes", verbose_name=_("rencontre")
    )
    summary = models.TextField(_("synthèse générale"), max_length=20000, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Bumped by every save: a save made from an older version is merged or refused, never silently kept.
    version = models.PositiveIntegerField(_("version d'édition"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("modifié par"),
    )
    # The CRT president or whoever staff choose: validates the final minutes for the region.
    validator = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("validateur pour le CRT"),
    )

    class Meta:
        verbose_name = _("compte rendu")
        verbose_name_plural = _("comptes rendus")

    def __str__(self):
        return str(self.meeting)


class MinutesEntry(models.Model):
    """What was said on one agenda item."""

    minutes = models.ForeignKey(
        Minutes, on_delete=models.CASCADE, related_name="entries", verbose_name=_("compte rendu")
    )
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, related_name="minutes_entries", verbose_name=_("point de l'ordre du jour")
    )
    summary = models.TextField(_("synthèse"), max_length=20000, blank=True)
    points_raised = models.TextField(_("points soulevés par les professionnels"), max_length=20000, blank=True)

    class Meta:
        ordering = ["agenda_item__position", "agenda_item__starts_at", "pk"]
        verbose_name = _("compte rendu d'un point")
        verbose_name_plural = _("comptes rendus par point")
        constraints = [
            models.UniqueConstraint(fields=["minutes", "agenda_item"], name="minutes_entry_once_per_agenda_item")
        ]

    def __str__(self):
        return str(self.agenda_item)


class MinutesVersion(models.Model):
    """The minutes as sent for validation: frozen content, and the hash a validation refers to."""

    minutes = models.ForeignKey(
        Minutes, on_delete=models.CASCADE, related_name="versions", verbose_name=_("compte rendu")
    )
    number = models.PositiveIntegerField(_("version"))
    content = models.JSONField(_("contenu"))
    content_hash = models.CharField(_("empreinte (SHA-256)"), max_length=64)
    created_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("envoyée par"),
    )
    validator = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("validateur")
    )

    class Meta:
        ordering = ["minutes", "-number"]
        verbose_name = _("version du compte rendu")
        verbose_name_plural = _("versions du compte rendu")
        constraints = [models.UniqueConstraint(fields=["minutes", "number"], name="minutes_version_number_once")]

    def __str__(self):
        return f"{self.minutes} — v{self.number}"


class MinutesValidation(models.Model):
    """The CRT's answer to one version: validated or refused with a comment; one answer per version."""

    class Outcome(models.TextChoices):
        VALIDATED = "validated", _("Validé")
        REFUSED = "refused", _("Refusé")

    class Channel(models.TextChoices):
        ACCOUNT = "account", _("Depuis son compte")
        LINK = "link", _("Par le lien personnel")

    version = models.OneToOneField(
        MinutesVersion, on_delete=models.CASCADE, related_name="validation", verbose_name=_("version")
    )
    outcome = models.CharField(_("réponse"), max_length=10, choices=Outcome.choices)
    comment = models.TextField(_("commentaire"), max_length=4000, blank=True)
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("contact")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("compte")
    )
    # Who answered, as they were named then (the contact may later be erased or renamed).
    signed_by = models.CharField(_("signataire"), max_length=150)
    channel = models.CharField(_("par"), max_length=8, choices=Channel.choices)
    content_hash = models.CharField(_("empreinte validée"), max_length=64)
    decided_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("validation du compte rendu")
        verbose_name_plural = _("validations du compte rendu")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="validated") | ~Q(comment=""), name="minutes_refusal_has_comment"
            )
        ]

    def __str__(self):
        return f"{self.version} — {self.get_outcome_display()}"


class MinutesDocument(TimeStampedModel):
    """The minutes as a PDF, in one language, for one edit version: made by a task, then kept."""

    class State(models.TextChoices):
        PENDING = "pending", _("En préparation")
        READY = "ready", _("Prêt")
        FAILED = "failed", _("Échec")

    minutes = models.ForeignKey(
        Minutes, on_delete=models.CASCADE, related_name="documents", verbose_name=_("compte rendu")
    )
    version = models.PositiveIntegerField(_("version d'édition"))
    language = models.CharField(_("langue"), max_length=2, choices=Language.choices)
    state = models.CharField(_("état"), max_length=8, choices=State.choices, default=State.PENDING)
    file = models.FileField(_("fichier"), upload_to="minutes/", storage=private_storage, blank=True)
    error = models.TextField(_("erreur"), blank=True)

    class Meta:
        verbose_name = _("compte rendu (PDF)")
        verbose_name_plural = _("comptes rendus (PDF)")
        constraints = [
            models.UniqueConstraint(
                fields=["minutes", "version", "language"], name="minutes_document_once_per_version_language"
            )
        ]

    def __str__(self):
        return f"{self.minutes} — v{self.version} ({self.language})"


class MeetingEvidence(PrivateFile):
    """A file of a meeting (a presentation, the region's diagnostic): read by staff and the region's officials."""

    STORAGE_FOLDER = "evidence/meetings"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("rencontre"))

    class Meta(PrivateFile.Meta):
        verbose_name = _("document de la rencontre")
        verbose_name_plural = _("documents des rencontres")


def new_manage_secret() -> str:
    return secrets.token_urlsafe(32)


class Registration(TimeStampedModel):
    """A tourism professional's registration for a meeting (no account; managed by a secret link)."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmée")
        WAITLISTED = "waitlisted", _("Liste d'attente")
        OFFERED = "offered", _("Place proposée")
        CANCELLED = "cancelled", _("Annulée")
        ATTENDED = "attended", _("Présent(e)")

    class Sector(models.TextChoices):
        LODGING = "lodging", _("Hôtellerie et hébergement")
        TRAVEL_AGENCY = "travel_agency", _("Agences de voyages et tour-opérateurs")
        TRANSPORT = "transport", _("Transport touristique")
        RESTAURANTS = "restaurants", _("Restauration")
        GUIDES = "guides", _("Guides")
        LEISURE = "leisure", _("Loisirs et animation")
        MICE = "mice", _("MICE et événementiel")
        CRAFTS = "crafts", _("Artisanat")
        INSTITUTION = "institution", _("Institutions")
        OTHER = "other", _("Autre")

    # Statuses that hold or wait for a seat; one such registration per e-mail and meeting.
    ACTIVE_STATUSES = (Status.CONFIRMED, Status.WAITLISTED, Status.OFFERED, Status.ATTENDED)
    # Statuses that occupy a seat of the capacity.
    SEAT_STATUSES = (Status.CONFIRMED, Status.OFFERED, Status.ATTENDED)

    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("rencontre")
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Compared in constant time with the one in the manage link; replaced to revoke old links.
    manage_secret = models.CharField(max_length=64, default=new_manage_secret, editable=False)
    full_name = models.CharField(_("nom complet"), max_length=150)
    organisation = models.CharField(_("organisme"), max_length=150)
    job_title = models.CharField(_("fonction"), max_length=120, blank=True)
    sector = models.CharField(_("secteur"), max_length=20, choices=Sector.choices)
    email = models.EmailField(_("e-mail"), max_length=254)
    phone = models.CharField(_("téléphone"), max_length=20)
    city = models.CharField(_("ville"), max_length=80, blank=True)
    message = models.TextField(_("message"), max_length=1000, blank=True)
    language = models.CharField(_("langue"), max_length=2, choices=Language.choices, default=Language.FRENCH)
    consent_at = models.DateTimeField(_("consentement donné le"))
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices, default=Status.CONFIRMED)
    mode = models.CharField(
        _("participation"), max_length=10, choices=AttendanceMode.choices, default=AttendanceMode.IN_PERSON
    )
    # First time an online registrant opened the video meeting through their join link.
    joined_at = models.DateTimeField(_("connexion le"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offre valable jusqu'au"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    attended_at = models.DateTimeField(_("présence le"), null=True, blank=True)
    # Registered by staff at the door on the day (checked in at once), counted apart from those registered ahead.
    walk_in = models.BooleanField(_("inscrit(e) sur place"), default=False)
    # Set when the person came through a personal invitation link.
    invited_contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invité(e) en tant que"),
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        indexes = [
            models.Index(fields=["meeting", "status", "created_at"]),
            # The seat count and the waiting list run under the meeting's lock at every registration:
            # partial indexes keep them cheap, and chosen by the planner even while a meeting's
            # statistics still say it has no registrations.
            # Seats are counted per attendance mode under the meeting's lock: an index-only scan.
            models.Index(
                fields=["meeting", "mode"],
                condition=Q(status__in=["confirmed", "offered", "attended"]),
                name="registration_seats_by_mode",
            ),
            models.Index(
                fields=["meeting", "created_at"], condition=Q(status="waitlisted"), name="registration_waitlist"
            ),
        ]
        constraints = [
            # A walk-in may give a phone number alone: no e-mail is no identity to compare.
            models.UniqueConstraint(
                fields=["meeting", "email"],
                condition=Q(status__in=["confirmed", "waitlisted", "offered", "attended"]) & ~Q(email=""),
                name="registration_one_active_per_email",
            ),
            models.CheckConstraint(
                condition=Q(status="offered", offer_expires_at__isnull=False) | ~Q(status="offered"),
                name="registration_offer_has_expiry",
            ),
            models.CheckConstraint(condition=Q(mode__in=["in_person", "online"]), name="registration_mode_known"),
            models.CheckConstraint(
                condition=Q(joined_at__isnull=True) | Q(mode="online"), name="registration_joined_online_only"
            ),
        ]

    def __str__(self):
        return f"{self.full_name} — {self.meeting}"


class CheckIn(models.Model):
    """One check-in or undo made on a staff phone, kept once under the id the phone gave it.

    A phone that sends its queue again (a lost answer, a reload, the network back) sends the same ids:
    the unique `client_id` makes each one apply once, and its stored outcome is what the phone gets back.
    """

    class Action(models.TextChoices):
        CHECK_IN = "check_in", _("Pointage")
        UNDO = "undo", _("Annulation du pointage")

    class Outcome(models.TextChoices):
        CHECKED_IN = "checked_in", _("Présence enregistrée")
        ALREADY = "already", _("Déjà pointé(e)")
        UNDONE = "undone", _("Pointage annulé")
        NOT_CHECKED_IN = "not_checked_in", _("Pas pointé(e)")

    client_id = models.UUIDField(unique=True, editable=False)
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="check_ins", verbose_name=_("inscription")
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    outcome = models.CharField(_("résultat"), max_length=16, choices=Outcome.choices)
    # Already checked in by another phone (or the admin's page) when this check-in arrived.
    conflict = models.BooleanField(_("conflit"), default=False)
    # A random id each phone keeps for itself: tells a phone its own check-in from another phone's.
    device = models.CharField(_("appareil"), max_length=40)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("agent")
    )
    # When it was done on the phone (maybe offline, sent later), and when the server received it.
    done_at = models.DateTimeField(_("fait le"))
    received_at = models.DateTimeField(_("reçu le"), default=timezone.now)

    class Meta:
        ordering = ["received_at", "pk"]
        verbose_name = _("pointage")
        verbose_name_plural = _("pointages")

    def __str__(self):
        return f"{self.get_action_display()} — {self.get_outcome_display()}"


class Reminder(TimeStampedModel):
    """A reminder of a meeting, due a fixed time before its start or at a local time on a day before."""

    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="reminders", verbose_name=_("rencontre")
    )
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
        # Neither set: a row the form is about to refuse (the constraint), still shown with its errors.
        time = self.local_time.strftime("%H:%M") if self.local_time is not None else "—"
        return _("J-%(days)s à %(time)s") % {"days": self.days_before, "time": time}

    def due_at(self, *, starts_at: datetime) -> datetime:
        """When this reminder is due for a meeting starting at `starts_at` (relative, so it moves with it)."""
        if self.offset is not None:
            return starts_at - self.offset
        # Local wall-clock time in the portal's zone: Morocco's offset changes around Ramadan.
        day = timezone.localtime(starts_at).date() - timedelta(days=self.days_before)
        return timezone.make_aware(datetime.combine(day, self.local_time))


class MeetingFollowUp(models.Model):
    """Marks that a held meeting's follow-up messages were queued, so the beat task does it once."""

    meeting = models.OneToOneField(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="follow_up", verbose_name=_("rencontre")
    )
    queued_at = models.DateTimeField(_("mis en file le"), default=timezone.now)

    class Meta:
        verbose_name = _("suivi de rencontre")
        verbose_name_plural = _("suivis de rencontre")

    def __str__(self):
        return str(self.meeting)


class SurveyResponse(TimeStampedModel):
    """An attendee's answer to the satisfaction survey: one rating and an optional comment."""

    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="survey_responses", verbose_name=_("rencontre")
    )
    registration = models.OneToOneField(
        "meetings.Registration", on_delete=models.CASCADE, related_name="survey_response", verbose_name=_("inscription")
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


class ConsultationAnswer(TimeStampedModel):
    """A person's answer to the consultation sent before a meeting: one per person (e-mail) and meeting.

    The row is made when the consultation is sent, with the personal link's secret; what the person chose and
    wrote is filled by their answer. Erasure keeps the choices, anonymous, for the meeting's counts.
    """

    class Obstacle(models.TextChoices):
        AIR_ACCESS = "air_access", _("Desserte aérienne et accès")
        SEASONALITY = "seasonality", _("Saisonnalité de la demande")
        FINANCING = "financing", _("Financement et coûts")
        SKILLS = "skills", _("Recrutement et formation du personnel")
        VISIBILITY = "visibility", _("Visibilité sur les marchés")
        DIGITAL = "digital", _("Distribution et vente en ligne")
        REGULATION = "regulation", _("Démarches administratives et réglementation")
        OTHER = "other", _("Autre")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="consultation_answers", verbose_name=_("rencontre")
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Compared in constant time with the one in the personal link; replaced on erasure to revoke the link.
    secret = models.CharField(max_length=64, default=new_manage_secret, editable=False)
    registration = models.ForeignKey(
        Registration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultation_answers",
        verbose_name=_("inscription"),
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("contact invité")
    )
    full_name = models.CharField(_("nom"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254)
    language = models.CharField(_("langue"), max_length=2, choices=Language.choices, default=Language.FRENCH)
    markets = models.ManyToManyField(
        Market, blank=True, related_name="consultation_answers", verbose_name=_("marchés prioritaires")
    )
    product_lines = models.JSONField(_("filières"), default=list, blank=True)
    obstacles = models.JSONField(_("principaux freins"), default=list, blank=True)
    obstacle_other = models.CharField(_("autre frein"), max_length=200, blank=True)
    proposal = models.TextField(_("propositions"), max_length=2000, blank=True)
    consent_at = models.DateTimeField(_("consentement donné le"), null=True, blank=True)
    consent_version = models.CharField(_("version du texte de consentement"), max_length=20, blank=True)
    answered_at = models.DateTimeField(_("répondu le"), null=True, blank=True)
    # Checked on each save: an answer edited in two tabs is never silently overwritten.
    version = models.PositiveIntegerField(_("version"), default=0)
    # The person may stop the e-mails telling what became of their proposal (one-click link).
    outcome_emails = models.BooleanField(_("informé(e) des suites de ses propositions"), default=True)
    erased_at = models.DateTimeField(_("effacé le"), null=True, blank=True)

    class Meta:
        ordering = ["meeting", "created_at"]
        verbose_name = _("réponse à la consultation")
        verbose_name_plural = _("réponses à la consultation")
        indexes = [models.Index(fields=["meeting", "answered_at"])]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "email"], name="consultation_answer_once_per_person"),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(consent_at__isnull=False),
                name="consultation_answer_has_consent",
            ),
        ]

    def __str__(self):
        return f"{self.full_name or self.public_id} — {self.meeting}"

    @property
    def product_line_labels(self) -> list[str]:
        labels = dict(ProductLine.choices)
        return [str(labels.get(key, key)) for key in self.product_lines]

    @property
    def obstacle_labels(self) -> list[str]:
        labels = dict(self.Obstacle.choices)
        return [str(labels.get(key, key)) for key in self.obstacles]
