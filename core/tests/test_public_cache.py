import html
import re
import socket

import pytest
from django.conf import settings
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import counters, page_cache
from core.cache import cache_config
from meetings.models import Meeting, Registration
from meetings.services.registration import registration_cancel, registration_create
from meetings.tests.factories import MeetingFactory
from meetings.tokens import invitation_token_make
from regions.tests.factories import ContactFactory, OfficialFactory, region

pytestmark = pytest.mark.django_db

CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def register(meeting, email):
    return registration_create(
        meeting_id=meeting.pk,
        full_name="Amina Berrada",
        organisation="Riad Atlas",
        sector="lodging",
        email=email,
        phone="+212612345678",
    )


def test_second_anonymous_visit_is_served_without_touching_the_database(client, django_assert_num_queries):
    meeting = MeetingFactory(title="Rencontre de Dakhla")
    client.get(meeting.get_absolute_url())
    with django_assert_num_queries(0):
        second = Client().get(meeting.get_absolute_url())
    assert second.status_code == 200
    assert "Rencontre de Dakhla" in second.content.decode()


def test_a_page_stored_before_its_generation_was_lost_is_not_served_again(client):
    # A Redis restart loses the generations; the pages stored before must not match the new ones.
    meeting = MeetingFactory(title="Rencontre de Dakhla")
    client.get(meeting.get_absolute_url())
    cache.delete("page-generation:public")
    # Seen from another process, which has no copy of its own (this one stops trusting its copies when it
    # loses its subscription, as it does when Redis restarts).
    page_cache.local_copies_forget()
    Meeting.objects.filter(pk=meeting.pk).update(title="Rencontre de Laâyoune")  # no signal: no invalidation
    assert "Rencontre de Laâyoune" in Client().get(meeting.get_absolute_url()).content.decode()


PAGES = [
    lambda meeting: reverse("regions:home"),
    lambda meeting: meeting.region.get_absolute_url(),
    lambda meeting: meeting.tour.get_absolute_url(),
    lambda meeting: meeting.get_absolute_url(),
]


def _change_title(meeting, django_capture_on_commit_callbacks) -> None:
    # Cached pages are invalidated when the change commits.
    with django_capture_on_commit_callbacks(execute=True):
        meeting.title = "Rencontre de Dakhla — nouvelle salle"
        meeting.save()


@pytest.mark.parametrize("url_of", PAGES)
def test_every_public_page_is_cached_and_a_change_shows_at_once(client, url_of, django_capture_on_commit_callbacks):
    meeting = MeetingFactory(title="Rencontre de Dakhla")
    assert "Rencontre de Dakhla" in client.get(url_of(meeting)).content.decode()
    _change_title(meeting, django_capture_on_commit_callbacks)
    assert "nouvelle salle" in Client().get(url_of(meeting)).content.decode()


