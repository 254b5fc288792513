"""Hostile input on every public form and query parameter, property-based (hypothesis).

Overlong values, control characters, CR/LF in names and e-mails, HTML/JS, SQL-looking
strings, Arabic and mixed scripts, invalid UTF-8 in query strings. The properties: never
a 500 (the test client re-raises any exception of a view), never stored markup rendered
unescaped, never an extra e-mail header or recipient.
"""

import email
import io
import re
import unicodedata
from datetime import timedelta
from email.utils import getaddresses
from urllib.parse import quote, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.tests import sample_files
from meetings.models import AttendanceMode, ConsultationAnswer, MinutesVersion, Registration, SurveyResponse
from meetings.services.validation import minutes_send_for_validation
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from meetings.tests.test_validation import held_meeting_with_minutes
from meetings.tokens import minutes_validation_token_make, survey_token_make
from messaging.models import OutboundMessage
from messaging.sending import _build_email
from messaging.tests.factories import OutboundMessageFactory
from regions.tests.factories import OfficialFactory, region
from roadmap.models import Acknowledgement, Comment, ItemEvidence
from roadmap.tests.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    # No example database in the checkout; a failure prints the example to reproduce it.
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PAYLOADS = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "<b onmouseover=alert(1)>gras</b>",
    "javascript:alert(1)",
    "'; DROP TABLE meetings_registration; --",
    "1' OR '1'='1",
    '" OR 1=1 --',
    "Nadia\r\nBcc: victime@example.com",
    "x\nSubject: piraté",
    "a@example.ma\r\nCc: b@example.com",
    '=HYPERLINK("http://evil.example")',
    "فاطمة الزهراء بنعلي",
    "محمد Ben علي <i>Dakhla</i>",
    "\u202eevil\u202c",
    "\x00nul",
    "\u2028separator",
    "ⵜⴰⵎⴰⵣⵉⵖⵜ",
    "😀" * 40,
    "A" * 5000,
    "{{ 7*7 }} {% debug %}",
    "%s%s%s%n",
]
# Arbitrary Unicode (with control characters, no surrogates: they cannot be sent as UTF-8).
hostile_text = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(max_size=300),
    st.builds(lambda a, p, b: a + p + b, st.text(max_size=20), st.sampled_from(PAYLOADS), st.text(max_size=20)),
)
# Raw query strings, including percent-encoded bytes that are not UTF-8.
raw_query = st.one_of(
    st.binary(max_size=60).map(lambda raw: "q=" + "".join(f"%{byte:02x}" for byte in raw)),
    st.sampled_from(["%ff%fe=%c3%28", "a=%e2%82", "%00=%00", "x=%uD800", "&&==&", "a[]=1&a[]=2", "%"]),
    st.text(max_size=80).map(lambda text: "q=" + quote(text, safe="")),
)

REGISTRATION = {
    "full_name": "Fatima Zahra El Idrissi",
    "organisation": "Hôtel Atlas Dakhla",
    "job_title": "Directrice",
    "sector": Registration.Sector.LODGING,
    "email": "fatima@example.ma",
    "phone": "06 12 34 56 78",
    "city": "Dakhla",
    "message": "Bonjour",
    "consent": "on",
    "website": "",
}
CONTACT_FIELDS = ["full_name", "organisation", "job_title", "phone", "city"]
# Markup that must never reach a page as markup.
ACTIVE_MARKUP = ["<script>alert(", "<img src=x onerror", "<b onmouseover", "<i>Dakhla</i>"]


def _assert_escaped(html: str, *values: str) -> None:
    """No stored value holding markup appears raw in the page."""
    for marker in ACTIVE_MARKUP:
        assert marker not in html
    for value in values:
        # A value that opens a tag: a lone "<" is in every page's own markup, escaped or not.
        if value and re.search(r"<[A-Za-z!/?]", value):
            assert value not in html


def _no_server_error(response):
    assert response.status_code < 500, response.status_code
    return response


