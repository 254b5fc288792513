"""Fill the configured database with a national-scale tour for the benchmark.

scale 1.0: 12 regions, 5 tours, 600 meetings, 200,000 registrations, 20,000 roadmap
items with history and comments, 300,000 outbound messages. Prints, as its last line,
JSON describing the URLs and cookies the benchmark loads.
"""

import argparse
import json
import os
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onmt_portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.meeting_open import open_meeting  # noqa: E402
from meetings.models import Meeting, Registration, Tour  # noqa: E402
from messaging.models import OutboundMessage  # noqa: E402
from regions.models import Contact, Region  # noqa: E402

BATCH = 5000
TOURS = 5
MEETINGS = 600
REGISTRATIONS = 200_000
ROADMAP_ITEMS = 20_000
MESSAGES = 300_000
ROADMAP_ITEMS_OF_THE_MEASURED_REGION = 200
REGISTER_MEETING_SLUG = "bench-registration-target"
# Registrations spread over several meetings at once: one per region, 500 seats each.
SPREAD_MEETINGS = 12
SPREAD_MEETING_SLUG = "bench-registration-spread-{}"
# The steady stream of registrations beside the public pages goes to this many meetings of the tour shown.
STREAM_MEETINGS = 12


def _meetings(scale: float, regions: list[Region]) -> list[Meeting]:
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    tours = [
        Tour.objects.create(
            name=f"Tournée {2022 + i}",
            slug=f"bench-tour-{i}",
            starts_on=(now + timedelta(days=365 * (i - 3))).date(),
            ends_on=(now + timedelta(days=365 * (i - 3) + 300)).date(),
            is_published=True,
        )
        for i in range(TOURS)
    ]
    per_tour = max(12, int(MEETINGS * scale) // TOURS)
    meetings = []
    for t, tour in enumerate(tours):
        start = timezone.make_aware(
            timezone.datetime.combine(tour.starts_on, timezone.datetime.min.time())
        ) + timedelta(hours=9)
        for i in range(per_tour):
            starts_at = start + timedelta(hours=12 * i)
            meetings.append(
                Meeting(
                    tour=tour,
                    region=regions[i % 12],
                    kind=Meeting.Kind.PROFESSIONALS,
                    title=f"Rencontre {t}-{i}",
                    slug=f"bench-{t}-{i}",
                    status=Meeting.Status.PUBLISHED,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(hours=3),
                    venue_name="Palais des congrès",
                    address="Avenue Mohammed V",
                    city=regions[i % 12].seat_city,
                    capacity=10_000,
                    registration_opens_at=starts_at - timedelta(days=4000),
                    registration_closes_at=starts_at - timedelta(hours=1),
                )
            )
    Meeting.objects.bulk_create(meetings, batch_size=BATCH)
    target = tours[-1]
    targets = [(REGISTER_MEETING_SLUG, regions[11])]
    targets += [(SPREAD_MEETING_SLUG.format(i), regions[i % 12]) for i in range(SPREAD_MEETINGS)]
    for n, (slug, region) in enumerate(targets):
        # A week apart: the delegation is never in two places at once.
        far = timezone.now() + timedelta(days=3000 + 7 * n)
        open_meeting(
            tour=target, region=region, slug=slug, title=f"Rencontre de charge {n}", starts_at=far, capacity=500
        )
    return list(Meeting.objects.exclude(slug__in=[slug for slug, _region in targets]))


def _registrations(scale: float, meetings: list[Meeting]) -> None:
    total = int(REGISTRATIONS * scale)
    statuses = [Registration.Status.CONFIRMED] * 8 + [Registration.Status.WAITLISTED, Registration.Status.CANCELLED]
    sectors = [choice for choice, _ in Registration.Sector.choices]
    now = timezone.now()
    rows = []
    for n in range(total):
        rows.append(
            Registration(
                meeting=meetings[n % len(meetings)],
                full_name=f"Professionnel {n}",
                organisation=f"Société {n % 997}",
                sector=sectors[n % len(sectors)],
                email=f"pro{n}@example.ma",
                phone="+212612345678",
                consent_at=now,
                status=statuses[n % len(statuses)],
            )
        )
        if len(rows) == BATCH:
            Registration.objects.bulk_create(rows)
            rows = []
    Registration.objects.bulk_create(rows)


def _messages(scale: float, meetings: list[Meeting]) -> None:
    total = int(MESSAGES * scale)
    kinds = [OutboundMessage.Kind.CONFIRMATION, OutboundMessage.Kind.REMINDER, OutboundMessage.Kind.INVITATION]
    now = timezone.now()
    rows = []
    for n in range(total):
        rows.append(
            OutboundMessage(
                kind=kinds[n % 3],
                idempotency_key=f"bench:{n}",
                recipient_email=f"pro{n}@example.ma",
                meeting=meetings[n % len(meetings)],
                subject="Votre inscription",
                body_text="Bonjour",
                status=OutboundMessage.Status.SENT if n % 50 else OutboundMessage.Status.FAILED,
                sent_at=now,
                attempts=1,
            )
        )
        if len(rows) == BATCH:
            OutboundMessage.objects.bulk_create(rows)
            rows = []
    OutboundMessage.objects.bulk_create(rows)


def _roadmaps(scale: float, regions: list[Region], meetings: list[Meeting]):
    from bench.roadmap_data import generate_roadmaps

    return generate_roadmaps(
        regions=regions,
        meetings=meetings,
        items=int(ROADMAP_ITEMS * scale),
        items_of_first_region=ROADMAP_ITEMS_OF_THE_MEASURED_REGION,
    )


def _session_cookie(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "regions.auth.AccountBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def generate(scale: float) -> dict:
    random.seed(2026)
    regions = list(Region.objects.order_by("number"))
    with transaction.atomic():
        meetings = _meetings(scale, regions)
        _registrations(scale, meetings)
        _messages(scale, meetings)
        official_region = _roadmaps(scale, regions, meetings)
        User = get_user_model()
        staff = User.objects.create_user(
            "bench-staff", password="bench-password-2026", is_staff=True, is_superuser=True
        )
        official = User.objects.create_user("bench-official", password="bench-password-2026")
        Contact.objects.create(
            region=official_region, full_name="Officiel Bench", email="official@bench.ma", user=official
        )
    shown = Meeting.objects.filter(starts_at__gt=timezone.now(), tour__slug=f"bench-tour-{TOURS - 1}").exclude(
        slug__startswith="bench-registration-"
    )
    upcoming = shown.order_by("starts_at").first()
    secret = _get_new_csrf_string()
    return {
        "tour": reverse("meetings:tour", args=[upcoming.tour.slug]),
        "meeting": reverse("meetings:detail", args=[upcoming.slug]),
        "region": reverse("regions:detail", args=[upcoming.region.slug]),
        "roadmap": reverse("roadmap:region", args=[official_region.slug]),
        "register": reverse("registrations:register", args=[REGISTER_MEETING_SLUG]),
        "register_meeting": REGISTER_MEETING_SLUG,
        "spread_meetings": [SPREAD_MEETING_SLUG.format(i) for i in range(SPREAD_MEETINGS)],
        # The meeting whose page is measured is one of them; the region page and the tour page show them.
        "stream_meetings": list(shown.order_by("starts_at").values_list("slug", flat=True)[:STREAM_MEETINGS]),
        "csrf_cookie": secret,
        "csrf_token": _mask_cipher_secret(secret),
        "official_cookie": _session_cookie(official),
        "staff_cookie": _session_cookie(staff),
        "admin": {
            "registrations": reverse("admin:meetings_registration_changelist"),
            "registrations (search)": reverse("admin:meetings_registration_changelist") + "?q=pro1999",
            "messages": reverse("admin:messaging_outboundmessage_changelist"),
            "messages (failed)": reverse("admin:messaging_outboundmessage_changelist") + "?status__exact=failed",
        },
    }


def _targets():
    return Meeting.objects.filter(slug__startswith="bench-registration-")


def reset_registrations() -> dict:
    """Empty the registration targets, so that every run fills their 500 seats and then their waiting lists."""
    OutboundMessage.objects.filter(meeting__in=_targets()).delete()
    deleted, _per_model = Registration.objects.filter(meeting__in=_targets()).delete()
    return {"registrations deleted": deleted}


def check_capacity() -> dict:
    """Seats and waiting lists of the registration targets: the single one, then the spread ones together."""
    meetings = _targets().annotate(
        seats=Count("registrations", filter=Q(registrations__status__in=Registration.SEAT_STATUSES)),
        waiting=Count("registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED)),
    )
    figures = {}
    for name, group in (("one meeting", [REGISTER_MEETING_SLUG]), ("spread", None)):
        chosen = [m for m in meetings if (m.slug in group if group else m.slug != REGISTER_MEETING_SLUG)]
        figures[name] = {
            "meetings": len(chosen),
            "capacity": sum(m.capacity for m in chosen),
            "confirmed": sum(m.seats for m in chosen),
            "waitlisted": sum(m.waiting for m in chosen),
            "overbooked": sum(max(0, m.seats - m.capacity) for m in chosen),
        }
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--check-capacity", action="store_true")
    parser.add_argument("--reset-registrations", action="store_true")
    options = parser.parse_args()
    if options.check_capacity:
        print(json.dumps(check_capacity()))
    elif options.reset_registrations:
        print(json.dumps(reset_registrations()))
    else:
        print(json.dumps(generate(options.scale)))
