"""A stored file attached to a message at send time, as a real SMTP server receives it; never sent without it."""

import pytest
from django.core.files.base import ContentFile

from messaging import sending
from messaging.models import OutboundMessage
from messaging.services import MessageDraft, messages_queue

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

PDF = b"%PDF-1.7\n% a stand-in for the minutes\n%%EOF\n"


def _queue(attachment: str, filename: str) -> OutboundMessage:
    (message_id,) = messages_queue(
        drafts=[
            MessageDraft(
                kind=OutboundMessage.Kind.MINUTES_VALIDATED,
                idempotency_key=f"attachment-test:{attachment}",
                recipient_email="president@crt-dakhla.ma",
                recipient_name="Fatima Zahra Bennani",
                template="roadmap_review",
                context={"recipient": "Fatima Zahra Bennani", "meeting": {"title": "Rencontre"}, "region": {}},
                attachment=attachment,
                attachment_filename=filename,
            )
        ]
    )
    return OutboundMessage.objects.get(pk=message_id)


def test_the_stored_file_arrives_attached_under_its_name(smtp, private_media):
    name = private_media.save("minutes/compte-rendu-dakhla-v3-fr.pdf", ContentFile(PDF))
    message = _queue(name, "compte-rendu-dakhla-v3-fr.pdf")
    assert message.attachment.name == name
    assert sending.messages_send_batch(message_ids=[message.pk]) == []
    (received,) = smtp.received
    (part,) = [part for part in received.walk() if part.get_filename()]
    assert part.get_content_type() == "application/pdf"
    assert part.get_filename() == "compte-rendu-dakhla-v3-fr.pdf"
    assert part.get_payload(decode=True) == PDF
    assert received.get_content_type() == "multipart/mixed"
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT


def test_a_message_whose_file_is_gone_is_marked_failed_at_once_and_never_sent(smtp, private_media):
    name = private_media.save("minutes/perdu.pdf", ContentFile(PDF))
    message = _queue(name, "compte-rendu.pdf")
    private_media.delete(name)
    assert sending.messages_send_batch(message_ids=[message.pk]) == []
    assert smtp.received == []
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.FAILED and message.attempts == 1
    assert "minutes/perdu.pdf" in message.last_error


def test_a_header_cannot_be_smuggled_in_through_the_file_name(smtp, private_media):
    name = private_media.save("minutes/cr.pdf", ContentFile(PDF))
    message = _queue(name, "cr.pdf\r\nBcc: victim@example.com")
    assert sending.messages_send_batch(message_ids=[message.pk]) == []
    (received,) = smtp.received
    assert received["Bcc"] is None
    assert [part.get_filename() for part in received.walk() if part.get_filename()] == [
        "cr.pdf Bcc: victim@example.com"
    ]
