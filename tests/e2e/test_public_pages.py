import pytest

from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_on_a_phone_switches_to_arabic_right_to_left(live_server, phone_page):
    phone_page.goto(live_server.url + "/")
    assert phone_page.locator("html").get_attribute("lang") == "fr"
    assert phone_page.locator(".region-card").count() == 12
    assert_accessible(phone_page)
    # Nothing may overflow a 360 px wide screen.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360

    phone_page.locator(".language-switch a[lang=ar]").click()
    phone_page.wait_for_load_state()
    assert phone_page.locator("html").get_attribute("dir") == "rtl"
    assert phone_page.locator("html").get_attribute("lang") == "ar"
    assert phone_page.url.rstrip("/") == live_server.url
    assert_accessible(phone_page)
