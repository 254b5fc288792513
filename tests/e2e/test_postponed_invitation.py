"""A postponed meeting with its new date: staff see who is invited and what the message says, send the
invitations, and a professional following one registers for the new date."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from meetings.models import Meeting, Registration
from meetings.tests.factories import MeetingFactory
from regions.tests.factories import ContactFactory, UserFactory, region
from tests.e2e.conftest import assert_accessible, log_in
from tests.e2e.test_staff_journey import run_action

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-onmt-2026"


def test_invitations_of_a_postponed_meeting_lead_to_a_registration_for_its_new_date(live_server, page, settings):
    settings.SITE_URL = live_server.url
    new_date = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=55)
    meeting = MeetingFactory(
        region=region(9),
        status=Meeting.Status.POSTPONED,
        title="Rencontre des professionnels du Souss-Massa",
        starts_at=new_date,
        ends_at=new_date + timedelta(hours=3),
    )
    ContactFactory(region=meeting.region, full_name="Samira Alaoui", email="samira@hotels-agadir.ma")
    UserFactory(username="planif", password=PASSWORD, is_staff=True, is_superuser=True)
    log_in(page, live_server, "planif", PASSWORD)

    page.goto(live_server.url + "/admin/meetings/meeting/")
    run_action(page, meeting, "send_invitations")
    preview = page.locator(".invitations-preview")
    # Who gets one and what it says, before anything goes; nothing warns: the new date takes registrations.
    assert "samira@hotels-agadir.ma" in preview.inner_text()
    assert meeting.title in preview.locator(".invitation-text").inner_text()
    assert page.locator(".messagelist .warning").count() == 0
    assert_accessible(page)
    page.get_by_role("button", name="Inviter").click()
    page.wait_for_load_state()
    assert page.locator(".messagelist .info").get_by_text("1 nouvelle invitation").is_visible()

    invitation = next(message for message in mail.outbox if "samira@hotels-agadir.ma" in message.to[0])
    link = re.search(rf"{re.escape(live_server.url)}/inscriptions/{meeting.slug}/\?invitation=\S+", invitation.body)
    assert link is not None, invitation.body
    page.context.clear_cookies()
    page.goto(link[0])
    assert page.get_by_role("heading", name="Inscription", exact=True).is_visible()
    assert page.get_by_text(meeting.title).first.is_visible()
    page.locator("#id_full_name").fill("Samira Alaoui")
    page.locator("#id_organisation").fill("Hôtel Atlas Agadir")
    page.locator("#id_sector").select_option(Registration.Sector.LODGING)
    page.locator("#id_email").fill("samira@hotels-agadir.ma")
    page.locator("#id_phone").fill("0612345678")
    page.locator("#id_consent").check()
    page.get_by_role("button", name="S'inscrire").click()
    page.wait_for_load_state()
    registration = Registration.objects.get(meeting=meeting, email="samira@hotels-agadir.ma")
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.invited_contact is not None
