"""Journey: a professional on a phone registers to follow a meeting online, opens their join link before
the opening (a countdown, also without script), and is forwarded to the video meeting once it opens."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from meetings.models import AttendanceMode, Meeting, Registration
from meetings.selectors.minutes import meeting_attendance
from meetings.tests.factories import MeetingFactory
from meetings.tokens import join_token_read
from tests.e2e.conftest import CONTEXT, PHONE, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 360
# Seconds between the first visit of the join link and the opening: long enough to see the countdown tick.
OPENS_IN_SECONDS = 8


def test_an_online_attendee_registers_waits_for_the_opening_and_is_forwarded(
    live_server, phone_page, browser, settings
):
    settings.SITE_URL = live_server.url
    settings.MEETINGS_JOIN_OPENS_MINUTES = 15
    meeting = MeetingFactory(title="Rencontre hybride de Dakhla", capacity=40, offers_online=True, online_capacity=None)
    # The "video meeting": any address; here a page of the live server the browser can load.
    video = f"{live_server.url}{meeting.region.get_absolute_url()}?salle=visio"
    Meeting.objects.filter(pk=meeting.pk).update(online_url=video)
    page = phone_page

    # The meeting page: seats per mode, never the video address.
    page.goto(live_server.url + meeting.get_absolute_url())
    assert page.get_by_text("En ligne — places illimitées").first.is_visible()
    assert "salle=visio" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    page.get_by_label("En ligne").check()
    page.get_by_label("Nom complet").fill("Salma Idrissi")
    page.get_by_label("Organisme").fill("Dakhla Kite")
    page.select_option("#id_sector", Registration.Sector.LEISURE)
    page.get_by_label("E-mail").fill("salma@example.ma")
    page.get_by_label("Téléphone").fill("06 12 34 56 78")
    page.locator("#id_consent").check()
    page.get_by_role("button", name="S'inscrire").click()
    page.wait_for_load_state()
    registration = Registration.objects.get(email="salma@example.ma")
    assert registration.mode == AttendanceMode.ONLINE and registration.status == Registration.Status.CONFIRMED
    # The confirmation page gives the join link, not the check-in code.
    join_button = page.get_by_role("link", name="Rejoindre la rencontre en ligne")
    assert join_button.is_visible() and page.locator(".checkin-qr").count() == 0
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    # The confirmation e-mail carries a personal link to the same registration, not the venue (the two
    # links may be signed a second apart, so they are compared by what they open).
    (confirmation,) = [message for message in mail.outbox if message.to[0].endswith("<salma@example.ma>")]
    join_url = re.search(r"http://\S+/inscriptions/rejoindre/(\S+)/", confirmation.body)
    page_token = re.search(r"/inscriptions/rejoindre/(\S+)/$", join_button.get_attribute("href")).group(1)
    assert join_token_read(token=join_url.group(1)) == join_token_read(token=page_token) == registration.public_id
    join_url = join_url.group(0)
    assert "Palais des congrès" not in confirmation.body and "salle=visio" not in confirmation.body

    # The meeting moves to start in a quarter of an hour and a few seconds: the link opens in a few seconds.
    starts_at = timezone.now() + timedelta(minutes=15, seconds=OPENS_IN_SECONDS)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), registration_closes_at=None
    )

    # Without script: the time left, as the server rendered it.
    context = browser.new_context(**CONTEXT, **PHONE, java_script_enabled=False)
    try:
        still = context.new_page()
        still.goto(join_url)
        assert still.get_by_role("heading", name="La visioconférence n'est pas encore ouverte").is_visible()
        assert re.fullmatch(r"00:00:0\d", still.locator("#join-countdown").inner_text())
        assert still.url == join_url
    finally:
        context.close()

    # With script: the countdown ticks, then the page goes on by itself to the video meeting.
    page.goto(join_url)
    counter = page.locator("#join-countdown")
    assert re.fullmatch(r"00:00:0\d", counter.inner_text())
    first = counter.inner_text()
    page.wait_for_function(f"document.getElementById('join-countdown').textContent !== '{first}'")
    assert_accessible(page)
    page.wait_for_url(video, timeout=(OPENS_IN_SECONDS + 10) * 1000)

    # The join is counted: first join time, attended online.
    registration.refresh_from_db()
    assert registration.joined_at is not None and registration.status == Registration.Status.ATTENDED
    online = next(line for line in meeting_attendance(meeting=meeting).by_mode if line.key == AttendanceMode.ONLINE)
    assert (online.registered, online.attended) == (1, 1)