@pytest.mark.parametrize(("url_of", "delay"), list(zip(PAGES, [page_cache.LOCAL_COPY_SECONDS] * 3 + [0], strict=True)))
@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_with_no_redis_to_push_changes_a_listing_page_is_a_second_old_at_most_a_meeting_page_exact(
    client, url_of, delay, monkeypatch, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory(title="Rencontre de Dakhla")
    assert "Rencontre de Dakhla" in client.get(url_of(meeting)).content.decode()
    _change_title(meeting, django_capture_on_commit_callbacks)
    if delay:
        # The listing pages: each process serves its own copy a second before it asks the cache again.
        assert "nouvelle salle" not in Client().get(url_of(meeting)).content.decode()
        clock = page_cache._clock
        monkeypatch.setattr(page_cache, "_clock", lambda: clock() + delay)
    assert "nouvelle salle" in Client().get(url_of(meeting)).content.decode()


def test_seats_left_follow_each_registration(client, django_capture_on_commit_callbacks):
    meeting = MeetingFactory(capacity=5)
    client.get(meeting.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        register(meeting, "amina@example.ma")
        register(meeting, "karim@example.ma")
    html = Client().get(meeting.get_absolute_url()).content.decode()
    assert meeting.registrations.filter(status=Registration.Status.CONFIRMED).count() == 2
    assert "3 places restantes" in html
    assert "5 places restantes" not in html


def test_each_visitor_gets_a_csrf_token_of_their_own_that_the_form_accepts():
    meeting = MeetingFactory()
    url = meeting.get_absolute_url()
    Client().get(url)  # fills the cache
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(url)
    token = CSRF_VALUE.search(page.content.decode()).group(1)
    assert settings.CSRF_COOKIE_NAME in page.cookies
    response = visitor.post(
        reverse("registrations:register", args=[meeting.slug]),
        {
            "csrfmiddlewaretoken": token,
            "full_name": "Amina Berrada",
            "organisation": "Riad Atlas",
            "sector": "lodging",
            "email": "amina@example.ma",
            "phone": "0612345678",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    assert meeting.registrations.filter(email="amina@example.ma").exists()
    other = CSRF_VALUE.search(Client().get(url).content.decode()).group(1)
    assert other != token


def test_languages_are_cached_apart(client):
    meeting = MeetingFactory()
    french = client.get(meeting.region.get_absolute_url())
    arabic = Client(headers={"accept-language": "ar"}).get(meeting.region.get_absolute_url())
    assert 'lang="fr"' in french.content.decode()
    assert 'lang="ar"' in arabic.content.decode()
    assert 'dir="rtl"' in arabic.content.decode()


def test_signed_in_users_never_get_nor_leave_a_cached_page(client):
    meeting = MeetingFactory()
    url = meeting.region.get_absolute_url()
    official = OfficialFactory(region=meeting.region)
    signed_in = Client()
    signed_in.force_login(official.user)

    assert "Se déconnecter" in signed_in.get(url).content.decode()
    assert "Se déconnecter" not in client.get(url).content.decode()
    assert "Se déconnecter" in signed_in.get(url).content.decode()


def test_personal_invitation_links_are_never_served_from_the_cache():
    meeting = MeetingFactory()
    contact = ContactFactory(region=meeting.region, full_name="Youssef Alaoui")
    url = (
        meeting.get_absolute_url()
        + "?invitation="
        + invitation_token_make(contact_id=contact.pk, meeting_id=meeting.pk)
    )
    assert "Youssef Alaoui" in Client().get(url).content.decode()
    with CaptureQueriesContext(connection) as queries:
        Client().get(url)
    assert len(queries) > 0
    assert "Youssef Alaoui" not in Client().get(meeting.get_absolute_url()).content.decode()


def test_a_page_with_a_message_for_the_visitor_is_rendered_for_them():
    meeting = MeetingFactory()
    url = meeting.get_absolute_url()
    Client().get(url)
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.SUCCESS, "Votre inscription est annulée.")
    visitor = Client()
    visitor.cookies[storage.cookie_name] = storage._encode(storage._loaded_messages + storage._queued_messages)
    assert "Votre inscription est annulée." in visitor.get(url).content.decode()
    assert "Votre inscription est annulée." not in Client().get(url).content.decode()


@pytest.fixture
def counted(settings):
    """Renders of each page counted (core/counters.py), as the benchmark counts them."""
    settings.PERFORMANCE_COUNTERS = True

    def renders(url):
        return counters.read(f"page-renders:{url}")

    return renders


def test_a_registration_renders_again_only_its_meetings_page(client, counted, django_capture_on_commit_callbacks):
    dakhla = MeetingFactory(title="Rencontre de Dakhla", capacity=5)
    dakhla_again = MeetingFactory(title="Seconde rencontre de Dakhla", capacity=5)
    tanger = MeetingFactory(title="Rencontre de Tanger", region=region(1), capacity=5)
    urls = [
        dakhla.get_absolute_url(),
        dakhla_again.get_absolute_url(),
        tanger.get_absolute_url(),
        dakhla.region.get_absolute_url(),
        tanger.region.get_absolute_url(),
        dakhla.tour.get_absolute_url(),
        reverse("regions:home"),
    ]
    for url in urls:
        assert client.get(url).status_code == 200
    assert [counted(url) for url in urls] == [1] * len(urls)

    with django_capture_on_commit_callbacks(execute=True):
        register(dakhla, "amina@example.ma")

    pages = {url: Client().get(url).content.decode() for url in urls}
    # Only the registered meeting's own page is rendered again: the other meetings' and regions' pages,
    # the tour and the home page are served as they were stored.
    assert [counted(url) for url in urls] == [2, 1, 1, 1, 1, 1, 1]
    assert "4 places restantes" in pages[dakhla.get_absolute_url()]
    # The listing pages show seats at most PAGE_CACHE_SEATS_MAX_AGE seconds old.
    assert "5 places restantes" in pages[dakhla.region.get_absolute_url()]


def test_listing_pages_show_the_seats_once_their_age_is_past(settings, django_capture_on_commit_callbacks):
    settings.PAGE_CACHE_SEATS_MAX_AGE = 0
    meeting = MeetingFactory(capacity=5)
    assert "5 places restantes" in Client().get(meeting.region.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        register(meeting, "amina@example.ma")
    assert "4 places restantes" in Client().get(meeting.region.get_absolute_url()).content.decode()


def test_a_meeting_page_says_complet_as_soon_as_the_last_seat_is_taken(client, django_capture_on_commit_callbacks):
    meeting = MeetingFactory(capacity=1)
    assert "1 place restante" in client.get(meeting.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        register(meeting, "amina@example.ma")
    page = html.unescape(Client().get(meeting.get_absolute_url()).content.decode())
    assert "Complet — liste d'attente ouverte" in page
    assert "place restante" not in page


def test_a_cancellation_renews_the_meetings_page(client, django_capture_on_commit_callbacks):
    meeting = MeetingFactory(capacity=5)
    registration = register(meeting, "amina@example.ma").registration
    assert "4 places restantes" in client.get(meeting.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration_id=registration.pk)
    assert "5 places restantes" in Client().get(meeting.get_absolute_url()).content.decode()


def test_pages_are_served_when_redis_is_down(settings, counted):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    # Nothing listens on that port: every cache operation fails at once.
    settings.CACHES = {"default": cache_config(f"redis://127.0.0.1:{port}/1")}
    meeting = MeetingFactory(title="Rencontre de Dakhla")
    for url in [meeting.get_absolute_url(), meeting.region.get_absolute_url(), reverse("regions:home")]:
        for _visit in range(2):
            response = Client().get(url)
            assert response.status_code == 200
    assert "Rencontre de Dakhla" in Client().get(meeting.get_absolute_url()).content.decode()


def test_an_address_that_names_no_page_leaves_nothing_in_the_cache(client):
    # Otherwise any made-up meeting address would store a generation of its own, for ever.
    for slug in ("rencontre-inventee-1", "rencontre-inventee-2"):
        assert client.get(reverse("meetings:detail", args=[slug])).status_code == 404
    assert cache.get_many(["page-generation:meeting:rencontre-inventee-1", "page-generation:public"]) == {}
