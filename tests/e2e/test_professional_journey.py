"""Journey 1: a professional, on a phone, in Arabic, registers for a meeting and cancels from the e-mail's link."""

import re

import pytest
from django.core import mail
from django.utils import translation

from meetings.forms import RegistrationForm
from meetings.models import Registration
from meetings.tests.factories import MeetingFactory
from regions.tests.factories import region
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 360


def arabic(text) -> str:
    """`text` (a French msgid or a lazy string) as the Arabic interface shows it."""
    with translation.override("ar"):
        return translation.gettext(text) if isinstance(text, str) else str(text)


def assert_fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_professional_registers_in_arabic_on_a_phone_and_cancels_from_the_email(live_server, phone_page, settings):
    # Links in e-mails point at the server the browser talks to.
    settings.SITE_URL = live_server.url
    dakhla = region(12)
    meeting = MeetingFactory(region=dakhla, title="Rencontre des professionnels de Dakhla", capacity=30)
    page = phone_page

    # The tour page, in French first.
    page.goto(live_server.url + "/tournee/")
    assert page.url == live_server.url + meeting.tour.get_absolute_url()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("link", name=dakhla.name_fr).first.is_visible()
    assert_accessible(page)
    assert_fits_the_phone(page)

    # Switch to Arabic: same page, right to left, Arabic region names and interface.
    page.locator(".language-switch a[lang=ar]").click()
    page.wait_for_load_state()
    assert page.url == live_server.url + meeting.tour.get_absolute_url()
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.get_by_role("link", name=dakhla.name_ar).first.is_visible()
    assert arabic("Les étapes") != "Les étapes"
    assert page.get_by_role("heading", name=arabic("Les étapes")).is_visible()
    assert_accessible(page)
    assert_fits_the_phone(page)

    # The meeting page with its form, labelled in Arabic.
    page.get_by_role("link", name=meeting.title).click()
    page.wait_for_load_state()
    assert page.url == live_server.url + meeting.get_absolute_url()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert_accessible(page)
    assert_fits_the_phone(page)

    fields = RegistrationForm.base_fields
    labels = {name: arabic(fields[name].label) for name in ["full_name", "organisation", "email", "phone"]}
    assert all(label != str(fields[name].label) for name, label in labels.items()), "Arabic labels missing"
    # A first try without consent is refused, with the error next to the box.
    page.get_by_label(labels["full_name"]).fill("سعاد الفاسي")
    page.get_by_label(labels["organisation"]).fill("فندق الداخلة")
    page.select_option("#id_sector", Registration.Sector.LODGING)
    page.get_by_label(labels["email"]).fill("souad@example.ma")
    page.get_by_label(labels["phone"]).fill("06 12 34 56 78")
    submit = page.get_by_role("button", name=arabic("S'inscrire"))
    submit.click()
    page.wait_for_load_state()
    consent_error = arabic(fields["consent"].error_messages["required"])
    assert page.get_by_text(consent_error, exact=True).is_visible()
    # …and summed up at the top of the form, as a link to the box.
    assert page.locator(".error-summary a[href='#id_consent']").is_visible()
    # The error is tied to its box, so a screen reader announces it there.
    described_by = page.locator("#id_consent").get_attribute("aria-describedby")
    assert page.locator(f"#{described_by}").inner_text() == consent_error
    assert page.locator("#id_consent").get_attribute("aria-invalid") == "true"
    assert not Registration.objects.exists()
    assert_accessible(page)
    assert_fits_the_phone(page)

    # The form kept what was typed; consent, then register.
    assert page.get_by_label(labels["email"]).input_value() == "souad@example.ma"
    page.locator("#id_consent").check()
    page.get_by_role("button", name=arabic("S'inscrire")).click()
    page.wait_for_load_state()

    # The confirmation page.
    assert page.get_by_role("heading", name=arabic("Inscription confirmée")).is_visible()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert_accessible(page)
    assert_fits_the_phone(page)
    registration = Registration.objects.get(meeting=meeting, email="souad@example.ma")
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.language == "ar"
    assert registration.phone == "+212612345678"

    # The confirmation e-mail, in Arabic, carries the personal manage link.
    confirmations = [message for message in mail.outbox if message.to[0].endswith("<souad@example.ma>")]
    assert len(confirmations) == 1, [message.subject for message in mail.outbox]
    email = confirmations[0]
    html_body = next(content for content, mimetype in email.alternatives if mimetype == "text/html")
    assert 'dir="rtl"' in html_body
    links = set(re.findall(re.escape(live_server.url) + r"/inscriptions/gerer/[^\s\"<>]+", email.body))
    assert len(links) == 1, links
    (manage_link,) = links
    assert registration.manage_secret in manage_link

    # The manage page from the e-mail, then cancel.
    page.goto(manage_link)
    assert page.get_by_role("heading", name=arabic("Mon inscription"), exact=True).is_visible()
    assert_accessible(page)
    assert_fits_the_phone(page)
    page.get_by_role("link", name=arabic("Annuler mon inscription…")).click()
    page.wait_for_load_state()
    # One more step, with the way back: nothing is cancelled by a stray tap.
    assert page.get_by_role("link", name=arabic("Non, garder mon inscription")).is_visible()
    assert_accessible(page)
    assert_fits_the_phone(page)
    page.get_by_role("button", name=arabic("Oui, annuler")).click()
    page.wait_for_load_state()
    assert page.get_by_role("status").get_by_text(arabic("Votre inscription est annulée.")).is_visible()
    assert page.get_by_text(arabic("Cette inscription est annulée.")).is_visible()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert_accessible(page)

    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    assert registration.cancelled_at is not None
    assert Registration.objects.filter(meeting=meeting).exclude(status=Registration.Status.CANCELLED).count() == 0
