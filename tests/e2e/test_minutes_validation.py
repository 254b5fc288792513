"""The CRT's co-signature of the minutes in a browser: the validator's link, the official's and the staff's pages."""

import pytest

from meetings.models import Minutes, MinutesValidation
from meetings.services.validation import minutes_send_for_validation
from meetings.tests.test_validation import held_meeting_with_minutes
from meetings.tokens import minutes_validation_token_make
from regions.tests.factories import OfficialFactory, UserFactory
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "un-mot-de-passe-du-crt-2026"


def sent_minutes():
    """Minutes of a held meeting sent to the CRT's president (who has a login), and staff with a login."""
    minutes = held_meeting_with_minutes()
    president = OfficialFactory(
        region=minutes.meeting.region,
        full_name="Brahim Salem",
        role="Président du CRT",
        user=UserFactory(username="crt-dakhla", password=PASSWORD),
    )
    staff = UserFactory(username="onmt-staff", password=PASSWORD, is_staff=True)
    version = minutes_send_for_validation(minutes=minutes, validator=president, actor=staff)
    token = minutes_validation_token_make(version_id=version.pk, contact_id=president.pk)
    link = f"/compte-rendu/signature/{token}/"
    return minutes, version, link


def log_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/comptes/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def switch_language(page, language: str) -> None:
    if language != "fr":
        page.locator(f".language-switch a[lang={language}]").click()
        page.wait_for_load_state()


def test_the_validator_refuses_without_a_comment_then_validates_by_the_link(live_server, page):
    minutes, version, link = sent_minutes()
    page.goto(live_server.url + link)
    assert "Séance de travail avec le CRT de Dakhla" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_text("Campagne Dakhla sur le marché français").is_visible()
    assert page.get_by_text(version.content_hash).is_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Refuser").click()
    page.wait_for_load_state()
    assert page.get_by_text("Dites ce qui doit changer dans le compte rendu.").is_visible()
    assert not MinutesValidation.objects.exists()
    assert_accessible(page)

    page.get_by_role("button", name="Valider", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("Merci : vous avez validé le compte rendu au nom du CRT.").is_visible()
    assert page.get_by_text("Une seule réponse est possible par version.").is_visible()
    assert page.get_by_role("button", name="Valider", exact=True).count() == 0
    assert Minutes.objects.get(pk=minutes.pk).status == Minutes.Status.VALIDATED
    assert MinutesValidation.objects.get().channel == MinutesValidation.Channel.LINK


@pytest.mark.parametrize(("language", "direction"), [("fr", "ltr"), ("ar", "rtl"), ("en", "ltr")])
def test_the_validation_pages_fit_a_phone_and_pass_axe_in_each_language(live_server, phone_page, language, direction):
    minutes, _version, link = sent_minutes()
    page = phone_page
    slug = minutes.meeting.slug
    pages = [
        (None, link),
        ("crt-dakhla", f"/rencontres/{slug}/compte-rendu/relecture/"),
        ("onmt-staff", f"/rencontres/{slug}/compte-rendu/validation/"),
    ]
    for username, path in pages:
        page.context.clear_cookies()
        if username:
            log_in(page, live_server.url, username)
        page.goto(live_server.url + path)
        switch_language(page, language)
        html = page.locator("html")
        assert (html.get_attribute("lang"), html.get_attribute("dir")) == (language, direction), path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width} px wide on a 360 px phone"
        assert_accessible(page)
