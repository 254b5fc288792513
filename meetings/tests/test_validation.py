"""The CRT's co-signature of the minutes: frozen versions and their hash, the link, the account, the e-mails."""

import hashlib
import json
import re
import time
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from meetings.models import (
    AgendaItem,
    Decision,
    DelegationMember,
    Meeting,
    Minutes,
    MinutesEntry,
    MinutesValidation,
    MinutesVersion,
)
from meetings.selectors.validation import content_hash, minutes_content, minutes_default_validator
from meetings.services import validation as services
from meetings.tests.factories import MeetingFactory
from meetings.tokens import minutes_validation_token_make
from messaging.models import OutboundMessage
from plan.models import Market
from regions.tests.factories import ContactFactory, OfficialFactory, UserFactory, region

pytestmark = pytest.mark.django_db

Kind = OutboundMessage.Kind
LINK = MinutesValidation.Channel.LINK
ACCOUNT = MinutesValidation.Channel.ACCOUNT


def held_meeting_with_minutes(*, region_number: int = 12, **meeting_fields) -> Minutes:
    """A meeting held yesterday with its delegation, two agenda items, minutes per item and two decisions."""
    past = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=1)
    meeting = MeetingFactory(
        region=region(region_number),
        status=Meeting.Status.HELD,
        starts_at=past,
        ends_at=past + timedelta(hours=3),
        registration_opens_at=None,
        registration_closes_at=None,
        title="Séance de travail avec le CRT de Dakhla",
        **meeting_fields,
    )
    chair = DelegationMember.objects.create(
        meeting=meeting, side="onmt", role="chair", full_name="Amina Tazi", organisation="ONMT", position=1
    )
    DelegationMember.objects.create(
        meeting=meeting, side="crt", role="member", full_name="إبراهيم سالم", organisation="CRT", position=2
    )
    welcome = AgendaItem.objects.create(meeting=meeting, position=1, title="Mot de bienvenue", speaker_member=chair)
    plan = AgendaItem.objects.create(meeting=meeting, position=2, title="Plan de relance", speaker="Karim Idrissi")
    staff = UserFactory(username="redacteur", first_name="Samir", last_name="Bennani", is_staff=True)
    minutes = Minutes.objects.create(meeting=meeting, summary="Une séance constructive.", updated_by=staff)
    MinutesEntry.objects.create(minutes=minutes, agenda_item=welcome, summary="Accueil des participants.")
    MinutesEntry.objects.create(
        minutes=minutes, agenda_item=plan, summary="Présentation du plan.", points_raised="Liaisons aériennes."
    )
    decision = Decision.objects.create(
        meeting=meeting,
        agenda_item=plan,
        title="Campagne Dakhla sur le marché français",
        axis="promotion",
        product_line="water_sports",
        owner="onmt",
        due_on=date(2027, 3, 31),
        position=1,
    )
    decision.markets.set(Market.objects.filter(slug__in=["france", "espagne"]))
    Decision.objects.create(meeting=meeting, title="Task force nationale", axis="product", scope="national", position=2)
    return minutes


@pytest.fixture
def minutes():
    return held_meeting_with_minutes()


@pytest.fixture
def president(minutes):
    """The CRT's president, with a portal login, reading Arabic."""
    return OfficialFactory(
        region=minutes.meeting.region, full_name="Brahim Salem", role="Président du CRT", language="ar"
    )


@pytest.fixture
def sender(minutes):
    return UserFactory(username="envoyeur", first_name="Nadia", last_name="Alami", is_staff=True)


def send(minutes, validator, actor) -> MinutesVersion:
    return services.minutes_send_for_validation(minutes=minutes, validator=validator, actor=actor)


def sign_url(version, contact=None) -> str:
    contact_id = (contact or version.validator).pk
    return reverse(
        "meetings:minutes_sign", args=[minutes_validation_token_make(version_id=version.pk, contact_id=contact_id)]
    )


def edit(minutes, summary="Synthèse corrigée."):
    """What the minutes service does on an edit: the new text, and the minutes back to draft."""
    Minutes.objects.filter(pk=minutes.pk).update(summary=summary, status=Minutes.Status.DRAFT)
    minutes.refresh_from_db()


# ------------------------------------------------------------------ the frozen content and its hash