@pytest.fixture
def meeting(settings):
    settings.REGISTRATION_RATE_LIMIT = "100000/h"
    return MeetingFactory(capacity=1000)


# ------------------------------------------------------------------ registration form


@EXAMPLES
@given(field=st.sampled_from(sorted(REGISTRATION)), value=hostile_text)
def test_registration_form_survives_hostile_values(meeting, field, value):
    client = Client()
    data = {**REGISTRATION, field: value, "email": f"p{abs(hash(value)) % 10**9}@example.ma"}
    if field == "email":
        data["email"] = value
    response = _no_server_error(client.post(reverse("registrations:register", args=[meeting.slug]), data))
    assert response.status_code in (200, 302, 400)
    _assert_escaped(response.content.decode(), value)
    if response.status_code == 302:
        page = client.get(response["Location"])
        _assert_escaped(page.content.decode(), value)
        registration = Registration.objects.get(email=data["email"].strip().lower())
        # Single-line fields never store a line break or control character.
        for name in ("full_name", "organisation", "job_title", "city", "email", "phone"):
            assert not any(char in getattr(registration, name) for char in "\r\n\x00\u2028")


@EXAMPLES
@given(value=hostile_text)
def test_every_field_hostile_at_once_gives_a_form_error_not_a_crash(meeting, value):
    data = dict.fromkeys(REGISTRATION, value)
    response = _no_server_error(Client().post(reverse("registrations:register", args=[meeting.slug]), data))
    assert response.status_code in (200, 302, 400)
    _assert_escaped(response.content.decode(), value)


@EXAMPLES
@given(mode=st.one_of(st.sampled_from(AttendanceMode.values), hostile_text))
def test_the_attendance_mode_chosen_survives_hostile_values(settings, mode):
    settings.REGISTRATION_RATE_LIMIT = "100000/h"
    meeting = MeetingFactory(offers_online=True, online_url="https://visio.example.ma/x")
    data = {**REGISTRATION, "mode": mode}
    response = _no_server_error(Client().post(reverse("registrations:register", args=[meeting.slug]), data))
    assert response.status_code in (302, 400)
    _assert_escaped(response.content.decode(), mode)
    stored = list(Registration.objects.filter(meeting=meeting).values_list("mode", flat=True))
    # No choice at all is the first mode the meeting offers.
    assert stored == ([mode or AttendanceMode.IN_PERSON] if response.status_code == 302 else [])


@EXAMPLES
@given(mode=st.one_of(st.sampled_from(AttendanceMode.values), hostile_text), query=raw_query)
def test_switching_mode_survives_hostile_values_and_keeps_the_registration(mode, query):
    meeting = MeetingFactory(offers_online=True, online_capacity=None)
    registration = RegistrationFactory(meeting=meeting)
    url = reverse("registrations:switch_mode", args=[registration.public_id, registration.manage_secret])
    response = _no_server_error(Client().post(f"{url}?{query}", {"mode": mode}))
    assert response.status_code in (302, 400)
    _assert_escaped(response.content.decode(), mode)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.mode == (mode if response.status_code == 302 else AttendanceMode.IN_PERSON)


# ------------------------------------------------------------------ e-mail headers


@EXAMPLES
@given(name=hostile_text, subject=hostile_text)
# Found by this test: Python's e-mail package folds these characters into a line break, which split
# the To header or raised instead of sending.
@example(name=":\x1e", subject="x")
@example(name="\x0c0:", subject="x")
@example(name="Nadia\x1eBcc: evil@example.com", subject="Sujet\x0bBcc: evil@example.com")
def test_no_value_adds_an_email_header_or_recipient(name, subject):
    # Built, not saved: the property is about the headers, whatever the database would accept.
    message = OutboundMessageFactory.build(
        pk=1, recipient_email="fatima@example.ma", recipient_name=name, subject=subject[:255]
    )
    built = _build_email(message, get_connection("django.core.mail.backends.locmem.EmailBackend")).message()
    raw = built.as_bytes()
    parsed = email.message_from_bytes(raw)
    assert set(parsed.keys()) <= {
        "Content-Type",
        "MIME-Version",
        "Content-Transfer-Encoding",
        "Subject",
        "From",
        "To",
        "Date",
        "Message-ID",
        "X-ONMT-Message",
        "Auto-Submitted",
        "Reply-To",
        "Content-Language",
    }
    assert [address for _name, address in getaddresses(parsed.get_all("To"))] == ["fatima@example.ma"]
    headers = raw.split(b"\n\n", 1)[0].split(b"\n")
    # Every header line is a header or a folded continuation of one.
    assert all(line[:1] in (b" ", b"\t") or b":" in line for line in headers)
    assert not any(line.lower().startswith((b"bcc:", b"cc:")) for line in headers)


