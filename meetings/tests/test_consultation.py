"""The consultation before a meeting: sent once to each person, answered through the personal link until the meeting
starts, counted for staff and, anonymously and never for fewer than five people, published once the meeting is held."""

import random
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.models import ConsultationAnswer, Meeting, Registration
from meetings.selectors.consultation import MIN_GROUP, consultation_meeting_aggregate
from meetings.services import consultation as services
from meetings.services import registration as registration_services
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from messaging.models import OutboundMessage
from messaging.tests.factories import OutboundMessageFactory
from plan.models import Market, ProductLine
from regions.models import ExportLog
from regions.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

Obstacle = ConsultationAnswer.Obstacle


def _soon(days: float = 3) -> Meeting:
    start = timezone.now() + timedelta(days=days)
    return MeetingFactory(starts_at=start, ends_at=start + timedelta(hours=3))


def _link(answer: ConsultationAnswer) -> str:
    return reverse("meetings:consultation", args=[answer.public_id, answer.secret])


def _form(answer: ConsultationAnswer, **changes) -> dict:
    data = {
        "markets": [str(Market.objects.order_by("pk").first().pk)],
        "product_lines": [ProductLine.DESERT],
        "obstacles": [Obstacle.AIR_ACCESS],
        "obstacle_other": "",
        "proposal": "Une ligne aérienne directe Dakhla–Madrid",
        "consent": "on",
        "version": str(answer.version),
    }
    return {**data, **changes}


def _consulted(meeting: Meeting, count: int) -> list[ConsultationAnswer]:
    for n in range(count):
        RegistrationFactory(meeting=meeting, email=f"pro{n}-{meeting.pk}@example.ma")
    services.consultations_send_due()
    return list(ConsultationAnswer.objects.filter(meeting=meeting).order_by("pk"))


def _answer(answer: ConsultationAnswer, *, markets=(), product_lines=(), obstacles=(), proposal="") -> None:
    services.consultation_answer_save(
        answer_id=answer.pk,
        version=answer.version,
        markets=list(markets),
        product_lines=list(product_lines),
        obstacles=list(obstacles),
        obstacle_other="",
        proposal=proposal,
    )


# ------------------------------------------------------------------ sending


def test_registrants_and_invited_contacts_get_it_once_in_their_language_and_not_before_the_days_set(settings):
    settings.MEETINGS_CONSULTATION_DAYS_BEFORE = 7
    meeting, later = _soon(5), _soon(9)
    RegistrationFactory(meeting=meeting, email="amal@example.ma", language="ar")
    RegistrationFactory(meeting=meeting, email="parti@example.ma", status=Registration.Status.CANCELLED)
    invited = ContactFactory(region=meeting.region, email="crt@example.ma", language="en")
    # Invited, then registered with the same address: one consultation.
    both = ContactFactory(region=meeting.region, email="amal@example.ma")
    for contact in (invited, both):
        OutboundMessageFactory(meeting=meeting, contact=contact, kind=OutboundMessage.Kind.INVITATION)
    RegistrationFactory(meeting=later, email="tot@example.ma")

    assert services.consultations_send_due() == 2
    assert services.consultations_send_due() == 0  # the beat runs again: nothing more
    sent = OutboundMessage.objects.filter(kind=OutboundMessage.Kind.CONSULTATION).order_by("recipient_email")
    assert [(message.recipient_email, message.language) for message in sent] == [
        ("amal@example.ma", "ar"),
        ("crt@example.ma", "en"),
    ]
    assert all(message.bulk and message.meeting_id == meeting.pk for message in sent)
    answer = ConsultationAnswer.objects.get(email="amal@example.ma")
    assert _link(answer) in sent[0].body_text
    # Someone who registers afterwards gets it at the next run.
    RegistrationFactory(meeting=meeting, email="tard@example.ma")
    assert services.consultations_send_due() == 1


# ------------------------------------------------------------------ answering


def test_the_person_answers_with_consent_then_changes_the_answer_until_the_meeting_starts(client):
    meeting = _soon()
    [answer] = _consulted(meeting, 1)
    refused = client.post(_link(answer), {**_form(answer), "consent": ""})
    assert refused.status_code == 400 and "consentement est nécessaire" in refused.content.decode()
    assert client.post(_link(answer), _form(answer)).status_code == 302
    answer.refresh_from_db()
    assert answer.answered_at and answer.consent_at and answer.consent_version == services.CONSENT_VERSION
    assert answer.product_lines == [ProductLine.DESERT] and answer.version == 1
    changed = client.post(_link(answer), _form(answer, product_lines=[ProductLine.NATURE], proposal="Autre idée"))
    assert changed.status_code == 302
    answer.refresh_from_db()
    assert (answer.product_lines, answer.proposal, answer.version) == ([ProductLine.NATURE], "Autre idée", 2)
    started = timezone.now() - timedelta(minutes=1)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=started, registration_closes_at=started - timedelta(hours=1))
    closed = client.post(_link(answer), _form(answer, proposal="Trop tard"))
    assert closed.status_code == 409 and "consultation est close" in closed.content.decode()
    answer.refresh_from_db()
    assert answer.proposal == "Autre idée"


