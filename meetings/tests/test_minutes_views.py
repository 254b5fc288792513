import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.tests import sample_files
from core.tests.sample_files import upload
from meetings.models import Decision, Minutes, MinutesEntry
from meetings.services.evidence import meeting_evidence_add
from meetings.services.minutes import decision_create, entry_key, minutes_start
from meetings.tests.factories import AgendaItemFactory, MeetingFactory, RegistrationFactory, TourFactory
from plan.models import Market
from regions.tests.factories import OfficialFactory, UserFactory, region
from roadmap.tests.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting():
    meeting = MeetingFactory(title="Rencontre de Dakhla")
    AgendaItemFactory(meeting=meeting, title="Bilan de la saison", speaker="Mme Idrissi")
    AgendaItemFactory(meeting=meeting, title="Marchés prioritaires")
    return meeting


@pytest.fixture
def editor():
    return UserFactory(username="redacteur", first_name="Nadia", last_name="Alaoui", is_staff=True)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def _page(meeting):
    return reverse("meetings:minutes", args=[meeting.slug])


def _autosave(client, meeting, payload, **extra):
    body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
    return client.post(
        reverse("meetings:minutes_autosave", args=[meeting.slug]), body, content_type="application/json", **extra
    )


def _base_token(response) -> str:
    return re.search(r'name="base" value="([^"]+)"', response.content.decode()).group(1)


# ------------------------------------------------------------------ access


def test_staff_open_the_page_officials_are_refused_and_anonymous_visitors_go_to_login(client, meeting, editor):
    url = _page(meeting)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    official = OfficialFactory(region=meeting.region).user
    client.force_login(official)
    assert client.get(url).status_code == 403
    assert _autosave(client, meeting, {"version": 1, "changes": {}}).status_code == 403
    assert not Minutes.objects.exists()
    client.force_login(editor)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")


def test_an_unknown_meeting_is_a_404(editor_client):
    assert editor_client.get(reverse("meetings:minutes", args=["nulle-part"])).status_code == 404
    response = editor_client.post(
        reverse("meetings:minutes_autosave", args=["nulle-part"]), "{}", content_type="application/json"
    )
    assert response.status_code == 404


def test_the_page_shows_the_meeting_the_attendance_and_a_card_per_agenda_item(editor_client, meeting):
    RegistrationFactory(meeting=meeting, status="attended")
    RegistrationFactory(meeting=meeting)
    response = editor_client.get(_page(meeting))
    text = response.content.decode()
    assert "Rencontre de Dakhla" in text and "Palais des congrès" in text
    assert "Bilan de la saison" in text and "Mme Idrissi" in text and "Marchés prioritaires" in text
    assert re.search(r"<strong>2</strong>\s*inscrits", text)
    assert re.search(r"<strong>1</strong>\s*présent\b", text)
    minutes = Minutes.objects.get(meeting=meeting)
    for entry in minutes.entries.all():
        assert f'name="{entry_key(entry.pk, "summary")}"' in text
        assert f'name="{entry_key(entry.pk, "points_raised")}"' in text
    assert 'src="/static/js/minutes.js"' in text


def test_the_meeting_admin_links_to_the_minutes(client, meeting, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))
    assert _page(meeting) in response.content.decode()


# ------------------------------------------------------------------ autosave endpoint


def test_autosave_answers_the_new_version_and_the_time(editor_client, meeting, editor):
    editor_client.get(_page(meeting))
    entry = MinutesEntry.objects.filter(minutes__meeting=meeting).first()
    key = entry_key(entry.pk, "summary")
    response = _autosave(editor_client, meeting, {"version": 1, "changes": {key: "Texte"}, "base": {key: ""}})
    assert response.status_code == 200
    data = response.json()
    assert data["version"] == 2 and data["merged"] is False
    assert re.fullmatch(r"\d\d:\d\d:\d\d", data["saved_at_time"])
    entry.refresh_from_db()
    assert entry.summary == "Texte"
    assert Minutes.objects.get(meeting=meeting).updated_by == editor