def test_the_content_holds_everything_signed_and_its_hash_is_the_sha256_of_its_canonical_json(minutes):
    content = minutes_content(minutes=minutes)
    assert content["meeting"]["title"] == "Séance de travail avec le CRT de Dakhla"
    assert content["meeting"]["region"]["fr"] == "Dakhla-Oued Ed-Dahab"
    assert [member["full_name"] for member in content["delegation"]] == ["Amina Tazi", "إبراهيم سالم"]
    assert content["summary"] == "Une séance constructive."
    assert [(item["title"], item["speaker"], item["summary"]) for item in content["agenda"]] == [
        ("Mot de bienvenue", "Amina Tazi", "Accueil des participants."),
        ("Plan de relance", "Karim Idrissi", "Présentation du plan."),
    ]
    assert content["agenda"][1]["points_raised"] == "Liaisons aériennes."
    campaign, national = content["decisions"]
    assert campaign | {"markets": sorted(campaign["markets"])} == {
        "agenda_item": 2,
        "title": "Campagne Dakhla sur le marché français",
        "details": "",
        "axis": "promotion",
        "product_line": "water_sports",
        "markets": ["Espagne", "France"],
        "owner": "onmt",
        "due_on": "2027-03-31",
        "scope": "regional",
        "is_public": True,
    }
    assert (national["agenda_item"], national["scope"]) == (None, "national")
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert content_hash(content) == hashlib.sha256(canonical).hexdigest()
    assert "إبراهيم".encode() in canonical  # UTF-8 as typed, not \u escapes


def test_the_content_is_the_same_whatever_the_language_of_the_request(minutes):
    """A version sent from an Arabic page and checked from an English one must give the same hash."""
    hashes = set()
    for language in ("fr", "ar", "en"):
        with translation.override(language):
            hashes.add(content_hash(minutes_content(minutes=minutes)))
    assert len(hashes) == 1


def test_the_hash_is_stable_across_storage_and_changes_with_any_signed_text(minutes, president, sender):
    version = send(minutes, president, sender)
    stored = MinutesVersion.objects.get(pk=version.pk)
    # PostgreSQL's jsonb reorders keys: the canonical form gives the same hash from what was stored.
    assert content_hash(stored.content) == stored.content_hash == content_hash(minutes_content(minutes=minutes))
    before = stored.content_hash
    for change in [
        lambda: MinutesEntry.objects.filter(agenda_item__title="Plan de relance").update(points_raised="Autre."),
        lambda: Decision.objects.filter(scope="national").update(due_on=date(2027, 1, 1)),
        lambda: DelegationMember.objects.filter(full_name="Amina Tazi").update(role="speaker"),
    ]:
        change()
        after = content_hash(minutes_content(minutes=minutes))
        assert after != before
        before = after


# ------------------------------------------------------------------ sending


def test_sending_freezes_a_version_and_mails_the_validator_a_personal_link_in_their_language(
    minutes, president, sender, client
):
    version = send(minutes, president, sender)
    minutes.refresh_from_db()
    assert (version.number, version.validator, version.created_by) == (1, president, sender)
    assert (minutes.status, minutes.validator) == (Minutes.Status.SUBMITTED, president)
    message = OutboundMessage.objects.get(kind=Kind.MINUTES_VALIDATION)
    assert (message.recipient_email, message.language, message.contact) == (president.email, "ar", president)
    assert message.idempotency_key == f"minutes_validation:{version.pk}:{president.pk}"
    link = re.search(r"https?://\S+/compte-rendu/signature/[^/\s]+/", message.body_text).group(0)
    assert link in message.body_html
    assert reverse("meetings:minutes_review", args=[minutes.meeting.slug]) in message.body_text  # has a login
    assert version.content_hash in message.body_text
    page = client.get(urlsplit(link).path)
    assert page.status_code == 200
    assert "Campagne Dakhla sur le marché français" in page.content.decode()


def test_the_default_validator_is_the_one_chosen_before_else_the_president_else_the_first_member(minutes):
    region_contacts = [
        ContactFactory(region=minutes.meeting.region, full_name="Ali Amrani", role="Chargé de mission"),
        ContactFactory(region=minutes.meeting.region, full_name="Zineb Idrissi", role="Présidente"),
    ]
    assert minutes_default_validator(minutes=minutes, choices=region_contacts).full_name == "Zineb Idrissi"
    assert minutes_default_validator(minutes=minutes, choices=region_contacts[:1]).full_name == "Ali Amrani"
    minutes.validator = region_contacts[0]
    assert minutes_default_validator(minutes=minutes, choices=region_contacts) == region_contacts[0]
    assert minutes_default_validator(minutes=None, choices=[]) is None


