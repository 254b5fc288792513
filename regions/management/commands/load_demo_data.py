"""Load realistic demo data so the embedded portal shows a living tour. Safe to run twice.

Meetings are created, published and marked held through `meetings.services`, as staff
would in the admin, so they carry what those steps add (default reminders, sequence).
"""

import secrets
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from meetings.models import AgendaItem, Meeting, Registration, Tour
from meetings.registration_services import registration_create
from meetings.services import meeting_mark_held, meeting_publish, meeting_save
from regions.models import Contact, Region, RegionalCouncil
from roadmap.demo import load_demo_roadmaps

DEMO_PROFESSIONALS = [
    ("Nadia Benali", "Dakhla Attitude", Registration.Sector.LODGING, "fr"),
    ("محمد الصحراوي", "وكالة الداخلة للأسفار", Registration.Sector.TRAVEL_AGENCY, "ar"),
    ("Youssef El Idrissi", "Kite Paradise", Registration.Sector.LEISURE, "fr"),
    ("Salma Alaoui", "Transports Atlas Sud", Registration.Sector.TRANSPORT, "fr"),
    ("Karim Ouazzani", "Guides du Souss", Registration.Sector.GUIDES, "en"),
    ("فاطمة الزهراء", "تعاونية أركان", Registration.Sector.CRAFTS, "ar"),
]

# The tour starts in Dakhla-Oued Ed-Dahab and then goes north, one region after another.
TOUR_ORDER = [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]
DAYS_BETWEEN_STOPS = 8
OFFICIAL_REGIONS = {12: "crt-dakhla", 9: "crt-souss", 7: "crt-marrakech"}
AGENDA = [
    (time(15, 0), "Accueil et mot de bienvenue du CRT", "Président(e) du CRT"),
    (time(15, 20), "Plan stratégique de relance et marchés prioritaires", "ONMT"),
    (time(16, 0), "Dispositifs marketing et commerciaux, tourisme interne", "ONMT et CNT"),
    (time(16, 45), "Échanges avec les professionnels", ""),
    (time(17, 30), "Feuille de route régionale : prochaines étapes", "ONMT"),
]