def test_autosave_conflict_is_a_409_with_both_texts(editor_client, meeting):
    editor_client.get(_page(meeting))
    _autosave(editor_client, meeting, {"version": 1, "changes": {"summary": "A"}, "base": {"summary": ""}})
    response = _autosave(editor_client, meeting, {"version": 1, "changes": {"summary": "B"}, "base": {"summary": ""}})
    assert response.status_code == 409
    data = response.json()
    assert data["version"] == 2
    [conflict] = data["conflicts"]
    assert (conflict["field"], conflict["theirs"], conflict["mine"]) == ("summary", "A", "B")
    assert conflict["saved_by"] == "Nadia Alaoui" and conflict["label"] == "Synthèse générale"


@pytest.mark.parametrize(
    "payload",
    [
        "pas du json",
        b"\xff\xfe",
        "[1, 2]",
        {"changes": {"summary": "x"}},
        {"version": "deux", "changes": {"summary": "x"}},
        {"version": True, "changes": {"summary": "x"}},
        {"version": 10**30, "changes": {"summary": "x"}},
        {"version": 1, "changes": ["summary"]},
        {"version": 1, "changes": {"summary": "x"}, "base": "rien"},
        {"version": 1, "changes": {"statut": "x"}},
        {"version": 1, "changes": {"entry-99999999-summary": "x"}},
        {"version": 1, "changes": {"summary": None}},
        {"version": 1, "changes": {"summary": "x" * 20001}},
        {"version": 1, "changes": {"summary": "\x00"}},
    ],
)
def test_autosave_refuses_bad_input_with_a_400(editor_client, meeting, payload):
    editor_client.get(_page(meeting))
    response = _autosave(editor_client, meeting, payload)
    assert response.status_code == 400
    assert response.json()["error"]
    assert Minutes.objects.get(meeting=meeting).version == 1


def test_autosave_without_csrf_token_is_refused(client, meeting, editor):
    client.force_login(editor)
    client.get(_page(meeting))
    client.handler.enforce_csrf_checks = True
    response = _autosave(client, meeting, {"version": 1, "changes": {"summary": "x"}, "base": {"summary": ""}})
    assert response.status_code == 403


# ------------------------------------------------------------------ the form without script


def test_the_form_saves_without_script(editor_client, meeting):
    response = editor_client.get(_page(meeting))
    entry = MinutesEntry.objects.filter(minutes__meeting=meeting).first()
    data = {"base": _base_token(response), "summary": "Synthèse\r\nsur deux lignes", entry_key(entry.pk, "summary"): ""}
    response = editor_client.post(_page(meeting), data)
    assert response.status_code == 302
    minutes = Minutes.objects.get(meeting=meeting)
    assert (minutes.summary, minutes.version) == ("Synthèse\nsur deux lignes", 2)
    assert "Compte rendu enregistré" in editor_client.get(_page(meeting)).content.decode()


def test_the_form_shows_a_conflict_and_keeps_what_was_typed(editor_client, meeting):
    response = editor_client.get(_page(meeting))
    token = _base_token(response)
    entries = list(MinutesEntry.objects.filter(minutes__meeting=meeting))
    first, second = entry_key(entries[0].pk, "summary"), entry_key(entries[1].pk, "summary")
    # Another editor saves the summary and the first item's text.
    _autosave(
        editor_client,
        meeting,
        {
            "version": 1,
            "changes": {"summary": "Leur synthèse", first: "Leur point"},
            "base": {"summary": "", first: ""},
        },
    )
    response = editor_client.post(
        _page(meeting), {"base": token, "summary": "Ma synthèse", first: "", second: "Mon second point"}
    )
    assert response.status_code == 409
    text = response.content.decode()
    assert "Leur synthèse" in text and "Ma synthèse" in text and "Mon second point" in text
    # The field this editor left alone shows the other's text, not the old one.
    assert re.search(rf'name="{first}"[^>]*>\s*Leur point</textarea>', text)
    minutes = Minutes.objects.get(meeting=meeting)
    assert (minutes.summary, minutes.version) == ("Leur synthèse", 2)
    # Saving again as shown keeps this editor's text where they typed, and the other's elsewhere.
    response = editor_client.post(
        _page(meeting),
        {"base": _base_token(response), "summary": "Ma synthèse", first: "Leur point", second: "Mon second point"},
    )
    assert response.status_code == 302
    minutes.refresh_from_db()
    assert minutes.summary == "Ma synthèse"
    assert MinutesEntry.objects.get(pk=entries[0].pk).summary == "Leur point"
    assert MinutesEntry.objects.get(pk=entries[1].pk).summary == "Mon second point"