def test_nothing_changed_since_a_pending_or_validated_version_is_refused_an_edit_makes_the_next_version(
    minutes, president, sender
):
    first = send(minutes, president, sender)
    with pytest.raises(ValidationError) as error:
        send(minutes, president, sender)
    assert "Rien n'a changé depuis la version 1" in error.value.messages[0]
    assert "attend encore sa réponse" in error.value.messages[0]
    services.minutes_validate(version=first, contact=president, channel=LINK)
    with pytest.raises(ValidationError) as error:
        send(minutes, president, sender)
    assert "validée le" in error.value.messages[0] and "Brahim Salem" in error.value.messages[0]
    edit(minutes)
    second = send(minutes, president, sender)
    assert second.number == 2 and second.content_hash != first.content_hash
    assert OutboundMessage.objects.filter(kind=Kind.MINUTES_VALIDATION).count() == 2


def test_only_a_held_meeting_and_a_crt_member_of_its_region_are_accepted(minutes, president, sender):
    elsewhere = ContactFactory(region=region(9), full_name="Hassan Agadir")
    with pytest.raises(ValidationError) as error:
        send(minutes, elsewhere, sender)
    assert "membre du CRT de la région" in " ".join(error.value.messages)
    Meeting.objects.filter(pk=minutes.meeting_id).update(status=Meeting.Status.PUBLISHED)
    with pytest.raises(ValidationError) as error:
        send(minutes, president, sender)
    assert "n'est pas marquée comme tenue" in error.value.messages[0]
    assert not MinutesVersion.objects.exists()


# ------------------------------------------------------------------ answering by the personal link


def test_the_validator_validates_through_the_link_once_and_staff_are_told(minutes, president, sender, client):
    version = send(minutes, president, sender)
    url = sign_url(version)
    response = client.post(url, {"outcome": "validated"})
    assert response.status_code == 302
    validation = MinutesValidation.objects.get(version=version)
    assert (validation.outcome, validation.signed_by, validation.channel) == ("validated", "Brahim Salem", LINK)
    assert (validation.contact, validation.user, validation.content_hash) == (president, None, version.content_hash)
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.VALIDATED
    told = OutboundMessage.objects.filter(kind=Kind.MINUTES_ANSWER)
    # The sender of the version and the last editor of the minutes, each once, in French.
    assert sorted(told.values_list("recipient_email", "language")) == [
        ("envoyeur@example.ma", "fr"),
        ("redacteur@example.ma", "fr"),
    ]
    assert "Brahim Salem a validé" in told.first().body_text
    assert reverse("meetings:minutes_validation", args=[minutes.meeting.slug]) in told.first().body_text
    # Single use: the link now shows the answer, and a second answer is refused.
    page = client.get(url).content.decode()
    assert "Une seule réponse est possible par version." in page and 'value="validated"' not in page
    again = client.post(url, {"outcome": "refused", "comment": "Finalement non."})
    assert again.status_code == 409
    assert "Une réponse a déjà été donnée sur cette version" in again.content.decode()
    assert MinutesValidation.objects.count() == 1
    assert Minutes.objects.get(pk=minutes.pk).status == Minutes.Status.VALIDATED


def test_a_refusal_needs_a_comment_which_staff_receive(minutes, president, sender, client):
    version = send(minutes, president, sender)
    url = sign_url(version)
    response = client.post(url, {"outcome": "refused", "comment": "  "})
    assert response.status_code == 400
    assert "Dites ce qui doit changer" in response.content.decode()
    assert not MinutesValidation.objects.exists()
    client.post(url, {"outcome": "refused", "comment": "Le point 2 oublie la desserte aérienne."})
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.REFUSED
    assert MinutesValidation.objects.get().comment == "Le point 2 oublie la desserte aérienne."
    assert "desserte aérienne" in OutboundMessage.objects.filter(kind=Kind.MINUTES_ANSWER).first().body_text


def test_the_link_page_answers_post_with_a_csrf_token_only(minutes, president, sender):
    version = send(minutes, president, sender)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(sign_url(version), {"outcome": "validated"}).status_code == 403
    assert not MinutesValidation.objects.exists()


def test_an_expired_link_says_so_and_a_tampered_one_is_refused(
    minutes, president, sender, client, settings, monkeypatch
):
    version = send(minutes, president, sender)
    settings.MINUTES_VALIDATION_LINK_DAYS = 14
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 15 * 24 * 3600)
    old = sign_url(version)
    monkeypatch.setattr(signing.time, "time", real_time)
    expired = client.get(old)
    assert expired.status_code == 410
    body = expired.content.decode()
    assert "Ce lien a expiré" in body and "Séance de travail avec le CRT de Dakhla" in body and "14 jours" in body
    assert reverse("meetings:minutes_review", args=[minutes.meeting.slug]) in body
    assert client.post(old, {"outcome": "validated"}).status_code == 410
    good = sign_url(version)
    for tampered in [good[:-3] + "xx/", good.replace("signature/", "signature/a"), "/compte-rendu/signature/abc/"]:
        response = client.get(tampered)
        assert response.status_code == 404, tampered
        assert "Ce lien n'est pas valide" in response.content.decode()
    # A genuine link for another contact than the version's validator opens nothing.
    other = ContactFactory(region=minutes.meeting.region)
    assert client.get(sign_url(version, other)).status_code == 404
    assert not MinutesValidation.objects.exists()