def test_an_answer_edited_in_two_tabs_is_never_silently_overwritten(client):
    [answer] = _consulted(_soon(), 1)
    first_tab = second_tab = _form(answer)
    assert client.post(_link(answer), {**first_tab, "proposal": "Premier onglet"}).status_code == 302
    stale = client.post(_link(answer), {**second_tab, "proposal": "Second onglet"})
    assert stale.status_code == 409 and "Second onglet" in stale.content.decode()
    answer.refresh_from_db()
    assert answer.proposal == "Premier onglet"


@pytest.mark.parametrize(
    "changes",
    [
        {"version": "x"},
        {"markets": ["999999"]},
        {"obstacles": ["volcan"]},
        {"obstacles": [Obstacle.OTHER], "obstacle_other": ""},
        {"obstacle_other": "a\r\nBcc: x@example.ma", "obstacles": [Obstacle.OTHER]},
        {"proposal": "x" * 2001},
    ],
)
def test_bad_input_is_a_clear_400_and_nothing_stored_changes(client, changes):
    [answer] = _consulted(_soon(), 1)
    response = client.post(_link(answer), _form(answer, **changes))
    assert response.status_code == 400
    answer.refresh_from_db()
    assert answer.answered_at is None and answer.version == 0


def test_a_forged_link_is_a_404(client):
    [answer] = _consulted(_soon(), 1)
    assert client.get(reverse("meetings:consultation", args=[answer.public_id, "x" * 43])).status_code == 404


# ------------------------------------------------------------------ the aggregate, cross-checked


def test_the_aggregate_is_what_the_answers_say_and_the_public_one_hides_every_group_under_five():
    meeting = _soon()
    answers = _consulted(meeting, 23)
    rng = random.Random(22)
    markets = list(Market.objects.all()[:6])
    expected = {"markets": Counter(), "product_lines": Counter(), "obstacles": Counter()}
    for answer in answers[:20]:  # three of the people consulted do not answer
        chosen = {
            "markets": rng.sample(markets, rng.randint(0, 3)),
            "product_lines": rng.sample([key for key, _label in ProductLine.choices], rng.randint(1, 3)),
            "obstacles": rng.sample([Obstacle.AIR_ACCESS, Obstacle.SEASONALITY, Obstacle.SKILLS], rng.randint(0, 2)),
        }
        _answer(answer, **chosen)
        expected["markets"].update(str(market.pk) for market in chosen["markets"])
        expected["product_lines"].update(chosen["product_lines"])
        expected["obstacles"].update(chosen["obstacles"])

    staff = consultation_meeting_aggregate(meeting=meeting)
    assert staff.answered == 20
    for key, rows in staff.sections:
        assert {row.key: row.count for row in rows} == dict(expected[key]), key

    public = consultation_meeting_aggregate(meeting=meeting, public=True)
    assert public.answered == 20
    for key, rows in public.sections:
        shown = {row.key: row.count for row in rows}
        assert shown == {option: n for option, n in expected[key].items() if n >= MIN_GROUP}, key
        assert all(count >= MIN_GROUP for count in shown.values())


def test_nothing_is_published_while_fewer_than_five_answered():
    meeting = _soon()
    answers = _consulted(meeting, MIN_GROUP)
    for answer in answers[: MIN_GROUP - 1]:
        _answer(answer, product_lines=[ProductLine.DESERT])
    assert consultation_meeting_aggregate(meeting=meeting, public=True) is None
    _answer(answers[-1], product_lines=[ProductLine.DESERT])
    public = consultation_meeting_aggregate(meeting=meeting, public=True)
    assert [(row.key, row.count) for row in public.product_lines] == [(ProductLine.DESERT, MIN_GROUP)]


