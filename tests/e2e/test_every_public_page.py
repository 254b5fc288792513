"""Every public page (tests/public_pages.py), in French, Arabic and English, on a 1366 px desktop and a
360 px phone: no serious or critical accessibility violation (axe-core), and whatever scrolls sideways
can be scrolled from the keyboard.

One browser, one tab per width and language (each its own context, with its language cookie): each page
is opened in the six tabs, then axe-core runs in all six at once, the browser's processes sharing the
cores. Every violation of every page is reported at once.
"""

from contextlib import nullcontext
from itertools import product

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client

from tests.e2e.conftest import AXE_SCRIPT, CONTEXT, DESKTOP, PHONE, axe_start, axe_violations
from tests.public_pages import LANGUAGES, STANDALONE_ERROR_PAGES, PublicPage, page_html, public_pages, public_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"1366 px": DESKTOP, "360 px": PHONE}
# What scrolls sideways must take the keyboard's focus to be scrolled by it, and say what it holds
# (a named region, as templates/regions/roadmap_summary.html does for its table).
SIDEWAYS_WITHOUT_KEYBOARD = """() => [...document.querySelectorAll('body *')]
  .filter((element) => ['auto', 'scroll'].includes(getComputedStyle(element).overflowX)
    && element.scrollWidth > element.clientWidth + 1)
  .filter((element) => element.tabIndex < 0 || !element.getAttribute('role')
    || !(element.getAttribute('aria-label') || element.getAttribute('aria-labelledby')))
  .map((element) => element.outerHTML.slice(0, 160))"""


def _show(tab, url: str, html: str | None, status: int) -> None:
    """Open `url`, or show `html` there (its style sheets and scripts loaded from the live server)."""
    if html is None:
        tab.goto(url)
        return
    tab.route(url, lambda route: route.fulfill(body=html, status=status, content_type="text/html; charset=utf-8"))
    tab.goto(url)
    tab.unroute(url)


def _visits(world, language: str) -> list[tuple[PublicPage | None, str, str | None]]:
    """Each page with its path and, for a page only a POST shows, the HTML the test client received."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    visits = [(page, page.path, None if page.browsable else page_html(client, page)) for page in public_pages(world)]
    return visits + [(None, f"/{template}", render_to_string(template)) for template in STANDALONE_ERROR_PAGES]


def _check(live_server, tabs, visits, number: int) -> list[str]:
    """Open the page `number` in every tab, run axe-core in all of them at once, then describe what it found."""
    for (_width, language), tab in tabs.items():
        page, path, html = visits[language][number]
        with page.during() if page else nullcontext():
            _show(tab, live_server.url + path, html, page.status if page else 500)
        axe_start(tab)
    failures = []
    for (width, language), tab in tabs.items():
        page, path, _html = visits[language][number]
        problems = axe_violations(tab) + [
            f"scrolls sideways, not from the keyboard: {html}" for html in tab.evaluate(SIDEWAYS_WITHOUT_KEYBOARD)
        ]
        failures += [f"{page.name if page else path} [{language}, {width}] {path}: {p}" for p in problems]
    return failures


def test_every_public_page_is_accessible_on_a_desktop_and_a_phone(live_server, browser):
    world = public_world()
    visits = {language: _visits(world, language) for language in LANGUAGES}
    tabs = {}
    for (width, options), language in product(WIDTHS.items(), LANGUAGES):
        context = browser.new_context(**CONTEXT, **options)
        context.add_init_script(path=AXE_SCRIPT)
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        tabs[width, language] = context.new_page()

    try:
        failures = [
            failure for number in range(len(visits["fr"])) for failure in _check(live_server, tabs, visits, number)
        ]
    finally:
        for tab in tabs.values():
            tab.context.close()
    assert not failures, f"{len(failures)} accessibility failures:\n" + "\n".join(failures)


def test_the_roadmap_table_scrolls_sideways_from_the_keyboard_on_a_phone(live_server, phone_page):
    public_world()
    phone_page.goto(f"{live_server.url}/regions/dakhla-oued-ed-dahab/feuille-de-route/")
    table = phone_page.get_by_role("region", name="Actions de la feuille de route de la région")
    assert table.evaluate("element => element.scrollWidth > element.clientWidth"), "nothing to scroll at 360 px"
    for _ in range(60):
        phone_page.keyboard.press("Tab")
        if table.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("the table's region never takes the keyboard's focus")
    phone_page.keyboard.press("ArrowRight")
    # Chromium scrolls for the keyboard with an animation: the table moves a moment after the key.
    phone_page.wait_for_function("element => element.scrollLeft > 0", arg=table.element_handle(), timeout=5000)


def test_the_checks_find_what_they_look_for(live_server, phone_page):
    """Negative control: an image without a text alternative and a table scrolling sideways out of the
    keyboard's reach are both reported, so that no failure above means something."""
    html = (
        '<!doctype html><html lang="fr"><title>Contrôle</title><main><img src="/static/img/favicon.svg">'
        '<div style="overflow-x:auto"><table><tr><td style="white-space:nowrap">'
        + "Une ligne bien trop longue pour un téléphone. " * 10
        + "</td></tr></table></div></main></html>"
    )
    _show(phone_page, f"{live_server.url}/controle/", html, 200)
    axe_start(phone_page)
    found = {violation.split(" ")[0] for violation in axe_violations(phone_page)}
    assert found == {"image-alt", "scrollable-region-focusable"}
    assert len(phone_page.evaluate(SIDEWAYS_WITHOUT_KEYBOARD)) == 1
