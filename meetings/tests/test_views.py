import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.page_cache import local_copies_forget
from meetings.models import Meeting, RegistrationState
from meetings.tests.factories import AgendaItemFactory, MeetingFactory, RegistrationFactory, TourFactory
from regions.tests.factories import region

pytestmark = pytest.mark.django_db


def add_meetings(count: int, *, tour=None, region_number: int = 12, registrations: int = 3) -> list[Meeting]:
    meetings = MeetingFactory.create_batch(count, tour=tour or TourFactory(), region=region(region_number))
    for meeting in meetings:
        RegistrationFactory.create_batch(registrations, meeting=meeting)
        AgendaItemFactory.create_batch(2, meeting=meeting)
    return meetings


def page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("url_of", "expected"),
    [
        (lambda meeting: reverse("meetings:tour", args=[meeting.tour.slug]), 3),
        (lambda meeting: meeting.get_absolute_url(), 2),
        (lambda meeting: meeting.region.get_absolute_url(), 2),
        (lambda meeting: reverse("regions:home"), 4),
        (lambda meeting: reverse("meetings:tour_feed", args=[meeting.tour.slug]), 2),
        (lambda meeting: reverse("meetings:region_feed", args=[meeting.region.slug]), 2),
        (lambda meeting: reverse("meetings:ics", args=[meeting.slug]), 2),
    ],
    ids=["tour", "meeting", "region", "home", "tour-feed", "region-feed", "meeting-ics"],
)
def test_public_page_queries_do_not_grow_with_meetings_or_registrations(
    client, url_of, expected, django_capture_on_commit_callbacks
):
    first = add_meetings(2)[0]
    url = url_of(first)
    assert page_queries(client, url) == expected
    # Committed, so that the cached page is invalidated and rendered again from the larger data.
    with django_capture_on_commit_callbacks(execute=True):
        for number in (12, 11, 10, 9, 8):
            add_meetings(4, tour=first.tour, region_number=number, registrations=10)
    assert Meeting.objects.count() == 22
    # As another process sees it: this one serves its own copy of a listing page a second longer.
    local_copies_forget()
    assert page_queries(client, url) == expected


def test_tour_page_shows_stops_in_order_with_city_venue_and_seats_left(client):
    tour = TourFactory()
    laayoune = MeetingFactory(tour=tour, region=region(11), city="Laâyoune", venue_name="Palais des congrès Laâyoune")
    dakhla = MeetingFactory(tour=tour, region=region(12), city="Dakhla", venue_name="Hôtel Dakhla")
    Meeting.objects.filter(pk=dakhla.pk).update(
        starts_at=laayoune.starts_at - timedelta(days=5),
        ends_at=laayoune.starts_at - timedelta(days=5) + timedelta(hours=3),
        registration_closes_at=laayoune.starts_at - timedelta(days=6),
    )
    RegistrationFactory.create_batch(3, meeting=laayoune)
    MeetingFactory(tour=tour, region=region(10), status=Meeting.Status.DRAFT, title="Brouillon secret")
    body = client.get(reverse("meetings:tour", args=[tour.slug])).content.decode()
    assert body.index("Dakhla-Oued Ed-Dahab") < body.index("Laâyoune-Sakia El Hamra")
    # The city is not repeated where the venue names it already.
    assert "<p>Hôtel Dakhla · " in body and "<p>Palais des congrès Laâyoune · " in body
    assert "47 places restantes" in body
    # A draft schedules nothing in public: its region is listed with its dates to come.
    assert "Brouillon secret" not in body
    assert re.search(r'tour-stop-to_come">\s*<h3>.*Guelmim', body)
    assert body.count('class="map-region map-') == 12 and "Dates à venir" in body


def test_tour_list_redirects_to_the_current_tour_or_says_none_is_published(client):
    response = client.get(reverse("meetings:tour_list"))
    assert response.status_code == 200
    assert "sera publié prochainement" in response.content.decode()
    TourFactory(is_published=False)
    assert client.get(reverse("meetings:tour_list")).status_code == 200
    tour = TourFactory(slug="relance-2027", is_published=True)
    response = client.get(reverse("meetings:tour_list"))
    assert response.status_code == 302 and response["Location"] == tour.get_absolute_url()


def test_unpublished_tour_and_unknown_slugs_are_404(client):
    hidden = TourFactory(slug="en-preparation", is_published=False)
    meeting = MeetingFactory(tour=hidden)
    assert client.get(reverse("meetings:tour", args=[hidden.slug])).status_code == 404
    assert client.get(meeting.get_absolute_url()).status_code == 404
    assert client.get(reverse("meetings:detail", args=["nulle-part"])).status_code == 404
    assert client.get("/rencontres/pas%20un%20slug/").status_code == 404