class Command(BaseCommand):
    help = "Load demo CRT contacts, officials and the 2026 tour (idempotent)."

    def handle(self, *args, **options):
        credentials_file = settings.VAR_DIR / "demo_credentials.txt"
        with transaction.atomic():
            passwords = self._users(credentials_file)
            self._councils_and_contacts()
            self._tour()
            self._registrations()
            load_demo_roadmaps()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Admin: {settings.SITE_URL}/admin/  login admin / {passwords['admin']}")
        for username in OFFICIAL_REGIONS.values():
            self.stdout.write(f"CRT official: /comptes/login/  login {username} / {passwords[username]}")
        self.stdout.write(f"(credentials kept in {credentials_file})")

    def _users(self, credentials_file):
        stored = {}
        if credentials_file.exists():
            stored = dict(line.split(" ", 1) for line in credentials_file.read_text().splitlines() if " " in line)
        User = get_user_model()
        passwords = {}
        for username in ["admin", *OFFICIAL_REGIONS.values()]:
            password = stored.get(username) or secrets.token_urlsafe(9)
            user, created = User.objects.get_or_create(username=username)
            if created or username not in stored:
                user.set_password(password)
            if username == "admin":
                user.is_staff = user.is_superuser = True
                user.email = "admin@onmt.ma"
            user.save()
            passwords[username] = password
        settings.VAR_DIR.mkdir(exist_ok=True)
        credentials_file.write_text("".join(f"{name} {pw}\n" for name, pw in passwords.items()))
        return passwords

    def _councils_and_contacts(self):
        User = get_user_model()
        for region in Region.objects.all():
            RegionalCouncil.objects.get_or_create(
                region=region,
                defaults={
                    "name": f"Conseil Régional du Tourisme {region.name_fr}",
                    "email": f"contact@crt-{region.slug}.ma",
                    "phone": "+212 5 22 00 00 00",
                    "address": region.seat_city,
                },
            )
            people = [
                (
                    "crt",
                    f"Président(e) CRT {region.seat_city}",
                    "CRT",
                    "Président(e)",
                    f"president@crt-{region.slug}.ma",
                ),
                (
                    "crt",
                    f"Directeur(trice) CRT {region.seat_city}",
                    "CRT",
                    "Directeur(trice)",
                    f"direction@crt-{region.slug}.ma",
                ),
                (
                    "association",
                    f"Association de l'hôtellerie — {region.seat_city}",
                    "Association régionale de l'industrie hôtelière",
                    "Président(e)",
                    f"ahi@{region.slug}.ma",
                ),
                (
                    "association",
                    f"Association des agences de voyages — {region.seat_city}",
                    "Association régionale des agences de voyages",
                    "Président(e)",
                    f"aav@{region.slug}.ma",
                ),
            ]
            for kind, name, organisation, role, email in people:
                Contact.objects.get_or_create(
                    region=region,
                    email=email,
                    defaults={"kind": kind, "full_name": name, "organisation": organisation, "role": role},
                )
            username = OFFICIAL_REGIONS.get(region.number)
            if username:
                contact = Contact.objects.get(region=region, email=f"direction@crt-{region.slug}.ma")
                contact.user = User.objects.get(username=username)
                contact.save(update_fields=["user", "updated_at"])

    def _registrations(self):
        """A few professionals registered for the next open meetings (each once, through the real service)."""
        upcoming = Meeting.objects.filter(
            kind=Meeting.Kind.PROFESSIONALS, status=Meeting.Status.PUBLISHED, starts_at__gt=timezone.now()
        ).order_by("starts_at")[:2]
        for meeting in upcoming:
            if meeting.registrations.exists():
                continue
            for n, (name, organisation, sector, language) in enumerate(DEMO_PROFESSIONALS):
                registration_create(
                    meeting_id=meeting.pk,
                    full_name=name,
                    organisation=organisation,
                    sector=sector,
                    email=f"pro{n}.{meeting.region.slug}@example.ma",
                    phone="+212661000000",
                    city=meeting.city,
                    language=language,
                )

    def _tour(self):
        today = timezone.localdate()
        first_stop = today - timedelta(days=10)
        tour, _ = Tour.objects.get_or_create(
            slug="relance-2026",
            defaults={
                "name": "Tournée régionale de la relance 2026",
                "starts_on": first_stop,
                "ends_on": first_stop + timedelta(days=DAYS_BETWEEN_STOPS * len(TOUR_ORDER)),
                "description": "L'ONMT rencontre les CRT et les professionnels des 12 régions, avec l'appui de la CNT.",
                "is_published": True,
            },
        )
        regions = {region.number: region for region in Region.objects.all()}
        for stop, number in enumerate(TOUR_ORDER):
            region = regions[number]
            day = tour.starts_on + timedelta(days=DAYS_BETWEEN_STOPS * stop)
            status = Meeting.Status.HELD if day < today else Meeting.Status.PUBLISHED
            if stop >= 9:
                status = Meeting.Status.DRAFT
            for kind, start, end, title in [
                (Meeting.Kind.CRT_SESSION, time(9, 30), time(12, 0), f"Séance de travail avec le CRT {region.name_fr}"),
                (
                    Meeting.Kind.PROFESSIONALS,
                    time(15, 0),
                    time(18, 0),
                    f"Rencontre des professionnels — {region.name_fr}",
                ),
            ]:
                slug = f"{tour.slug}-{region.slug}-{kind.replace('_', '-')}"
                if Meeting.objects.filter(slug=slug).exists():
                    continue
                starts_at = timezone.make_aware(datetime.combine(day, start))
                meeting = meeting_save(
                    meeting=Meeting(
                        slug=slug,
                        tour=tour,
                        region=region,
                        kind=kind,
                        title=title,
                        status=Meeting.Status.DRAFT,
                        starts_at=starts_at,
                        ends_at=timezone.make_aware(datetime.combine(day, end)),
                        venue_name=f"Hôtel de la région, {region.seat_city}",
                        address=f"Avenue Mohammed V, {region.seat_city}",
                        city=region.seat_city,
                        capacity=20 if kind == Meeting.Kind.CRT_SESSION else 120,
                        registration_opens_at=starts_at - timedelta(days=30),
                        registration_closes_at=starts_at - timedelta(hours=12),
                        description="Plan de relance : promotion sur les marchés prioritaires, tourisme interne, "
                        "dispositifs marketing et commerciaux adaptés aux potentialités de la région.",
                    )
                )
                if kind == Meeting.Kind.PROFESSIONALS:
                    AgendaItem.objects.bulk_create(
                        AgendaItem(meeting=meeting, position=i, starts_at=at, title=item, speaker=speaker)
                        for i, (at, item, speaker) in enumerate(AGENDA)
                    )
                self._advance(meeting, to=status)

    @staticmethod
    def _advance(meeting: Meeting, *, to: str) -> None:
        """Take a new draft to `to` the way staff do, through the services (publishing adds the reminders)."""
        if to in (Meeting.Status.PUBLISHED, Meeting.Status.HELD):
            meeting_publish(meeting=meeting)
        if to == Meeting.Status.HELD:
            meeting_mark_held(meeting=meeting)
