"""The messages as a real SMTP server receives them: Message-ID, automated-mail headers, one-click unsubscribe."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from api.delivery import webhook_delivery_attempt
from api.models import Webhook, WebhookDelivery
from api.webhooks import webhook_create
from core.storage import private_storage
from meetings.documents import minutes_validated_messages_queue
from meetings.models import ConsultationAnswer, Meeting, MinutesValidation, Registration
from meetings.services import campaigns
from meetings.services import consultation as consultation_services
from meetings.services import meeting as meeting_services
from meetings.services import registration as registration_services
from meetings.services import validation as validation_services
from meetings.tests.document_factories import MinutesFactory, minutes_validate
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from meetings.tests.test_validation import held_meeting_with_minutes
from messaging import sending
from messaging.models import OutboundMessage, Unsubscription
from messaging.tests.factories import OutboundMessageFactory
from messaging.tokens import unsubscribe_token_make
from regions.models import Contact
from regions.tests.factories import ContactFactory, OfficialFactory, UserFactory
from roadmap.models import ItemResponsible, MonthlyReport, NoticeFrequency
from roadmap.notifications import digests_send, due_reminders_send, notification_preference_update
from roadmap.proposals import proposal_link
from roadmap.reports import monthly_report_messages_queue
from roadmap.selectors import last_month, monthly_report_content
from roadmap.services import roadmap_item_update
from roadmap.tests.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db

Kind = OutboundMessage.Kind
BULK = {Kind.INVITATION, Kind.REMINDER, Kind.FOLLOW_UP, Kind.FOLLOW_UP_ABSENT, Kind.ROADMAP_REVIEW, Kind.CONSULTATION}


def _send_everything() -> None:
    ids = list(OutboundMessage.objects.filter(status=OutboundMessage.Status.QUEUED).values_list("pk", flat=True))
    assert sending.messages_send_batch(message_ids=ids) == []


def _register(meeting: Meeting, email: str, language: str = "fr") -> Registration:
    return registration_services.registration_create(
        meeting_id=meeting.pk,
        full_name="Nadia Benali",
        organisation="Dakhla Attitude",
        sector=Registration.Sector.LODGING,
        email=email,
        phone="+212612345678",
        language=language,
    ).registration


def _every_kind_of_message() -> None:
    """One message of every kind, each through the flow that sends it."""
    meeting = MeetingFactory(capacity=1, confirm_waitlist_directly=False)
    guest = ContactFactory(region=meeting.region, invite=True, email="invite@crt.ma", language="en")
    campaigns.invitations_send(meeting_id=meeting.pk)  # invitation
    first = _register(meeting, "first@example.ma")  # confirmation
    second = _register(meeting, "second@example.ma", language="ar")  # waitlisted
    _register(meeting, "first@example.ma")  # manage_link
    registration_services.registration_cancel(registration_id=first.pk)  # cancellation, seat_offer
    registration_services.registration_offer_accept(registration_id=second.pk)  # confirmation
    reminder = campaigns.reminders_create_defaults(meeting=meeting)[0]
    reminder.include_invited = True
    reminder.save()
    assert campaigns.reminders_send_due(now=meeting.starts_at - timedelta(days=1)) == 1  # reminder, reminder_invited
    meeting_services.meeting_postpone(
        meeting=meeting, starts_at=meeting.starts_at + timedelta(days=3), ends_at=meeting.ends_at + timedelta(days=3)
    )  # meeting_postponed
    meeting_services.meeting_cancel(meeting=meeting)  # meeting_cancelled
    past = timezone.now() - timedelta(days=2)
    held = MeetingFactory(starts_at=past, ends_at=past + timedelta(hours=3), status=Meeting.Status.HELD)
    RegistrationFactory(meeting=held, status=Registration.Status.ATTENDED)
    RegistrationFactory(meeting=held, status=Registration.Status.CONFIRMED)
    ContactFactory(region=held.region, kind=Contact.Kind.CRT_MEMBER)
    assert campaigns.follow_ups_send() == 1  # follow_up, follow_up_absent, roadmap_review
    validation = minutes_validate(MinutesFactory(meeting=held))
    assert minutes_validated_messages_queue(version_id=validation.version.pk)  # minutes_validated, with its PDF
    assert guest.pk
    minutes = held_meeting_with_minutes(region_number=9)
    validator = ContactFactory(region=minutes.meeting.region, language="en")
    version = validation_services.minutes_send_for_validation(
        minutes=minutes, validator=validator, actor=UserFactory(is_staff=True)
    )  # minutes_validation
    validation_services.minutes_validate(
        version=version, contact=validator, channel=MinutesValidation.Channel.LINK
    )  # minutes_answer
    staff = UserFactory(is_staff=True, email="responsable@onmt.ma")
    item = RoadmapItemFactory(region=minutes.meeting.region, due_on=timezone.localdate() + timedelta(days=2))
    ItemResponsible.objects.create(item=item, user=staff)
    late = RoadmapItemFactory(region=minutes.meeting.region, due_on=timezone.localdate() - timedelta(days=1))
    ItemResponsible.objects.create(item=late, user=staff)
    OfficialFactory(region=item.region)
    weekly = OfficialFactory(region=item.region)
    notification_preference_update(user=weekly.user, frequency=NoticeFrequency.WEEKLY)
    roadmap_item_update(actor=staff, item=item, data={"progress": 40})  # roadmap_change
    assert digests_send(now=timezone.now() + timedelta(days=8)) == 1  # roadmap_digest
    assert due_reminders_send() == 2  # roadmap_due_soon, roadmap_overdue
    # A partner's webhook at an address refused when posting (registered while allowed), one failure short of
    # being disabled: webhook_disabled.
    with override_settings(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=True):
        hook = webhook_create(
            user=staff, name="Tableau de bord", url="http://127.0.0.1:9/", events=["meeting.published"]
        )
    Webhook.objects.filter(pk=hook.pk).update(consecutive_failures=settings.WEBHOOK_DISABLE_AFTER_FAILURES - 1)
    meeting_services.meeting_publish(meeting=MeetingFactory(status=Meeting.Status.DRAFT))
    webhook_delivery_attempt(delivery_id=WebhookDelivery.objects.get(webhook=hook).pk)
    soon = timezone.now() + timedelta(days=2)
    consulted = MeetingFactory(starts_at=soon, ends_at=soon + timedelta(hours=3))
    RegistrationFactory(meeting=consulted, email="consulte@example.ma")
    assert consultation_services.consultations_send_due() >= 1  # consultation
    answer = ConsultationAnswer.objects.get(meeting=consulted)
    consultation_services.consultation_answer_save(
        answer_id=answer.pk, version=0, markets=[], product_lines=[], obstacles=[], obstacle_other="", proposal="Idée"
    )
    decided = RoadmapItemFactory(region=consulted.region)
    proposal_link(actor=staff, answer_id=answer.pk, item_id=decided.pk)  # proposal_outcome
    report = MonthlyReport.objects.create(
        period=last_month(today=timezone.localdate()),
        state=MonthlyReport.State.READY,
        pdf_fr=private_storage().save("reports/fr.pdf", ContentFile(b"%PDF-1.7\n%%EOF\n")),
    )
    with override_settings(ROADMAP_MONTHLY_REPORT_RECIPIENTS=["cabinet@tourisme.gov.ma"]):
        monthly_report_messages_queue(report=report, content=monthly_report_content(period=report.period))


def test_every_kind_carries_a_random_message_id_and_the_automated_mail_headers(
    smtp, settings, private_media, django_capture_on_commit_callbacks
):
    _every_kind_of_message()
    _send_everything()
    rows = {str(row.pk): row for row in OutboundMessage.objects.all()}
    assert {row.kind for row in rows.values()} == set(Kind)
    assert len(smtp.received) == len(rows)
    for received in smtp.received:
        row = rows[received["X-ONMT-Message"]]
        assert received["Message-ID"] == f"<{row.message_key}@onmt.ma>", row.kind
        assert received["Auto-Submitted"] == "auto-generated"
        assert received["Reply-To"] == "=?utf-8?q?=C3=89quipe_de_la_tourn=C3=A9e?= <contact-tournee@onmt.ma>"
        assert received["Content-Language"] == row.language
        if row.kind in BULK:
            url = f"{reverse('messaging:unsubscribe', args=[unsubscribe_token_make(email=row.recipient_email)])}"
            # Long header lines are folded on the wire; a mail client unfolds them.
            assert "".join(received["List-Unsubscribe"].split()) == f"<{settings.SITE_URL}{url}>"
            assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            text = next(part for part in received.walk() if part.get_content_type() == "text/plain")
            assert url in text.get_payload(decode=True).decode(), row.kind
        elif row.unsubscribe_url:
            # A list of the sender's own (the roadmap's notices and reminders): its link, the same one-click POST.
            assert "".join(received["List-Unsubscribe"].split()) == f"<{row.unsubscribe_url}>", row.kind
            assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            text = next(part for part in received.walk() if part.get_content_type() == "text/plain")
            assert row.unsubscribe_url in text.get_payload(decode=True).decode(), row.kind
        else:
            assert received["List-Unsubscribe"] is None, row.kind
    assert len({received["Message-ID"] for received in smtp.received}) == len(rows)


def test_a_message_with_the_row_id_of_another_database_has_another_message_id(smtp):
    first = OutboundMessageFactory(message_key=None)
    _send_everything()
    first_id = smtp.received[0]["Message-ID"]
    # The next tour's instance, or a reinstall: row ids start again, a different message gets the same id.
    OutboundMessage.objects.all().delete()
    OutboundMessageFactory(pk=first.pk, recipient_email=first.recipient_email)
    _send_everything()
    assert smtp.received[1]["X-ONMT-Message"] == smtp.received[0]["X-ONMT-Message"] == str(first.pk)
    assert smtp.received[1]["Message-ID"] != first_id


@pytest.mark.parametrize("stored_with_a_key", [True, False])
def test_the_message_id_is_the_same_on_the_attempt_after_a_refusal(smtp, stored_with_a_key):
    message = OutboundMessageFactory(**({} if stored_with_a_key else {"message_key": None}))
    smtp.fail_next = 1  # 451: try again later
    assert sending.messages_send_batch(message_ids=[message.pk]) == [message.pk]
    message.refresh_from_db()
    key = message.message_key
    assert key is not None and smtp.received == []
    assert sending.messages_send_batch(message_ids=[message.pk]) == []
    assert smtp.received[0]["Message-ID"] == f"<{key}@onmt.ma>"


def test_one_click_unsubscribe_without_session_or_csrf_then_no_bulk_message_but_the_cancellation(
    smtp, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory()
    contact = ContactFactory(region=meeting.region, invite=True, email="hotel@dakhla.ma")
    other = ContactFactory(region=meeting.region, invite=True, email="agence@dakhla.ma")
    registration = _register(meeting, contact.email)
    campaigns.reminders_create_defaults(meeting=meeting)
    url = reverse("messaging:unsubscribe", args=[unsubscribe_token_make(email="Hotel@Dakhla.ma")])
    # What a mailbox provider sends (RFC 8058): a POST, no cookie, no CSRF token.
    answer = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert Unsubscription.objects.filter(email="hotel@dakhla.ma").exists()
    assert Client().get(url.replace("/desabonnement/", "/desabonnement/x")).status_code == 404

    campaigns.invitations_send(meeting_id=meeting.pk)
    campaigns.reminders_send_due(now=meeting.starts_at - timedelta(hours=1))
    past = timezone.now() - timedelta(days=2)
    held = MeetingFactory(starts_at=past, ends_at=past + timedelta(hours=3), status=Meeting.Status.HELD)
    RegistrationFactory(meeting=held, email=contact.email, status=Registration.Status.ATTENDED)
    campaigns.follow_ups_send()
    meeting_services.meeting_cancel(meeting=meeting)
    _send_everything()
    kinds_to = {}
    for received in smtp.received:
        to = str(received["To"]).split("<")[-1].rstrip(">")
        kinds_to.setdefault(to, set()).add(OutboundMessage.objects.get(pk=received["X-ONMT-Message"]).kind)
    assert kinds_to[contact.email] == {Kind.CONFIRMATION, Kind.MEETING_CANCELLED}
    # The other contact of the CRT gets the invitation and the roadmap review; the unsubscribed one neither.
    assert kinds_to[other.email] == {Kind.INVITATION, Kind.ROADMAP_REVIEW}
    assert registration.email == contact.email
