"""The minutes page in a real browser: what is typed is saved as typed, survives a closed tab, a lost
connection and an expired session, and two editors of the same text are shown each other's."""

import re

import pytest
from playwright.sync_api import expect

from meetings.models import Minutes, MinutesEntry
from meetings.tests.factories import AgendaItemFactory, MeetingFactory, RegistrationFactory
from regions.tests.factories import UserFactory
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-onmt-2026"
SAVED = re.compile(r"Enregistré à \d\d:\d\d:\d\d")


@pytest.fixture
def meeting():
    meeting = MeetingFactory(title="Rencontre des professionnels de Dakhla")
    AgendaItemFactory(meeting=meeting, title="Bilan de la saison", speaker="Mme Idrissi")
    AgendaItemFactory(meeting=meeting, title="Marchés prioritaires")
    RegistrationFactory(meeting=meeting, status="attended")
    return meeting


def _log_in(page, live_server, username, next_path):
    UserFactory(username=username, password=PASSWORD, first_name=username.title(), is_staff=True)
    page.goto(f"{live_server.url}/comptes/login/?next={next_path}")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    assert page.url == live_server.url + next_path


def _first_summary(page):
    return page.get_by_role("region", name="Bilan de la saison").get_by_label("Synthèse", exact=True)


def _stored_first_summary(meeting) -> str:
    return MinutesEntry.objects.filter(minutes__meeting=meeting).order_by("agenda_item__position").first().summary


def _status(page):
    return page.locator("#minutes-status")


def test_typed_text_is_saved_without_a_click_and_found_after_a_reload(live_server, page, meeting):
    path = f"/rencontres/{meeting.slug}/compte-rendu/"
    _log_in(page, live_server, "redactrice", path)
    assert_accessible(page)
    summary = _first_summary(page)
    summary.click()
    summary.press_sequentially("Les professionnels saluent la hausse des arrivées.")
    expect(_status(page)).to_have_text(SAVED, timeout=8000)
    assert _stored_first_summary(meeting) == "Les professionnels saluent la hausse des arrivées."
    page.reload()
    expect(_first_summary(page)).to_have_value("Les professionnels saluent la hausse des arrivées.")
    assert page.locator("#minutes-notice").is_hidden()
    # Saved text leaves nothing behind on this computer.
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('onmt-minutes-')).length") == 0


def test_a_tab_closed_right_after_typing_loses_nothing(live_server, page, meeting):
    path = f"/rencontres/{meeting.slug}/compte-rendu/"
    _log_in(page, live_server, "redactrice", path)
    _first_summary(page).click()
    _first_summary(page).press_sequentially("Dernière phrase tapée avant de fermer.")
    context = page.context
    page.close(run_before_unload=True)
    # Saved on the way out (keepalive), or kept on this computer and put back at the next opening.
    again = context.new_page()
    again.goto(live_server.url + path)
    expect(_first_summary(again)).to_have_value("Dernière phrase tapée avant de fermer.")
    expect(_status(again)).to_have_text(re.compile(r"Enregistré à|Version \d"), timeout=8000)
    again.wait_for_function("!localStorage.length", timeout=8000)
    assert _stored_first_summary(meeting) == "Dernière phrase tapée avant de fermer."
    again.close()


def test_offline_text_is_kept_on_the_computer_and_restored_at_the_next_opening(live_server, page, meeting):
    path = f"/rencontres/{meeting.slug}/compte-rendu/"
    _log_in(page, live_server, "redactrice", path)
    context = page.context
    # Offline for the page and for the requests it sends as it closes.
    context.set_offline(True)
    _first_summary(page).click()
    _first_summary(page).press_sequentially("Texte tapé hors ligne.")
    expect(_status(page)).to_have_text("Hors ligne — gardé sur cet ordinateur", timeout=8000)
    assert _stored_first_summary(meeting) == ""
    page.close()
    context.set_offline(False)
    again = context.new_page()
    again.goto(live_server.url + path)
    expect(again.locator("#minutes-notice")).to_contain_text("Texte non enregistré retrouvé sur cet ordinateur")
    expect(_first_summary(again)).to_have_value("Texte tapé hors ligne.")
    expect(_status(again)).to_have_text(SAVED, timeout=8000)
    assert _stored_first_summary(meeting) == "Texte tapé hors ligne."
    again.close()


def test_an_expired_session_keeps_the_text_and_says_so(live_server, page, meeting):
    path = f"/rencontres/{meeting.slug}/compte-rendu/"
    _log_in(page, live_server, "redactrice", path)
    page.context.clear_cookies()
    _first_summary(page).click()
    _first_summary(page).press_sequentially("Écrit après l'expiration.")
    expect(_status(page)).to_have_text("Session expirée — reconnectez-vous, votre texte est gardé", timeout=8000)
    expect(page.get_by_role("link", name="Se reconnecter (nouvel onglet)")).to_be_visible()
    stored = page.evaluate("JSON.stringify(localStorage)")
    assert "Écrit après l'expiration." in stored


def test_two_editors_of_the_same_text_see_each_other_and_choose(live_server, browser, page, meeting):
    path = f"/rencontres/{meeting.slug}/compte-rendu/"
    _log_in(page, live_server, "nadia", path)
    other_context = browser.new_context(locale="fr-FR", timezone_id="Africa/Casablanca", bypass_csp=True)
    other = other_context.new_page()
    other.set_default_timeout(10_000)
    _log_in(other, live_server, "karim", path)

    _first_summary(page).click()
    _first_summary(page).press_sequentially("Version de Nadia")
    expect(_status(page)).to_have_text(SAVED, timeout=8000)

    _first_summary(other).click()
    _first_summary(other).press_sequentially("Version de Karim")
    conflict = other.locator(".minutes-conflict")
    expect(conflict).to_be_visible(timeout=8000)
    expect(conflict.locator(".conflict-theirs")).to_have_text("Version de Nadia")
    expect(conflict.locator(".conflict-mine")).to_have_text("Version de Karim")
    expect(conflict.locator(".conflict-who")).to_contain_text("Nadia")
    assert _stored_first_summary(meeting) == "Version de Nadia"
    assert_accessible(other)

    conflict.get_by_role("button", name="Garder mon texte").click()
    expect(_status(other)).to_have_text(SAVED, timeout=8000)
    assert _stored_first_summary(meeting) == "Version de Karim"
    assert Minutes.objects.get(meeting=meeting).version == 3
    other_context.close()


@pytest.mark.parametrize(("language", "direction"), [("fr", "ltr"), ("ar", "rtl"), ("en", "ltr")])
def test_the_page_fits_a_phone_and_passes_axe_in_each_language(live_server, phone_page, meeting, language, direction):
    path = f"/rencontres/{meeting.slug}/compte-rendu/"
    _log_in(phone_page, live_server, "redactrice", path)
    phone_page.goto(f"{live_server.url}/langue/?language={language}&next={path}")
    html = phone_page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == (language, direction)
    phone_page.locator(".decision-add > summary").first.click()
    phone_page.locator(".minutes-attendance summary").click()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the minutes page is {width} px wide on a 360 px phone"
    assert_accessible(phone_page)
