"""Every public page on a 360 px phone in French, Arabic and English; keyboard focus that shows."""

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from meetings.tests.factories import AgendaItemFactory, MeetingFactory
from regions.tests.factories import region
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WHITE = "rgb(255, 255, 255)"


@pytest.mark.parametrize(("language", "direction"), [("fr", "ltr"), ("ar", "rtl"), ("en", "ltr")])
def test_public_pages_fit_a_phone_and_pass_axe_in_each_language(live_server, phone_page, language, direction):
    souss = region(9)
    meeting = MeetingFactory(region=souss, title="Rencontre des professionnels d'Agadir", city="Agadir")
    AgendaItemFactory(meeting=meeting, title="Plan stratégique de relance")
    page = phone_page

    page.goto(live_server.url + "/")
    if language != "fr":
        page.locator(f".language-switch a[lang={language}]").click()
        page.wait_for_load_state()

    with translation.override(language):
        region_name = souss.name
        # Dates in the words of the language (month names), in Morocco's time.
        meeting_date = date_format(timezone.localtime(meeting.starts_at), "j F Y")
        tour_start = date_format(meeting.tour.starts_on, "j F Y")
    pages = {
        "/": None,
        meeting.tour.get_absolute_url(): tour_start,
        souss.get_absolute_url(): region_name,
        meeting.get_absolute_url(): meeting_date,
        f"/inscriptions/{meeting.slug}/": meeting_date,
        "/inscriptions/confidentialite/": None,
        "/comptes/login/": None,
        "/comptes/password_reset/": None,
        "/page-qui-n-existe-pas/": None,
    }
    for path, expected_text in pages.items():
        page.goto(live_server.url + path)
        html = page.locator("html")
        assert (html.get_attribute("lang"), html.get_attribute("dir")) == (language, direction), path
        if expected_text:
            assert expected_text in page.locator("main").inner_text(), (path, expected_text)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width} px wide on a 360 px phone"
        assert_accessible(page)


def test_keyboard_users_see_where_the_focus_is(live_server, page):
    MeetingFactory()
    page.goto(live_server.url + "/")

    # The first Tab reaches the skip link, shown on screen; following it moves to the content.
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("element => element === document.activeElement")
    box = skip.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # Every link and control of the header shows a ring that stands out from the red header.
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    seen = 0
    for _ in range(10):
        page.keyboard.press("Tab")
        style = page.evaluate(
            """() => {
                const element = document.activeElement;
                const css = getComputedStyle(element);
                return {inHeader: !!element.closest('.site-header'), style: css.outlineStyle,
                        width: parseFloat(css.outlineWidth), color: css.outlineColor};
            }"""
        )
        if not style["inHeader"]:
            break
        seen += 1
        assert style["style"] == "solid" and style["width"] >= 2, style
        assert style["color"] == WHITE, style
    # Brand, CRT area, language select and its button at least.
    assert seen >= 4

    # In the content, the ring is the blue one.
    first_content_link = page.locator("main a").first
    first_content_link.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    outline = first_content_link.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline == "solid"


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_map_regions_are_links_a_keyboard_reaches_named_in_the_page_language(live_server, page, language):
    meeting = MeetingFactory(region=region(12))
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(live_server.url + meeting.tour.get_absolute_url())
    with translation.override(language):
        dakhla = region(12).name

    links = page.locator(".region-map a.map-region")
    assert links.count() == 12
    first = links.first
    assert first.get_attribute("aria-label").startswith(f"1. {dakhla} — ")
    # Tab until the first region of the map has the focus, then follow it with Enter.
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('map-region')"):
            break
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == first.get_attribute("aria-label")
    focus_ring = page.evaluate("getComputedStyle(document.activeElement.querySelector('path')).strokeWidth")
    assert focus_ring == "7px"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{region(12).get_absolute_url()}")
    assert_accessible(page)