def test_the_meeting_page_publishes_the_counts_once_held_without_names_or_words(
    client, django_capture_on_commit_callbacks
):
    meeting = _soon()
    for answer in _consulted(meeting, 6):
        _answer(answer, product_lines=[ProductLine.DESERT], proposal="Texte libre Zqx")
    page = client.get(meeting.get_absolute_url()).content.decode()  # cached, before the meeting is held
    assert "consultation-title" not in page
    meeting.refresh_from_db()
    meeting.status = Meeting.Status.HELD
    with django_capture_on_commit_callbacks(execute=True):
        meeting.save()  # as staff's "mark held" does: the public pages' scope is renewed on commit
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "consultation-title" in page and "Désert" in page
    assert "Texte libre Zqx" not in page and "pro0-" not in page


# ------------------------------------------------------------------ staff


def _staff_page(staff_client, meeting) -> str:
    response = staff_client.get(reverse("meetings:consultation_results", args=[meeting.slug]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_the_staff_page_makes_the_same_number_of_queries_whatever_the_number_of_answers(staff_client, count):
    meeting = _soon()
    markets = list(Market.objects.all()[:3])
    for n, answer in enumerate(_consulted(meeting, count)):
        _answer(answer, markets=markets[: n % 3 + 1], product_lines=[ProductLine.GOLF], proposal=f"Idée {n}")
    _staff_page(staff_client, meeting)  # the session and the language are read once
    with CaptureQueriesContext(connection) as queries:
        page = _staff_page(staff_client, meeting)
    assert len(queries) == 7
    assert page.count('class="consultation-answer"') == count
    assert f"Idée {count - 1}" in page and "<svg" in page and 'class="figures consultation-figures"' in page


def test_the_staff_sees_a_regions_answers_and_every_export_is_logged(staff_client):
    meeting = _soon()
    for answer in _consulted(meeting, 2):
        _answer(answer, product_lines=[ProductLine.SEASIDE], proposal='=HYPERLINK("x")')
    region_page = staff_client.get(reverse("meetings:consultation_region", args=[meeting.region.slug]))
    assert region_page.status_code == 200 and "=HYPERLINK" in region_page.content.decode()
    csv = staff_client.get(reverse("meetings:consultation_export", args=[meeting.slug, "csv"]))
    assert csv.status_code == 200 and "'=HYPERLINK" in csv.content.decode("utf-8-sig")
    xlsx = staff_client.get(reverse("meetings:consultation_export", args=[meeting.slug, "xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert staff_client.get(reverse("meetings:consultation_export", args=[meeting.slug, "pdf"])).status_code == 404
    logged = ExportLog.objects.order_by("pk").values_list("kind", "row_count")
    assert list(logged) == [(ExportLog.Kind.CONSULTATION_CSV, 2), (ExportLog.Kind.CONSULTATION_XLSX, 2)]


def test_the_note_taker_sees_the_counts_beside_the_agenda(staff_client):
    meeting = _soon()
    for answer in _consulted(meeting, 2):
        _answer(answer, obstacles=[Obstacle.SEASONALITY])
    page = staff_client.get(reverse("meetings:minutes", args=[meeting.slug])).content.decode()
    aside = page[page.index('class="minutes-aside"') :]
    assert "Consultation avant la rencontre" in aside and "Saisonnalité de la demande" in aside


# ------------------------------------------------------------------ personal data


def test_erasure_drops_the_person_and_words_and_keeps_the_counts(client):
    meeting = _soon()
    answers = _consulted(meeting, 2)
    for answer in answers:
        _answer(answer, product_lines=[ProductLine.HIKING], proposal="Proposition Xylophone")
    before = consultation_meeting_aggregate(meeting=meeting)
    registration = answers[0].registration
    registration_services.registration_erase(registration_id=registration.pk)
    # The other person erases their answer from its own link.
    assert (
        client.post(reverse("meetings:consultation_erase", args=[answers[1].public_id, answers[1].secret])).status_code
        == 200
    )
    for answer in answers:
        answer.refresh_from_db()
        assert answer.erased_at and answer.registration is None and answer.full_name == answer.proposal == ""
        assert client.get(_link(answer)).status_code == 404
    assert consultation_meeting_aggregate(meeting=meeting) == before
    assert not OutboundMessage.objects.filter(body_text__contains="Proposition Xylophone").exists()
    assert not OutboundMessage.objects.filter(recipient_email__in=[a.email for a in answers if "@example" in a.email])


def test_the_retention_purge_erases_the_answers_of_invited_contacts_too(settings):
    meeting = _soon()
    answer = ConsultationAnswer.objects.create(meeting=meeting, email="contact@example.ma", full_name="Contact Q")
    later = meeting.ends_at + timedelta(days=settings.REGISTRATION_RETENTION_DAYS + 1)
    assert services.consultation_answers_purge_expired(now=later) == 1
    assert services.consultation_answers_purge_expired(now=later) == 0
    answer.refresh_from_db()
    assert answer.full_name == "" and answer.erased_at