def test_a_forged_base_is_a_400(editor_client, meeting):
    editor_client.get(_page(meeting))
    response = editor_client.post(_page(meeting), {"base": "forgé", "summary": "x"})
    assert response.status_code == 400
    assert Minutes.objects.get(meeting=meeting).summary == ""


# ------------------------------------------------------------------ decisions


def _decision_data(item, **overrides):
    return {
        "agenda_item": item.pk if item else "",
        "title": "Campagne digitale",
        "details": "Avec les TO",
        "axis": Decision.Axis.PROMOTION,
        "product_line": Decision.ProductLine.DESERT,
        "markets": [market.pk for market in Market.objects.filter(slug__in=["france", "espagne"])],
        "owner": Decision.Owner.CRT,
        "due_on": (timezone.localdate(item.meeting.starts_at) + timedelta(days=90)).isoformat() if item else "",
        "scope": Decision.Scope.NATIONAL,
        "is_public": "on",
        **overrides,
    }


def test_a_decision_is_added_from_an_agenda_item_card(editor_client, meeting):
    item = meeting.agenda_items.first()
    response = editor_client.post(reverse("meetings:minutes_decision_add", args=[meeting.slug]), _decision_data(item))
    assert response.status_code == 302
    assert response["Location"].endswith(f"#point-{item.pk}")
    decision = Decision.objects.get()
    assert (decision.agenda_item, decision.owner, decision.scope) == (item, "crt", "national")
    assert decision.markets.count() == 2
    text = editor_client.get(_page(meeting)).content.decode()
    assert "Campagne digitale" in text and "Nationale" in text


