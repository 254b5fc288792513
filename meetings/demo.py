"""The demo 2026 tour: 24 meetings in the 12 regions and a few registrations; called by `load_demo_data`.

Meetings are created, published and marked held through the services, as staff would in the
admin, so they carry what those steps add (default reminders, sequence). Safe to run twice.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from meetings.models import AgendaItem, Meeting, Registration, Tour
from meetings.services.meeting import meeting_mark_held, meeting_publish, meeting_save
from meetings.services.registration import registration_create
from regions.models import Region

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
VENUES = {Meeting.Kind.CRT_SESSION: "Siège du Conseil régional", Meeting.Kind.PROFESSIONALS: "Palais des congrès"}
AGENDA = [
    (time(15, 0), "Accueil et mot de bienvenue du CRT", "Président(e) du CRT"),
    (time(15, 20), "Plan stratégique de relance et marchés prioritaires", "ONMT"),
    (time(16, 0), "Dispositifs marketing et commerciaux, tourisme interne", "ONMT et CNT"),
    (time(16, 45), "Échanges avec les professionnels", ""),
    (time(17, 30), "Feuille de route régionale : prochaines étapes", "ONMT"),
]


def load_demo_tour() -> None:
    """The tour, its meetings (held, published or draft by their date) and registrations for the next two."""
    _demo_tour()
    _demo_registrations()


def _demo_tour() -> None:
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
                    venue_name=VENUES[kind],
                    address=f"Avenue Mohammed V, {region.seat_city}",
                    city=region.seat_city,
                    capacity=20 if kind == Meeting.Kind.CRT_SESSION else 120,
                    registration_opens_at=starts_at - timedelta(days=30),
                    # The evening before, at an hour people read as a deadline.
                    registration_closes_at=timezone.make_aware(datetime.combine(day - timedelta(days=1), time(18, 0))),
                    description="Plan de relance : promotion sur les marchés prioritaires, tourisme interne, "
                    "dispositifs marketing et commerciaux adaptés aux potentialités de la région.",
                )
            )
            if kind == Meeting.Kind.PROFESSIONALS:
                AgendaItem.objects.bulk_create(
                    AgendaItem(meeting=meeting, position=i, starts_at=at, title=item, speaker=speaker)
                    for i, (at, item, speaker) in enumerate(AGENDA)
                )
            _advance(meeting, to=status)


def _advance(meeting: Meeting, *, to: str) -> None:
    """Take a new draft to `to` the way staff do, through the services (publishing adds the reminders)."""
    if to in (Meeting.Status.PUBLISHED, Meeting.Status.HELD):
        meeting_publish(meeting=meeting)
    if to == Meeting.Status.HELD:
        meeting_mark_held(meeting=meeting)


def _demo_registrations() -> None:
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