def test_a_registration_with_a_hostile_name_sends_one_clean_message(
    meeting, django_capture_on_commit_callbacks, mailoutbox
):
    client = Client()
    data = {**REGISTRATION, "full_name": 'Nadia <b>El Amrani</b>, "Dir"; Bcc x@y.z', "email": "nadia@example.ma"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registrations:register", args=[meeting.slug]), data)
    assert response.status_code == 302
    (sent,) = mailoutbox
    parsed = email.message_from_bytes(sent.message().as_bytes())
    assert "Bcc" not in parsed and "Cc" not in parsed
    assert [address for _name, address in getaddresses(parsed.get_all("To"))] == ["nadia@example.ma"]
    html = next(body for body, kind in sent.alternatives if kind == "text/html")
    assert "<b>El Amrani</b>" not in html


# ------------------------------------------------------------------ manage link, survey


@EXAMPLES
@given(field=st.sampled_from(CONTACT_FIELDS), value=hostile_text)
def test_manage_form_survives_hostile_values_and_keeps_the_stored_data(field, value):
    registration = RegistrationFactory(full_name="Karim Tazi")
    url = reverse("registrations:manage", args=[registration.public_id, registration.manage_secret])
    data = {"full_name": "Karim Tazi", "organisation": "Org", "job_title": "", "phone": "0612345678", "city": ""}
    client = Client()
    response = _no_server_error(client.post(url, {**data, field: value}))
    assert response.status_code in (302, 400)
    _assert_escaped(response.content.decode(), value)
    registration.refresh_from_db()
    if response.status_code == 400:
        assert registration.full_name == "Karim Tazi" and registration.phone == "+212612345678"
    _assert_escaped(client.get(url).content.decode(), value)


@EXAMPLES
@given(rating=st.one_of(st.sampled_from(["1", "5"]), hostile_text), comment=hostile_text)
def test_survey_survives_hostile_answers(rating, comment):
    registration = RegistrationFactory(status=Registration.Status.ATTENDED)
    url = reverse("meetings:survey", args=[survey_token_make(registration_id=registration.pk)])
    client = Client()
    response = _no_server_error(client.post(url, {"rating": rating, "comment": comment}))
    assert response.status_code in (200, 400)
    stored = SurveyResponse.objects.filter(registration=registration).first()
    assert (stored is not None) == (response.status_code == 200)
    _assert_escaped(client.get(url).content.decode(), comment)


@EXAMPLES
@given(secret=hostile_text, query=raw_query)
def test_hostile_personal_links_are_404(secret, query):
    registration = RegistrationFactory()
    for path in (
        f"/inscriptions/gerer/{registration.public_id}/{quote(secret, safe='')}/",
        f"/suivi/enquete/{quote(secret, safe='')}/",
        f"/inscriptions/rejoindre/{quote(secret, safe='')}/",
    ):
        response = _no_server_error(Client().get(f"{path}?{query}"))
        assert response.status_code == 404


# ------------------------------------------------------------------ login and password reset


@EXAMPLES
@given(username=hostile_text, password=hostile_text)
def test_login_survives_hostile_credentials(username, password):
    response = _no_server_error(Client().post(reverse("login"), {"username": username, "password": password}))
    assert response.status_code in (200, 429)
    _assert_escaped(response.content.decode(), username)


@EXAMPLES
@given(address=hostile_text)
def test_password_reset_survives_hostile_addresses(address, mailoutbox):
    response = _no_server_error(Client().post(reverse("password_reset"), {"email": address}))
    assert response.status_code in (200, 302)
    _assert_escaped(response.content.decode(), address)
    assert not mailoutbox


@EXAMPLES
@given(next_url=st.one_of(hostile_text, st.sampled_from(["https://evil.example/", "//evil.example", "\\\\evil"])))
def test_login_and_language_switch_never_redirect_to_another_site(next_url):
    client = Client()
    response = _no_server_error(client.get(reverse("language_switch"), {"language": "ar", "next": next_url}))
    assert response.status_code == 302
    assert urlsplit(response["Location"]).netloc in ("", "testserver")
    page = _no_server_error(client.get(reverse("login"), {"next": next_url}))
    assert page.status_code == 200
    _assert_escaped(page.content.decode(), next_url)


# ------------------------------------------------------------------ roadmap filters and comments


@pytest.fixture
def official_client():
    official = OfficialFactory(region=region(12)).user
    client = Client()
    client.force_login(official)
    return client


@EXAMPLES
@given(name=st.sampled_from(["axis", "product", "market", "status"]), value=hostile_text, query=raw_query)
def test_roadmap_filters_survive_hostile_values(official_client, name, value, query):
    slug = region(12).slug
    for url in (reverse("roadmap:region", args=[slug]), reverse("roadmap:export_csv", args=[slug])):
        response = _no_server_error(official_client.get(url, {name: value}))
        assert response.status_code == 200
        if url.endswith("/"):
            _assert_escaped(response.content.decode(), value)
        assert _no_server_error(official_client.get(f"{url}?{query}")).status_code == 200


@EXAMPLES
@given(body=hostile_text)
def test_roadmap_comments_are_stored_as_text_and_shown_escaped(official_client, body):
    item = RoadmapItemFactory(region=region(12))
    before = Comment.objects.filter(item=item).count()
    response = _no_server_error(
        official_client.post(reverse("roadmap:comment", args=[item.region.slug, item.pk]), {"body": body})
    )
    assert response.status_code in (302, 400)
    assert Comment.objects.filter(item=item).count() == before + (response.status_code == 302)
    _assert_escaped(official_client.get(item.get_absolute_url()).content.decode(), body)


@EXAMPLES
@given(item_value=hostile_text, revision=hostile_text)
def test_bulk_acknowledgement_survives_hostile_values_and_acknowledges_nothing(official_client, item_value, revision):
    item = RoadmapItemFactory(region=region(12))
    data = {"items": [item_value, str(item.pk)], f"revision-{item.pk}": revision, f"revision-{item_value}": revision}
    response = _no_server_error(
        official_client.post(reverse("roadmap:acknowledge_many", args=[item.region.slug]), data)
    )
    assert response.status_code in (302, 400, 403)
    acknowledged = Acknowledgement.objects.filter(item=item).exists()
    # Only a form naming the item at its revision (and nothing else) acknowledges it.
    assert not acknowledged or (item_value.strip() == str(item.pk) and revision.strip() == str(item.revision))


# Bytes of every kind an upload may hold: real files, pages and scripts, and noise.
hostile_bytes = st.one_of(
    st.sampled_from(
        [
            sample_files.PDF,
            sample_files.PNG,
            sample_files.HTML_WITH_SCRIPT,
            sample_files.SVG_WITH_SCRIPT,
            sample_files.SHELL_SCRIPT,
        ]
    ),
    st.binary(min_size=1, max_size=2048),
)


@EXAMPLES
@given(name=hostile_text, content=hostile_bytes)
def test_evidence_uploads_survive_hostile_names_and_bytes(official_client, private_media, name, content):
    """Any name, any bytes: kept under a clean name (no folder, no control character) or refused on the form."""
    item = RoadmapItemFactory(region=region(12))
    file = io.BytesIO(content)
    file.name = name
    url = reverse("roadmap:evidence_add", args=[item.region.slug, item.pk])
    response = _no_server_error(official_client.post(url, {"file": file}))
    assert response.status_code in (302, 400)
    stored = list(ItemEvidence.objects.filter(item=item))
    assert len(stored) == (response.status_code == 302)
    for evidence in stored:
        assert not set(evidence.name) & set("/\\") and evidence.name.strip(". ") == evidence.name
        assert not [char for char in evidence.name if unicodedata.category(char) in ("Cc", "Cf")]
        assert evidence.content_type not in ("text/html", "image/svg+xml", "text/x-shellscript")
    _assert_escaped(official_client.get(item.get_absolute_url()).content.decode(), name)


# ------------------------------------------------------------------ query strings of public pages


@pytest.fixture
def public_paths():
    meeting = MeetingFactory(region=region(12))
    return [
        "/",
        reverse("meetings:tour_list"),
        meeting.tour.get_absolute_url(),
        meeting.get_absolute_url(),
        reverse("meetings:ics", args=[meeting.slug]),
        reverse("meetings:tour_feed", args=[meeting.tour.slug]),
        reverse("meetings:region_feed", args=[region(12).slug]),
        reverse("regions:detail", args=[region(12).slug]),
        reverse("registrations:register", args=[meeting.slug]),
        reverse("registrations:privacy"),
        reverse("login"),
        reverse("password_reset"),
    ]


@EXAMPLES
@given(query=raw_query, invitation=hostile_text)
def test_public_pages_survive_any_query_string(public_paths, query, invitation):
    client = Client()
    for path in public_paths:
        response = _no_server_error(client.get(f"{path}?{query}"))
        assert response.status_code in (200, 302)
    register = public_paths[8]
    page = _no_server_error(client.get(register, {"invitation": invitation}))
    assert page.status_code == 200
    _assert_escaped(page.content.decode(), invitation)


@EXAMPLES
@given(
    segment=st.one_of(
        hostile_text.map(lambda text: quote(text, safe="")),
        st.binary(min_size=1, max_size=20).map(lambda raw: "".join(f"%{byte:02x}" for byte in raw)),
    )
)
def test_hostile_slugs_in_paths_are_404_not_500(segment):
    client = Client()
    for prefix in ("/rencontres/", "/regions/", "/tournee/", "/inscriptions/", "/feuille-de-route/"):
        response = _no_server_error(client.get(f"{prefix}{segment}/"))
        assert response.status_code in (301, 302, 404)


def test_outbound_queue_untouched_by_refused_submissions(meeting):
    """A refused submission queues nothing: no e-mail goes to an address typed with a header in it."""
    data = {**REGISTRATION, "email": "victime@example.ma\r\nBcc: tous@example.com"}
    response = Client().post(reverse("registrations:register", args=[meeting.slug]), data)
    assert response.status_code == 400
    assert not OutboundMessage.objects.exists()


# ------------------------------------------------------------------ the minutes' co-signature


@EXAMPLES
@given(outcome=st.one_of(st.sampled_from(["validated", "refused"]), hostile_text), comment=hostile_text)
def test_the_validators_answer_survives_hostile_values_and_is_shown_escaped(outcome, comment):
    minutes = held_meeting_with_minutes()
    validator = OfficialFactory(region=minutes.meeting.region)
    version = minutes_send_for_validation(minutes=minutes, validator=validator, actor=minutes.updated_by)
    url = reverse(
        "meetings:minutes_sign", args=[minutes_validation_token_make(version_id=version.pk, contact_id=validator.pk)]
    )
    client = Client()
    response = _no_server_error(client.post(url, {"outcome": outcome, "comment": comment}))
    assert response.status_code in (302, 400)
    answered = MinutesVersion.objects.filter(pk=version.pk, validation__isnull=False).exists()
    assert answered == (response.status_code == 302)
    _assert_escaped(client.get(url).content.decode(), comment)
    staff = Client()
    staff.force_login(minutes.updated_by)
    _assert_escaped(
        staff.get(reverse("meetings:minutes_validation", args=[minutes.meeting.slug])).content.decode(), comment
    )


@EXAMPLES
@given(token=hostile_text, query=raw_query)
def test_hostile_minutes_links_and_version_numbers_are_404(token, query):
    official = OfficialFactory(region=region(12))
    meeting = MeetingFactory()
    response = _no_server_error(Client().get(f"/compte-rendu/signature/{quote(token, safe='')}/?{query}"))
    assert response.status_code == 404
    client = Client()
    client.force_login(official.user)
    url = reverse("meetings:minutes_review", args=[meeting.slug])
    response = _no_server_error(client.get(f"{url}?version={quote(token, safe='')}&{query}"))
    assert response.status_code in (200, 404)


# ------------------------------------------------------------------ consultation before a meeting and proposals

CONSULTATION_FIELDS = ["markets", "product_lines", "obstacles", "obstacle_other", "proposal", "consent", "version"]


def _consultation_answer() -> ConsultationAnswer:
    start = timezone.now() + timedelta(days=3)
    meeting = MeetingFactory(starts_at=start, ends_at=start + timedelta(hours=3))
    registration = RegistrationFactory(meeting=meeting)
    return ConsultationAnswer.objects.create(
        meeting=meeting, registration=registration, email=registration.email, full_name=registration.full_name
    )


@EXAMPLES
@given(field=st.sampled_from(CONSULTATION_FIELDS), value=hostile_text)
def test_the_consultation_survives_hostile_answers_and_shows_them_escaped(field, value):
    answer = _consultation_answer()
    url = reverse("meetings:consultation", args=[answer.public_id, answer.secret])
    data = {"product_lines": ["desert"], "obstacles": ["other"], "obstacle_other": "Routes", "proposal": "Idée"}
    data.update({"consent": "on", "version": "0", field: value})
    client = Client()
    response = _no_server_error(client.post(url, data))
    assert response.status_code in (302, 400, 409)
    answer.refresh_from_db()
    assert (answer.answered_at is not None) == (response.status_code == 302)
    _assert_escaped(client.get(url).content.decode(), value)
    staff = Client()
    staff.force_login(get_user_model().objects.create(username=f"s{answer.pk}", is_staff=True))
    page = staff.get(reverse("meetings:consultation_results", args=[answer.meeting.slug])).content.decode()
    _assert_escaped(page, value)


@EXAMPLES
@given(secret=hostile_text, query=raw_query)
def test_hostile_consultation_and_opt_out_links_are_404(secret, query):
    answer = _consultation_answer()
    for path in (
        f"/consultation/{answer.public_id}/{quote(secret, safe='')}/",
        f"/feuille-de-route/propositions/desabonnement/{quote(secret, safe='')}/",
    ):
        assert _no_server_error(Client().get(f"{path}?{query}")).status_code == 404
        assert _no_server_error(Client().post(path)).status_code == 404


@EXAMPLES
@given(field=st.sampled_from(["item", "new_title", "new_axis"]), value=hostile_text, query=raw_query)
def test_linking_a_proposal_survives_hostile_values(field, value, query):
    answer = _consultation_answer()
    answer.proposal, answer.answered_at, answer.consent_at = "Idée", timezone.now(), timezone.now()
    answer.save()
    staff = Client()
    staff.force_login(get_user_model().objects.create(username=f"p{answer.pk}", is_staff=True))
    url = reverse("roadmap:proposal_link", args=[answer.meeting.slug, answer.pk])
    data = {"item": "", "new_title": "Nouvelle action", "new_axis": "product", field: value}
    response = _no_server_error(staff.post(f"{url}?{query}", data))
    assert response.status_code in (302, 400)
    assert answer.proposal_links.exists() == (response.status_code == 302)
    page = staff.get(reverse("roadmap:proposals", args=[answer.meeting.slug])).content.decode()
    _assert_escaped(page, value)