def test_the_link_of_a_superseded_version_says_so_and_points_to_the_newer_one(minutes, president, sender, client):
    first = send(minutes, president, sender)
    edit(minutes)
    second = send(minutes, president, sender)
    page = client.get(sign_url(first))
    body = page.content.decode()
    assert page.status_code == 200
    assert "remplacée par la version 2" in body and 'value="validated"' not in body
    newer = re.search(r'href="(/compte-rendu/signature/[^"]+/)">', body).group(1)
    assert "Synthèse corrigée." in client.get(newer).content.decode()
    response = client.post(sign_url(first), {"outcome": "validated"})
    assert response.status_code == 409 and "remplacée par la version 2" in response.content.decode()
    assert client.post(newer, {"outcome": "validated"}).status_code == 302
    assert MinutesValidation.objects.get().version == second


def test_minutes_edited_since_the_version_was_sent_cannot_be_answered(minutes, president, sender, client):
    version = send(minutes, president, sender)
    edit(minutes)
    response = client.post(sign_url(version), {"outcome": "validated"})
    assert response.status_code == 409
    assert "modifié depuis l'envoi de cette version" in response.content.decode()
    # A change the minutes' status did not record (the delegation, a decision) is caught by the hash.
    Minutes.objects.filter(pk=minutes.pk).update(status=Minutes.Status.SUBMITTED, summary=minutes.summary)
    Decision.objects.filter(scope="national").update(title="Task force nationale (revue)")
    with pytest.raises(ValidationError) as error:
        services.minutes_validate(version=version, contact=president, channel=LINK)
    assert error.value.code == "changed"
    assert not MinutesValidation.objects.exists()


# ------------------------------------------------------------------ from the account


def test_the_designated_official_validates_from_their_account(minutes, president, sender, client):
    version = send(minutes, president, sender)
    colleague = OfficialFactory(region=minutes.meeting.region, full_name="Ali Amrani")
    url = reverse("meetings:minutes_review", args=[minutes.meeting.slug])
    client.force_login(colleague.user)
    page = client.get(url).content.decode()
    assert "Campagne Dakhla sur le marché français" in page and 'value="validated"' not in page
    assert "Brahim Salem" in page  # who is expected to answer
    assert client.post(url, {"outcome": "validated"}).status_code == 403
    client.force_login(president.user)
    page = client.get(url).content.decode()
    assert 'value="validated"' in page and 'value="refused"' in page
    assert client.post(url, {"outcome": "validated"}).status_code == 302
    validation = MinutesValidation.objects.get(version=version)
    assert (validation.channel, validation.user, validation.contact) == (ACCOUNT, president.user, president)
    page = client.get(url).content.decode()
    assert "Validé" in page and "depuis son compte" in page


def test_officials_see_the_versions_sent_never_the_draft_and_other_regions_get_404(minutes, president, sender, client):
    url = reverse("meetings:minutes_review", args=[minutes.meeting.slug])
    client.force_login(president.user)
    assert "Aucune version de ce compte rendu" in client.get(url).content.decode()
    assert "Une séance constructive." not in client.get(url).content.decode()
    send(minutes, president, sender)
    edit(minutes, summary="Brouillon en cours de réécriture.")
    page = client.get(url).content.decode()
    assert "Une séance constructive." in page and "Brouillon en cours de réécriture." not in page
    assert client.get(url + "?version=1").status_code == 200
    assert client.get(url + "?version=7").status_code == 404
    assert client.get(url + "?version=abc").status_code == 404
    client.force_login(OfficialFactory(region=region(9)).user)
    assert client.get(url).status_code == 404
    assert client.post(url, {"outcome": "validated"}).status_code == 404
    client.force_login(UserFactory(username="sans-region"))
    assert client.get(url).status_code == 404
    # The staff page is for staff only.
    client.force_login(president.user)
    assert client.get(reverse("meetings:minutes_validation", args=[minutes.meeting.slug])).status_code == 403


# ------------------------------------------------------------------ the staff page


