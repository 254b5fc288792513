"""Journey 3: ONMT staff schedule a meeting in the admin, publish it and send the invitations."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory, TourFactory
from messaging.models import OutboundMessage
from regions.models import Contact
from regions.tests.factories import ContactFactory, UserFactory, region
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-onmt-2026"
TITLE = "Rencontre des professionnels de Béni Mellal"


def run_action(page, meeting: Meeting, action: str):
    page.locator(f"input[name=_selected_action][value='{meeting.pk}']").check()
    page.select_option("select[name=action]", action)
    page.locator("button[name=index]").click()
    page.wait_for_load_state()


def test_staff_schedule_publish_and_invite(live_server, page, settings):
    settings.SITE_URL = live_server.url
    beni_mellal = region(5)
    tour = TourFactory()
    # The delegation is elsewhere the day before: the new meeting must not overlap it.
    day = timezone.localdate() + timedelta(days=40)
    MeetingFactory(tour=tour, region=region(12), starts_at=timezone.now() + timedelta(days=39))
    invited = [
        ContactFactory(region=beni_mellal, full_name="Nadia Berrada", email="nadia@crt-bmk.ma"),
        ContactFactory(
            region=beni_mellal,
            kind=Contact.Kind.ASSOCIATION,
            full_name="Hassan Ouali",
            email="hassan@hotels-bmk.ma",
            language="ar",
        ),
    ]
    ContactFactory(region=beni_mellal, full_name="Pas invité", email="non@crt-bmk.ma", invite=False)
    ContactFactory(region=region(9), full_name="Autre région", email="autre@crt-souss.ma")
    UserFactory(username="planif", password=PASSWORD, is_staff=True, is_superuser=True)

    # Log into the admin.
    page.goto(live_server.url + "/admin/")
    page.locator("#id_username").fill("planif")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_load_state()
    assert page.url == live_server.url + "/admin/"

    # Schedule the meeting with the add form (a draft).
    page.goto(live_server.url + "/admin/meetings/meeting/add/")
    page.select_option("#id_tour", str(tour.pk))
    page.select_option("#id_region", str(beni_mellal.pk))
    page.select_option("#id_kind", Meeting.Kind.PROFESSIONALS)
    page.locator("#id_title_fr").press_sequentially(TITLE)
    assert page.locator("#id_slug").input_value() == "rencontre-des-professionnels-de-beni-mellal"
    page.locator("#id_starts_at_0").fill(day.strftime("%d/%m/%Y"))
    page.locator("#id_starts_at_1").fill("09:30")
    page.locator("#id_ends_at_0").fill(day.strftime("%d/%m/%Y"))
    page.locator("#id_ends_at_1").fill("13:00")
    page.locator("#id_venue_name_fr").fill("Hôtel Chems")
    page.locator("#id_address_fr").fill("Avenue des FAR")
    page.locator("#id_city_fr").fill("Béni Mellal")
    page.locator("#id_capacity").fill("80")
    page.locator("input[name=_save]").click()
    page.wait_for_load_state()
    assert page.locator(".errornote").count() == 0, page.locator(".errorlist").all_inner_texts()
    assert page.url == live_server.url + "/admin/meetings/meeting/"
    meeting = Meeting.objects.get(slug="rencontre-des-professionnels-de-beni-mellal")
    assert (meeting.status, meeting.region, meeting.capacity) == (Meeting.Status.DRAFT, beni_mellal, 80)
    local_start = timezone.localtime(meeting.starts_at)
    assert (local_start.date(), local_start.strftime("%H:%M")) == (day, "09:30")

    # A draft is not public: the invitations page says so before anything goes, and sends nothing.
    assert page.request.get(live_server.url + meeting.get_absolute_url()).status == 404
    run_action(page, meeting, "send_invitations")
    assert page.locator(".messagelist .warning").get_by_text("Seule une rencontre publiée").is_visible()
    page.get_by_role("button", name="Inviter").click()
    page.wait_for_load_state()
    assert page.locator("ul.errornote").get_by_text("Seule une rencontre publiée").is_visible()
    assert not OutboundMessage.objects.filter(kind=OutboundMessage.Kind.INVITATION).exists()
    page.goto(live_server.url + "/admin/meetings/meeting/")

    # Publish it with the admin action.
    run_action(page, meeting, "publish")
    assert page.locator(".messagelist .success").get_by_text("1 rencontre publiée.").is_visible()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PUBLISHED

    # The invitations: first who gets one and what it says, then one per contact to invite, in their language.
    run_action(page, meeting, "send_invitations")
    preview = page.locator(".invitations-preview")
    assert "2 contacts à inviter" in preview.inner_text()
    assert "hassan@hotels-bmk.ma" in preview.inner_text() and "nadia@crt-bmk.ma" in preview.inner_text()
    assert TITLE in preview.locator(".invitation-text").inner_text()
    assert page.locator(".messagelist .warning").count() == 0
    assert_accessible(page)
    page.get_by_role("button", name="Inviter").click()
    page.wait_for_load_state()
    assert page.locator(".messagelist .info").get_by_text("2 nouvelles invitations, envoi maintenant.").is_visible()
    invitations = OutboundMessage.objects.filter(kind=OutboundMessage.Kind.INVITATION, meeting=meeting)
    assert sorted(invitations.values_list("recipient_email", "language")) == [
        ("hassan@hotels-bmk.ma", "ar"),
        ("nadia@crt-bmk.ma", "fr"),
    ]
    assert {message.contact_id for message in invitations} == {contact.pk for contact in invited}
    assert all(message.status == OutboundMessage.Status.SENT for message in invitations)
    sent_to = sorted(address for message in mail.outbox for address in message.to if "bmk.ma" in address)
    assert [address.split("<")[-1].rstrip(">") for address in sent_to] == ["hassan@hotels-bmk.ma", "nadia@crt-bmk.ma"]
    # Each invitation carries a personal registration link to the public meeting page.
    nadia = next(message for message in mail.outbox if "nadia@crt-bmk.ma" in message.to[0])
    assert f"{live_server.url}/inscriptions/{meeting.slug}/?invitation=" in nadia.body

    # Sending again adds nobody, and the page said so before.
    page.goto(live_server.url + "/admin/meetings/meeting/")
    run_action(page, meeting, "send_invitations")
    assert preview.get_by_text("déjà invité(e) : pas de second envoi").count() == 2
    page.get_by_role("button", name="Inviter").click()
    page.wait_for_load_state()
    assert page.locator(".messagelist .info").get_by_text("0 nouvelle invitation, envoi maintenant.").is_visible()
    assert invitations.count() == 2

    # The published meeting is now public and accessible.
    page.goto(live_server.url + meeting.get_absolute_url())
    assert page.get_by_role("heading", name=TITLE).is_visible()
    assert_accessible(page)
