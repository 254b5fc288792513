"""The spike's data: the next stops of the tour, the professionals invited to them, and the seat check.

Needs Django set up (bench/spike.py, or the test suite). Six meetings in six regions, a week apart,
registration open; per region, its professionals as contacts with their personal invitation links.
At 3,000 professionals four meetings get more registrations than seats (their waiting lists fill)
and two keep seats free; at any other count the capacities scale with it.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from bench.meeting_open import open_meeting
from meetings.models import Meeting, Registration, Tour
from meetings.tokens import invitation_token_make
from regions.models import Contact, Region

REFERENCE_PROFESSIONALS = 3000
# (region number, seats, professionals invited) at the reference count: the large regions draw more.
# Casablanca-Settat, Marrakech-Safi, L'Oriental, Souss-Massa, Tanger-Tétouan-Al Hoceïma, Laâyoune-Sakia El Hamra.
STOPS = [(6, 600, 900), (7, 500, 600), (2, 300, 450), (9, 500, 450), (1, 350, 300), (11, 200, 300)]
TOUR_SLUG = "spike"
SLUG = "spike-{}"


def _invitation(contact: Contact, meeting: Meeting) -> str:
    return invitation_token_make(contact_id=contact.pk, meeting_id=meeting.pk)


@transaction.atomic
def prepare(professionals: int) -> dict:
    """Meetings and invited professionals; the plan bench/spike_load.py follows (without the portal's address)."""
    scale = professionals / REFERENCE_PROFESSIONALS
    today = timezone.localdate()
    tour = Tour.objects.create(
        name="Tournée de la relance",
        slug=TOUR_SLUG,
        starts_on=today,
        ends_on=today + timedelta(days=150),
        is_published=True,
    )
    regions = Region.objects.in_bulk([number for number, _seats, _invited in STOPS], field_name="number")
    visits = []
    # Rounding gives the last meeting whatever is left, so that the plan holds exactly `professionals`.
    left = professionals
    for number, (region_number, seats, invited) in enumerate(STOPS):
        region = regions[region_number]
        meeting = open_meeting(
            tour=tour,
            region=region,
            slug=SLUG.format(number),
            title=f"Rencontre des professionnels — {region.name}",
            # A week apart: the delegation is never in two places at once.
            starts_at=timezone.now().replace(microsecond=0) + timedelta(days=60 + 7 * number),
            capacity=max(1, round(seats * scale)),
        )
        count = left if number == len(STOPS) - 1 else min(left, round(invited * scale))
        left -= count
        contacts = Contact.objects.bulk_create(
            Contact(
                region=meeting.region,
                kind=Contact.Kind.ASSOCIATION,
                full_name=f"Professionnel {number}-{n}",
                organisation=f"Hôtel {n % 97}",
                role="Directeur",
                email=f"spike-{number}-{n}@example.ma",
                phone="+212612345678",
            )
            for n in range(count)
        )
        path = reverse("registrations:register", args=[meeting.slug])
        visits += [
            {
                # The link of the invitation e-mail (meetings/drafts.py), without the site's address.
                "link": f"{path}?{urlencode({'invitation': _invitation(contact, meeting)})}",
                "email": contact.email,
                "meeting": meeting.slug,
            }
            for contact in contacts
        ]
    return {"visits": visits, "sectors": list(Registration.Sector.values)}


def seats(registered: dict[str, int]) -> dict:
    """Per meeting, from the database: seats held and waiting against the registrations the professionals saw
    go through (`registered`, by meeting slug). `exact`: in every meeting the seats were taken before
    anyone waited and never beyond the capacity, and every registration that went through, and no other,
    holds a seat or waits for one, once."""
    meetings = Meeting.objects.filter(tour__slug=TOUR_SLUG).annotate(
        confirmed=Count("registrations", filter=Q(registrations__status__in=Registration.SEAT_STATUSES)),
        waiting=Count("registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED)),
        stored=Count("registrations"),
        addresses=Count("registrations__email", distinct=True),
    )
    figures = {
        meeting.slug: {
            "capacity": meeting.capacity,
            "confirmed": meeting.confirmed,
            "waitlisted": meeting.waiting,
            "registered": registered.get(meeting.slug, 0),
            "stored": meeting.stored,
            "duplicates": meeting.stored - meeting.addresses,
        }
        for meeting in meetings.order_by("slug")
    }
    exact = all(
        meeting["confirmed"] == min(meeting["capacity"], meeting["registered"])
        and meeting["confirmed"] + meeting["waitlisted"] == meeting["registered"] == meeting["stored"]
        and meeting["duplicates"] == 0
        for meeting in figures.values()
    )
    return {"meetings": figures, "exact": exact}