def test_staff_send_from_their_page_to_the_president_by_default_and_see_each_answer(minutes, president, client):
    staff = UserFactory(username="chef", is_staff=True)
    ContactFactory(region=minutes.meeting.region, full_name="Ali Amrani", role="Chargé de mission")
    client.force_login(staff)
    url = reverse("meetings:minutes_validation", args=[minutes.meeting.slug])
    page = client.get(url).content.decode()
    assert re.search(rf'<option value="{president.pk}" selected>Brahim Salem — Président du CRT</option>', page)
    response = client.post(url, {"validator": president.pk}, follow=True)
    assert "Version 1 envoyée à Brahim Salem pour validation." in response.content.decode()
    again = client.post(url, {"validator": president.pk})
    assert again.status_code == 409 and "Rien n&#x27;a changé depuis la version 1" in again.content.decode()
    assert client.post(url, {"validator": 999999}).status_code == 400
    version = MinutesVersion.objects.get()
    services.minutes_refuse(version=version, contact=president, channel=LINK, comment="Point 2 incomplet.")
    page = client.get(url).content.decode()
    assert "Refusé" in page and "Point 2 incomplet." in page and version.content_hash[:12] in page
    edit(minutes)
    assert "Le compte rendu a changé depuis la version 1" in client.get(url).content.decode()


def test_the_staff_page_of_a_meeting_without_minutes_says_so(client):
    meeting = MeetingFactory()
    client.force_login(UserFactory(username="chef", is_staff=True))
    url = reverse("meetings:minutes_validation", args=[meeting.slug])
    assert "pas encore commencé" in client.get(url).content.decode()
    assert client.post(url, {"validator": ""}).status_code == 409
    assert client.get(reverse("meetings:minutes_validation", args=["inconnue"])).status_code == 404


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_validation_pages_keep_a_constant_number_of_queries_with_many_versions(minutes, president, sender, client):
    staff_url = reverse("meetings:minutes_validation", args=[minutes.meeting.slug])
    review_url = reverse("meetings:minutes_review", args=[minutes.meeting.slug])
    staff = UserFactory(username="chef", is_staff=True)

    def counts():
        client.force_login(staff)
        staff_count = _queries(client, staff_url)
        client.force_login(president.user)
        return staff_count, _queries(client, review_url), _queries(client, sign_url(MinutesVersion.objects.first()))

    version = send(minutes, president, sender)
    services.minutes_refuse(version=version, contact=president, channel=LINK, comment="À revoir.")
    edit(minutes, summary="v2")
    send(minutes, president, sender)
    few = counts()
    for number in range(3, 15):
        edit(minutes, summary=f"v{number}")
        version = send(minutes, president, sender)
        if number % 2:
            services.minutes_refuse(version=version, contact=president, channel=LINK, comment=f"Non {number}.")
    assert MinutesVersion.objects.count() == 14
    assert counts() == few


# ------------------------------------------------------------------ the e-mails


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
def test_both_e_mails_render_in_each_language_with_escaped_text_and_links_to_the_site(
    minutes, president, sender, settings, language
):
    settings.SITE_URL = "https://tournee.onmt.ma"
    Meeting.objects.filter(pk=minutes.meeting_id).update(title='Séance <Dakhla> & "relance"')
    minutes.meeting.refresh_from_db()
    president.language = language
    president.save()
    version = send(minutes, president, sender)
    services.minutes_refuse(version=version, contact=president, channel=LINK, comment="<b>Non</b> & pourquoi")
    for message in OutboundMessage.objects.filter(kind__in=[Kind.MINUTES_VALIDATION, Kind.MINUTES_ANSWER]):
        assert "\n" not in message.subject and 'Séance <Dakhla> & "relance"' in message.subject, message.kind
        assert "&lt;" not in message.body_text and "<Dakhla>" not in message.body_html, message.kind
        links = re.findall(r"https?://[^\s\"'<>]+", message.body_text) + re.findall(
            r'href="([^"]+)"', message.body_html
        )
        assert links and all(link.startswith("https://tournee.onmt.ma/") for link in links), message.kind
        expected = language if message.kind == Kind.MINUTES_VALIDATION else "fr"
        assert message.language == expected
        assert ('dir="rtl"' in message.body_html) == (expected == "ar"), message.kind
    answer = OutboundMessage.objects.filter(kind=Kind.MINUTES_ANSWER).first()
    assert "<b>Non</b> & pourquoi" in answer.body_text and "&lt;b&gt;Non&lt;/b&gt; &amp; pourquoi" in answer.body_html


def test_the_meetings_admin_page_links_to_its_validation_page(minutes, staff_client):
    page = staff_client.get(reverse("admin:meetings_meeting_change", args=[minutes.meeting_id])).content.decode()
    assert reverse("meetings:minutes_validation", args=[minutes.meeting.slug]) in page
