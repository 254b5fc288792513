"""The commitments of a held meeting, on its page and on the region's roadmap summary, in each language and
width; the item page of an official saying where the item was decided."""

import pytest

from meetings.models import Meeting
from meetings.tests.factories import AgendaItemFactory, DecisionFactory, MeetingFactory
from regions.tests.factories import OfficialFactory, UserFactory, region
from roadmap.models import RoadmapItem
from roadmap.services import roadmap_item_from_decision, roadmap_item_update
from tests.e2e.conftest import assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "un-mot-de-passe-du-crt-2026"
TITLES = [
    "Éductour kitesurf pour les tour-opérateurs allemands et britanniques",
    "Campagne de promotion du tourisme interne pour l'été",
    "Vols charters Paris–Dakhla deux fois par semaine",
]


def held_meeting_with_commitments():
    staff = UserFactory(is_staff=True)
    meeting = MeetingFactory(region=region(12), status=Meeting.Status.HELD, title="Rencontre des professionnels")
    statuses = [RoadmapItem.Status.DONE, RoadmapItem.Status.IN_PROGRESS, None]
    agenda_item = AgendaItemFactory(meeting=meeting, title="Accès aérien et promotion")
    items = []
    for position, (title, status) in enumerate(zip(TITLES, statuses, strict=True)):
        decision = DecisionFactory(meeting=meeting, agenda_item=agenda_item, title=title, position=position)
        item = roadmap_item_from_decision(actor=staff, decision=decision)
        if status:
            roadmap_item_update(actor=staff, item=item, data={"status": status})
        items.append(item)
    DecisionFactory(meeting=meeting, agenda_item=agenda_item, title="Engagement interne non public", is_public=False)
    return meeting, items


@pytest.mark.parametrize(("language", "direction"), [("fr", "ltr"), ("ar", "rtl"), ("en", "ltr")])
@pytest.mark.parametrize("width", [1366, 360])
def test_commitments_on_the_public_pages_fit_and_pass_axe(live_server, browser, language, direction, width):
    meeting, _items = held_meeting_with_commitments()
    context = browser.new_context(
        locale="fr-FR", timezone_id="Africa/Casablanca", bypass_csp=True, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/")
    if language != "fr":
        page.locator(f".language-switch a[lang={language}]").click()
        page.wait_for_load_state()
    for path in (meeting.get_absolute_url(), f"/regions/{meeting.region.slug}/feuille-de-route/"):
        page.goto(live_server.url + path)
        html = page.locator("html")
        assert (html.get_attribute("lang"), html.get_attribute("dir")) == (language, direction), path
        main = page.locator("main").inner_text()
        assert all(title in main for title in TITLES), path
        assert "Engagement interne non public" not in main
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        assert_accessible(page)
    context.close()


def test_the_official_sees_where_an_item_was_decided(live_server, page):
    _meeting, items = held_meeting_with_commitments()
    OfficialFactory(region=region(12), user=UserFactory(username="crt-dakhla", password=PASSWORD))
    log_in(page, live_server, "crt-dakhla", PASSWORD)
    page.goto(live_server.url + items[0].get_absolute_url())
    decided = page.locator(".item-decision").inner_text()
    assert "Rencontre des professionnels" in decided and "point « Accès aérien et promotion »" in decided
    assert f"décision « {TITLES[0]} »" in decided
    assert_accessible(page)


def test_staff_turn_a_decision_into_an_item_from_its_row_in_the_register(live_server, page):
    decision = DecisionFactory(meeting__region=region(9), title="Roadshow golf au Royaume-Uni")
    UserFactory(username="onmt-staff", password=PASSWORD, is_staff=True, is_superuser=True)
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "onmt-staff")
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_load_state()
    page.goto(live_server.url + "/admin/meetings/decision/?scope__exact=regional")
    page.get_by_role("button", name="Créer l'action de feuille de route").click()
    page.wait_for_load_state()
    assert page.url == live_server.url + "/admin/meetings/decision/?scope__exact=regional"
    assert "Action « Roadshow golf au Royaume-Uni » ajoutée" in page.locator(".messagelist").inner_text()
    assert page.get_by_role("link", name="Planifiée").is_visible()
    assert RoadmapItem.objects.get(decision=decision).region == region(9)