def test_a_refused_decision_comes_back_with_what_was_typed_and_the_reason(editor_client, meeting):
    item = meeting.agenda_items.first()
    early = (timezone.localdate(meeting.starts_at) - timedelta(days=1)).isoformat()
    response = editor_client.post(
        reverse("meetings:minutes_decision_add", args=[meeting.slug]),
        _decision_data(item, title="Ma décision tardive", due_on=early),
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "ne peut pas précéder la rencontre" in text
    # The day set apart, so that an Arabic sentence leaves its digits and parentheses in place.
    assert f"(\u2068{timezone.localdate(meeting.starts_at):%d/%m/%Y}\u2069)" in text
    assert 'value="Ma décision tardive"' in text
    assert not Decision.objects.exists()


def test_an_agenda_item_of_another_meeting_is_refused(editor_client, meeting):
    response = editor_client.post(
        reverse("meetings:minutes_decision_add", args=[meeting.slug]), _decision_data(AgendaItemFactory())
    )
    assert response.status_code == 400
    assert not Decision.objects.exists()


def test_a_decision_is_edited_and_deleted_but_not_when_it_is_on_the_roadmap(editor_client, meeting):
    item = meeting.agenda_items.first()
    decision = decision_create(meeting=meeting, agenda_item=item, title="Avant", axis=Decision.Axis.DIGITAL)
    response = editor_client.post(
        reverse("meetings:minutes_decision_edit", args=[meeting.slug, decision.pk]),
        _decision_data(item, title="Après"),
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.title == "Après"
    RoadmapItemFactory(region=meeting.region, decision=decision)
    delete_url = reverse("meetings:minutes_decision_delete", args=[meeting.slug, decision.pk])
    response = editor_client.post(delete_url, follow=True)
    assert "feuille de route" in response.content.decode()
    assert Decision.objects.filter(pk=decision.pk).exists()
    other = decision_create(meeting=meeting, agenda_item=None, title="À supprimer", axis=Decision.Axis.DIGITAL)
    assert (
        editor_client.post(reverse("meetings:minutes_decision_delete", args=[meeting.slug, other.pk])).status_code
        == 302
    )
    assert not Decision.objects.filter(pk=other.pk).exists()


def test_a_decision_of_another_meeting_is_a_404_here(editor_client, meeting):
    other = decision_create(meeting=MeetingFactory(), agenda_item=None, title="Ailleurs", axis=Decision.Axis.DIGITAL)
    edit = reverse("meetings:minutes_decision_edit", args=[meeting.slug, other.pk])
    assert editor_client.post(edit, _decision_data(None)).status_code == 404
    delete = reverse("meetings:minutes_decision_delete", args=[meeting.slug, other.pk])
    assert editor_client.post(delete).status_code == 404
    assert Decision.objects.filter(pk=other.pk).exists()


# ------------------------------------------------------------------ queries


def _fill(meeting, count):
    earlier = MeetingFactory(
        tour=meeting.tour, region=region(9), starts_at=meeting.starts_at - timedelta(days=1, hours=1)
    )
    markets = list(Market.objects.all()[:3])
    for n in range(count):
        item = AgendaItemFactory(meeting=meeting, title=f"Point {n}")
        decision = decision_create(meeting=meeting, agenda_item=item, title=f"Décision {n}", axis="product")
        decision.markets.set(markets)
        decision_create(meeting=earlier, agenda_item=None, title=f"Nationale {n}", axis="product", scope="national")
        RegistrationFactory(meeting=meeting, status="attended" if n % 2 else "confirmed")
    RoadmapItemFactory(region=meeting.region, decision=decision)


@pytest.mark.parametrize("count", [3, 30])
def test_the_page_makes_the_same_number_of_queries_whatever_the_number_of_items(
    client, editor, django_assert_num_queries, count, private_media
):
    meeting = MeetingFactory(tour=TourFactory())
    _fill(meeting, count)
    for number in range(count):
        meeting_evidence_add(actor=editor, meeting=meeting, upload=upload(f"{number}.pdf", sample_files.PDF))
    minutes_start(meeting=meeting, actor=editor)
    client.force_login(editor)
    with django_assert_num_queries(QUERIES_OF_THE_PAGE):
        response = client.get(_page(meeting))
    page = response.content.decode()
    assert page.count('class="card minutes-card"') == count + 2 and page.count('class="file-row"') == count


# Session, user, meeting; minutes and agenda items without an entry (in a savepoint and its release); minutes
# with who saved last, entries with their agenda items; decisions with their roadmap items, their markets;
# attendance; every market (the forms); carried-forward decisions; the meeting's files with who uploaded each; the
# consultation's choices and its markets.
QUERIES_OF_THE_PAGE = 16


@pytest.mark.parametrize(
    "overrides",
    [
        {"agenda_item": "²"},
        {"markets": ["x", "²", "999999"]},
        {"due_on": "demain"},
        {"title": "nul\x00"},
        {"title": "x" * 201},
        {"axis": "", "scope": "partout"},
    ],
)
def test_hostile_decision_input_is_a_400_with_nothing_written(editor_client, meeting, overrides):
    item = meeting.agenda_items.first()
    response = editor_client.post(
        reverse("meetings:minutes_decision_add", args=[meeting.slug]), _decision_data(item, **overrides)
    )
    assert response.status_code == 400
    assert not Decision.objects.exists()