def test_draft_meeting_page_is_404_for_the_public(client):
    draft = MeetingFactory(status=Meeting.Status.DRAFT)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_meeting_page_shows_practical_details_agenda_and_calendar_link(client):
    meeting = MeetingFactory(
        venue_name="Palais des congrès",
        address="Avenue Mohammed V",
        city="Dakhla",
        latitude="23.68477",
        longitude="-15.95798",
        online_url="https://visio.onmt.ma/dakhla",
        capacity=10,
    )
    AgendaItemFactory(meeting=meeting, position=1, title="Feuille de route régionale")
    AgendaItemFactory(meeting=meeting, position=0, title="Mot de bienvenue")
    RegistrationFactory.create_batch(4, meeting=meeting)
    response = client.get(meeting.get_absolute_url())
    body = response.content.decode()
    assert "Palais des congrès" in body and "Avenue Mohammed V, Dakhla" in body
    assert "mlat=23.68477" in body and "https://visio.onmt.ma/dakhla" in body
    assert body.index("Mot de bienvenue") < body.index("Feuille de route régionale")
    # Facts, then the form, then the agenda: two columns on a wide screen, in this order on a phone.
    assert body.index('class="card meeting-facts"') < body.index('id="inscription"') < body.index("Mot de bienvenue")
    assert body.index('<div class="meeting-layout">') < body.index('id="inscription"')
    assert reverse("meetings:ics", args=[meeting.slug]) in body
    assert response.context["seats_taken"] == 4 and response.context["seats_left"] == 6
    assert response.context["registration_state"] == RegistrationState.OPEN
    assert "6 places restantes" in body


@pytest.mark.parametrize(
    ("changes", "state", "text"),
    [
        ({"capacity": 2}, RegistrationState.WAITLIST, "liste d'attente"),
        ({"status": Meeting.Status.CANCELLED}, RegistrationState.CANCELLED, "annulée"),
        ({"status": Meeting.Status.POSTPONED}, RegistrationState.OPEN, "Reportée"),
        ({"kind": Meeting.Kind.CRT_SESSION}, RegistrationState.INVITATION_ONLY, "sur invitation"),
        ({"registration_opens_at": "future"}, RegistrationState.NOT_YET_OPEN, "Ouverture des inscriptions le"),
        (
            {"registration_opens_at": "long_ago", "registration_closes_at": "past"},
            RegistrationState.CLOSED,
            "Inscriptions closes",
        ),
    ],
)
def test_meeting_page_states(client, changes, state, text):
    meeting = MeetingFactory()
    RegistrationFactory.create_batch(2, meeting=meeting)
    now = timezone.now()
    values = {
        key: {
            "future": now + timedelta(days=1),
            "past": now - timedelta(days=1),
            "long_ago": now - timedelta(days=9),
        }.get(value, value)
        for key, value in changes.items()
    }
    Meeting.objects.filter(pk=meeting.pk).update(**values)
    response = client.get(meeting.get_absolute_url())
    assert response.context["registration_state"] == state
    body = response.content.decode()
    assert text.lower() in body.lower()
    # The form beside the agenda; a panel that takes no registration goes after the agenda on a phone.
    accepting = state in (RegistrationState.OPEN, RegistrationState.WAITLIST)
    assert ("meeting-layout-closed" in body) is not accepting


def test_a_past_meeting_is_shown_as_past(client):
    start = timezone.now() - timedelta(days=3)
    meeting = MeetingFactory(starts_at=start, ends_at=start + timedelta(hours=3), status=Meeting.Status.HELD)
    response = client.get(meeting.get_absolute_url())
    assert response.context["registration_state"] == RegistrationState.PAST
    assert "Rencontre passée" in response.content.decode()


def test_region_page_lists_its_public_meetings_and_feed(client):
    mine = MeetingFactory(region=region(12), title="Rencontre de Dakhla")
    MeetingFactory(region=region(12), title="Brouillon de Dakhla", status=Meeting.Status.DRAFT)
    MeetingFactory(region=region(11), title="Rencontre de Laâyoune")
    body = client.get(region(12).get_absolute_url()).content.decode()
    assert mine.get_absolute_url() in body
    assert "Brouillon de Dakhla" not in body and "Rencontre de Laâyoune" not in body
    assert reverse("meetings:region_feed", args=[region(12).slug]) in body
    assert "Aucune rencontre" in client.get(region(1).get_absolute_url()).content.decode()


def test_home_page_shows_the_tour_at_a_glance(client):
    # Soonest first (the factory's dates wrap around after 200 meetings in a run).
    meetings = sorted(add_meetings(4), key=lambda meeting: meeting.starts_at)
    body = client.get(reverse("regions:home")).content.decode()
    assert meetings[0].tour.get_absolute_url() in body
    assert [m.get_absolute_url() in body for m in meetings] == [True, True, True, False]


def test_read_only_pages_refuse_other_methods(client):
    meeting = MeetingFactory()
    for url in [reverse("meetings:tour", args=[meeting.tour.slug]), reverse("meetings:ics", args=[meeting.slug])]:
        assert client.post(url).status_code == 405
        assert client.head(url).status_code == 200
