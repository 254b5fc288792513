import json
import uuid
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.generation_watch import watch
from meetings.forms import PHONE_EXAMPLES
from meetings.models import Meeting, Registration
from meetings.tests.factories import AgendaItemFactory, MeetingFactory, RegistrationFactory
from meetings.tokens import invitation_token_make
from messaging.tests.live import wait_for
from regions.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

VALID = {
    "full_name": "Fatima Zahra El Idrissi",
    "organisation": "Hôtel Atlas Dakhla",
    "job_title": "Directrice commerciale",
    "sector": Registration.Sector.LODGING,
    "email": "fatima@example.ma",
    "phone": "06 12 34 56 78",
    "city": "Dakhla",
    "message": "Intéressée par le MICE.\r\nMerci.",
    "consent": "on",
    "website": "",
}


def post(client, meeting, **changes):
    return client.post(reverse("registrations:register", args=[meeting.slug]), {**VALID, **changes})


def link(name, registration, secret=None):
    return reverse(name, args=[registration.public_id, secret or registration.manage_secret])


def test_form_page_shows_every_field_the_notice_and_an_unchecked_consent(client, settings):
    settings.CNDP_DECLARATION_NUMBER = "D-GC-123/2026"
    meeting = MeetingFactory()
    response = client.get(reverse("registrations:register", args=[meeting.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    for name in ["full_name", "organisation", "job_title", "sector", "email", "phone", "city", "message"]:
        assert f'name="{name}"' in html
    consent_tag = html.split('name="consent"')[1].split(">")[0]
    assert "checked" not in consent_tag
    assert "required" in consent_tag
    assert "D-GC-123/2026" in html
    assert "09-08" in html
    assert reverse("registrations:privacy") in html
    assert "csrfmiddlewaretoken" in html
    # Nothing more than the meeting needs: no national ID number or the like.
    assert set(response.context["form"].fields) == {
        "full_name",
        "organisation",
        "job_title",
        "sector",
        "email",
        "phone",
        "city",
        "message",
        "consent",
        "website",
        "invitation",
    }


def test_registering_confirms_and_shows_the_confirmation_with_qr_and_manage_link(client):
    meeting = MeetingFactory(capacity=5)
    response = post(client, meeting)
    registration = Registration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == link("registrations:done", registration)
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.phone == "+212612345678"
    assert registration.message == "Intéressée par le MICE.\r\nMerci."
    assert registration.language == "fr"
    page = client.get(response["Location"]).content.decode()
    assert "Inscription confirmée" in page
    assert "<svg" in page
    assert link("registrations:manage", registration) in page


def test_a_full_meeting_puts_the_person_on_the_waiting_list_with_their_position(client):
    meeting = MeetingFactory(capacity=1)
    RegistrationFactory(meeting=meeting)
    RegistrationFactory(meeting=meeting, status=Registration.Status.WAITLISTED)
    assert "liste d&#x27;attente" in client.get(reverse("registrations:register", args=[meeting.slug])).content.decode()
    response = post(client, meeting)
    registration = Registration.objects.get(email=VALID["email"])
    assert registration.status == Registration.Status.WAITLISTED
    page = client.get(response["Location"]).content.decode()
    assert "en position 2" in page
    assert "<svg" not in page


def test_same_email_again_gets_a_friendly_page_without_the_link(client):
    meeting = MeetingFactory()
    post(client, meeting)
    registration = Registration.objects.get()
    response = post(client, meeting, email="FATIMA@example.ma", full_name="Autre")
    assert response.status_code == 200
    assert "déjà inscrit" in response.content.decode()
    assert Registration.objects.count() == 1
    registration_after = Registration.objects.get()
    assert registration_after.full_name == VALID["full_name"]
    assert registration_after.manage_secret != registration.manage_secret
    assert registration_after.manage_secret not in response.content.decode()


BAD_INPUT = [
    ("full_name", ""),
    ("full_name", "x" * 151),
    ("full_name", "Ali\r\nBcc: victim@example.com"),
    ("full_name", "Ali\x00"),
    ("full_name", "1234"),
    ("organisation", ""),
    ("organisation", "Org\nX"),
    ("organisation", "o" * 151),
    ("job_title", "j" * 121),
    ("job_title", "Chef\tde projet"),
    ("sector", ""),
    ("sector", "casino"),
    ("email", ""),
    ("email", "not-an-email"),
    ("email", "a@example.ma\r\nBcc: victim@example.com"),
    ("email", "a" * 250 + "@example.ma"),
    ("phone", ""),
    ("phone", "12345"),
    ("phone", "0812345678"),
    ("phone", "+2121234"),
    ("phone", "+212 4 12 34 56 78"),
    ("phone", "06 12\n34 56 78"),
    ("phone", "+1" + "2" * 20),
    ("phone", "abc"),
    ("city", "c" * 81),
    ("city", "Fès\u2028Rabat"),
    ("message", "m" * 1001),
    ("message", "bip\x07"),
    ("consent", ""),
    ("website", "http://spam.example.com"),
]


@pytest.mark.parametrize(("field", "value"), BAD_INPUT)
def test_bad_input_in_any_field_gives_a_form_error_and_no_row(client, field, value):
    meeting = MeetingFactory()
    response = post(client, meeting, **{field: value})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'class="errorlist' in response.content.decode()
    assert not Registration.objects.exists()


def test_the_errors_are_summed_up_at_the_top_each_linking_to_its_field(client):
    meeting = MeetingFactory()
    body = post(client, meeting, phone="abc", full_name="").content.decode()
    summary = body[body.index('class="error-summary"') : body.index("</div>", body.index('class="error-summary"'))]
    assert "Le formulaire contient 2 erreurs" in summary
    assert 'href="#id_full_name"' in summary and 'href="#id_phone"' in summary
    assert body.index('class="error-summary"') < body.index('id="id_full_name"')


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
def test_the_phone_examples_keep_their_order_in_every_language(client, settings, language):
    """Each example is isolated (FSI … PDI): in an Arabic sentence "06 12 34 56 78" would read "78 56 34 12 06"."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    body = post(client, MeetingFactory(), phone="12345").content.decode()
    for number in PHONE_EXAMPLES.values():
        # Under the field and in the summary at the top of the form, and nowhere without its isolates.
        assert body.count(f"\u2068{number}\u2069") == 2 and body.count(number) == 2


def test_consent_is_required(client):
    meeting = MeetingFactory()
    data = {key: value for key, value in VALID.items() if key != "consent"}
    response = client.post(reverse("registrations:register", args=[meeting.slug]), data)
    assert response.status_code == 400
    assert "consentement" in response.content.decode()
    assert not Registration.objects.exists()


@pytest.mark.parametrize(
    ("name", "phone", "stored"),
    [
        ("محمد أمين العلوي", "0612345678", "+212612345678"),
        ("Hélène d'Ornano-Benjelloun", "+212 5 22 12 34 56", "+212522123456"),
        ("Ṭāriq Aït Ḥaddou", "07.12.34.56.78", "+212712345678"),
        ("Jean Müller", "+33 6 12 34 56 78", "+33612345678"),
        ("Ana Ruiz", "0034 612 345 678", "+34612345678"),
    ],
)
def test_arabic_and_french_names_are_kept_as_typed_and_phones_normalised(client, name, phone, stored):
    meeting = MeetingFactory()
    post(client, meeting, full_name=name, phone=phone)
    registration = Registration.objects.get()
    assert (registration.full_name, registration.phone) == (name, stored)


def test_a_postponed_meeting_takes_registrations_for_its_new_date(client):
    meeting = MeetingFactory(status=Meeting.Status.POSTPONED)
    assert post(client, meeting).status_code == 302
    assert Registration.objects.get().meeting == meeting


@pytest.mark.parametrize(
    "meeting_fields",
    [
        {"status": Meeting.Status.CANCELLED},
        {"kind": Meeting.Kind.CRT_SESSION},
        {"registration_closes_at": timezone.now() - timedelta(minutes=5)},
    ],
)
def test_registration_refused_with_a_clear_message(client, meeting_fields):
    meeting = MeetingFactory(**meeting_fields)
    response = post(client, meeting)
    assert response.status_code == 409
    assert "message-error" in response.content.decode()
    assert not Registration.objects.exists()
    page = client.get(reverse("registrations:register", args=[meeting.slug])).content.decode()
    assert "ne sont pas possibles" in page
    assert 'name="consent"' not in page


def test_unknown_or_draft_meeting_is_404(client):
    assert client.get(reverse("registrations:register", args=["nope"])).status_code == 404
    assert client.post(reverse("registrations:register", args=["nope"]), VALID).status_code == 404
    draft = MeetingFactory(status=Meeting.Status.DRAFT)
    assert client.get(reverse("registrations:register", args=[draft.slug])).status_code == 404
    assert post(client, draft).status_code == 404
    assert not Registration.objects.exists()


def test_csrf_is_required():
    meeting = MeetingFactory()
    response = Client(enforce_csrf_checks=True).post(reverse("registrations:register", args=[meeting.slug]), VALID)
    assert response.status_code == 403
    assert not Registration.objects.exists()


def test_submissions_are_rate_limited_per_client_address(client, settings):
    settings.REGISTRATION_RATE_LIMIT = "3/h"
    meeting = MeetingFactory()
    statuses = [post(client, meeting, email=f"p{i}@example.ma").status_code for i in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    assert Registration.objects.count() == 3
    # Reading the form stays possible; only submissions are counted.
    assert client.get(reverse("registrations:register", args=[meeting.slug])).status_code == 200
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert post(other, meeting, email="other@example.ma").status_code == 302


def test_behind_a_proxy_the_forwarded_address_is_rate_limited(client, settings):
    settings.PROXY_COUNT = 1
    settings.REGISTRATION_RATE_LIMIT = "2/h"
    meeting = MeetingFactory()
    url = reverse("registrations:register", args=[meeting.slug])
    for i in range(2):
        client.post(url, {**VALID, "email": f"p{i}@example.ma"}, HTTP_X_FORWARDED_FOR="41.1.1.1")
    # The proxy appends the address it saw; what the client wrote before it is not trusted.
    blocked = client.post(url, {**VALID, "email": "x@example.ma"}, HTTP_X_FORWARDED_FOR="41.2.2.2, 41.1.1.1")
    allowed = client.post(url, {**VALID, "email": "y@example.ma"}, HTTP_X_FORWARDED_FOR="41.1.1.1, 41.2.2.2")
    assert (blocked.status_code, allowed.status_code) == (429, 302)


def test_invitation_link_prefills_the_form_and_records_the_contact(client):
    meeting = MeetingFactory()
    contact = ContactFactory(full_name="Karim Bennani", organisation="CRT Dakhla", email="karim@crt.ma")
    token = invitation_token_make(contact_id=contact.pk, meeting_id=meeting.pk)
    page = client.get(reverse("registrations:register", args=[meeting.slug]), {"invitation": token})
    form = page.context["form"]
    assert form.initial["full_name"] == "Karim Bennani"
    assert form.initial["email"] == "karim@crt.ma"
    post(client, meeting, email="karim@crt.ma", invitation=token)
    assert Registration.objects.get().invited_contact == contact


def test_a_tampered_or_foreign_invitation_is_ignored(client):
    meeting = MeetingFactory()
    other = MeetingFactory()
    contact = ContactFactory()
    foreign = invitation_token_make(contact_id=contact.pk, meeting_id=other.pk)
    for token in [foreign, foreign[:-2] + "xx"]:
        page = client.get(reverse("registrations:register", args=[meeting.slug]), {"invitation": token})
        assert page.status_code == 200
        assert "full_name" not in page.context["form"].initial
    post(client, meeting, invitation=foreign)
    post(client, meeting, email="long@example.ma", invitation="x" * 5000)
    assert [r.invited_contact for r in Registration.objects.all()] == [None, None]


def _query_count(callable_):
    with CaptureQueriesContext(connection) as queries:
        callable_()
    return len(queries)


def test_query_counts_of_form_page_and_submission_do_not_grow_with_data(client):
    small = MeetingFactory(capacity=500)
    large = MeetingFactory(capacity=500)
    RegistrationFactory.create_batch(40, meeting=large)
    RegistrationFactory.create_batch(10, meeting=large, status=Registration.Status.CANCELLED)
    # Once the process listens to the pushed changes, it knows no hook wants registrations after one look.
    wait_for(lambda: watch.marks([]) is not None, timeout=10, what="the process to listen")
    post(client, MeetingFactory(), email="first@example.ma")
    counts = {}
    for meeting in (small, large):
        url = reverse("registrations:register", args=[meeting.slug])
        counts[meeting.pk] = (
            _query_count(lambda url=url: client.get(url)),
            _query_count(lambda meeting=meeting: post(client, meeting, email=f"q{meeting.pk}@example.ma")),
        )
    assert counts[small.pk] == counts[large.pk]
    page_queries, submit_queries = counts[small.pk]
    # The meeting with its seats, and its agenda shown beside the form.
    assert page_queries <= 3
    # The meeting found by its slug and the seats of the mode chosen, read before the lock to prepare the
    # registration and its e-mail; then under a savepoint (the test's transaction; a real request has
    # BEGIN/COMMIT): the meeting's row locked, seat count, insert (no look-up for the e-mail: the constraint
    # finds a repeat), the confirmation's outbox row, release. No hook wants registrations: no query of them.
    assert submit_queries <= 8, submit_queries


def test_the_form_page_has_the_meetings_agenda_beside_the_form_and_after_it_on_a_phone(client):
    meeting = MeetingFactory()
    AgendaItemFactory(meeting=meeting, title="Accueil des participants")
    body = client.get(reverse("registrations:register", args=[meeting.slug])).content.decode()
    layout = body.index('<div class="meeting-layout">')
    assert layout < body.index('class="meeting-summary"') < body.index('id="inscription"')
    assert (
        body.index('id="inscription"')
        < body.index('<div class="meeting-about">')
        < body.index("Accueil des participants")
    )
    # With its errors too.
    assert "Accueil des participants" in post(client, meeting, phone="abc").content.decode()


def test_panel_on_the_meeting_page_uses_the_state_from_the_context(rf):
    meeting = MeetingFactory(capacity=1)
    template = Template('{% include "meetings/includes/registration_panel.html" %}')
    request = RequestFactory().get("/")
    open_html = template.render(Context({"meeting": meeting, "seats_taken": 0, "request": request}))
    full_html = template.render(Context({"meeting": meeting, "seats_taken": 1, "request": request}))
    assert "S'inscrire" in open_html
    assert "Rejoindre la liste d'attente" in full_html
    assert reverse("registrations:register", args=[meeting.slug]) in open_html


# ------------------------------------------------------------------ personal links


@pytest.mark.parametrize(
    "name", ["registrations:done", "registrations:manage", "registrations:export_data", "registrations:accept_offer"]
)
def test_a_tampered_link_is_404(client, name):
    registration = RegistrationFactory()
    wrong_secret = registration.manage_secret[:-1] + ("A" if registration.manage_secret[-1] != "A" else "B")
    assert client.get(link(name, registration, wrong_secret)).status_code == 404
    assert client.get(reverse(name, args=[uuid.uuid4(), registration.manage_secret])).status_code == 404
    assert client.get(link(name, registration)).status_code == 200


def test_tampered_links_change_nothing(client):
    registration = RegistrationFactory()
    for name in ["registrations:cancel", "registrations:erase", "registrations:decline_offer"]:
        assert client.post(link(name, registration, "guess")).status_code == 404
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert client.get(f"/inscriptions/gerer/{registration.public_id}/").status_code == 404


def test_manage_page_updates_contact_details(client):
    registration = RegistrationFactory(email="keep@example.ma")
    response = client.post(
        link("registrations:manage", registration),
        {
            "full_name": "ليلى بناني",
            "organisation": "Agence Sahara",
            "job_title": "",
            "phone": "0522123456",
            "city": "",
        },
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert (registration.full_name, registration.phone, registration.email) == (
        "ليلى بناني",
        "+212522123456",
        "keep@example.ma",
    )


def test_manage_page_rejects_bad_details_and_keeps_the_stored_ones(client):
    registration = RegistrationFactory(full_name="Nadia")
    response = client.post(
        link("registrations:manage", registration),
        {"full_name": "Nadia\r\nX", "organisation": "Org", "phone": "1", "job_title": "", "city": ""},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"full_name", "phone"}
    registration.refresh_from_db()
    assert registration.full_name == "Nadia"


def test_cancel_through_the_link_offers_the_seat_to_the_next_person(client):
    meeting = MeetingFactory(capacity=1)
    holder = RegistrationFactory(meeting=meeting)
    waiting = RegistrationFactory(meeting=meeting, status=Registration.Status.WAITLISTED)
    # The link asks first (mail scanners follow links too); nothing changes until the button is pressed.
    question = client.get(link("registrations:cancel", holder)).content.decode()
    assert "Oui, annuler" in question and link("registrations:manage", holder) in question
    holder.refresh_from_db()
    assert holder.status == Registration.Status.CONFIRMED
    response = client.post(link("registrations:cancel", holder))
    assert response.status_code == 302
    holder.refresh_from_db()
    waiting.refresh_from_db()
    assert holder.status == Registration.Status.CANCELLED
    assert waiting.status == Registration.Status.OFFERED
    page = client.get(response["Location"]).content.decode()
    assert "annulée" in page
    # Full again (the seat is offered to the next person): the way back is the waiting list.
    assert "liste d'attente" in page and reverse("registrations:register", args=[meeting.slug]) in page


def test_a_cancelled_registration_offers_to_register_again_only_while_it_is_possible(client):
    holder = RegistrationFactory(meeting=MeetingFactory(capacity=10))
    client.post(link("registrations:cancel", holder))
    page = client.get(link("registrations:manage", holder)).content.decode()
    assert "M'inscrire à nouveau" in page and "Des places sont encore disponibles" in page
    Meeting.objects.filter(pk=holder.meeting_id).update(status=Meeting.Status.CANCELLED)
    assert "inscrire à nouveau" not in client.get(link("registrations:manage", holder)).content.decode()


def test_offer_links_ask_before_acting(client):
    meeting = MeetingFactory(capacity=1)
    holder = RegistrationFactory(meeting=meeting)
    waiting = RegistrationFactory(meeting=meeting, status=Registration.Status.WAITLISTED)
    client.post(link("registrations:cancel", holder))
    waiting.refresh_from_db()
    page = client.get(link("registrations:accept_offer", waiting))
    assert "J'accepte la place" in page.content.decode()
    client.get(link("registrations:decline_offer", waiting))
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.OFFERED
    assert client.post(link("registrations:accept_offer", waiting)).status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    assert client.post(link("registrations:decline_offer", waiting)).status_code == 409


def test_accepting_an_expired_offer_says_so(client):
    meeting = MeetingFactory(capacity=1)
    offered = RegistrationFactory(
        meeting=meeting, status=Registration.Status.OFFERED, offer_expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.post(link("registrations:accept_offer", offered))
    assert response.status_code == 409
    assert "délai" in response.content.decode()
    offered.refresh_from_db()
    assert offered.status == Registration.Status.CANCELLED


def test_export_data_is_the_persons_json(client):
    registration = RegistrationFactory(full_name="سعاد الفاسي", email="souad@example.ma")
    response = client.get(link("registrations:export_data", registration))
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["full_name"] == "سعاد الفاسي"
    assert data["email"] == "souad@example.ma"
    assert data["meeting"]["title"] == registration.meeting.title
    assert "manage_secret" not in data


def test_erase_through_the_link(client):
    registration = RegistrationFactory(email="bye@example.ma")
    response = client.post(link("registrations:erase", registration))
    assert response.status_code == 200
    assert client.get(link("registrations:manage", registration)).status_code == 404
    assert not Registration.objects.filter(email="bye@example.ma").exists()


def test_privacy_page_names_controller_rights_declaration_and_contact(client, settings):
    settings.CNDP_DECLARATION_NUMBER = "D-GC-777/2026"
    settings.PRIVACY_CONTACT_EMAIL = "dpo@onmt.ma"
    html = client.get(reverse("registrations:privacy")).content.decode()
    for text in ["Office National Marocain du Tourisme", "09-08", "accès", "rectification", "opposition"]:
        assert text in html
    assert "D-GC-777/2026" in html
    assert "mailto:dpo@onmt.ma" in html


def test_the_closing_time_reads_as_a_day_and_an_hour_of_morocco(client):
    starts_at = timezone.make_aware(datetime(2031, 12, 6, 15, 0))
    meeting = MeetingFactory(
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        registration_opens_at=timezone.now() - timedelta(days=1),
        registration_closes_at=timezone.make_aware(datetime(2031, 12, 5, 18, 0)),
    )
    body = client.get(meeting.get_absolute_url()).content.decode()
    assert "Inscriptions ouvertes jusqu'au vendredi 5 décembre 2031 à 18:00 (heure du Maroc)." in body
