"""What the outbox keeps about a person who registered: the messages sent to them (core.personal_data)."""

from collections.abc import Sequence

from core.personal_data import PersonalData, personal_data_register
from messaging.models import OutboundMessage
from messaging.services import messages_forget_registrations


def _messages_export(registration_ids: Sequence[int]) -> list[dict]:
    messages = OutboundMessage.objects.filter(registration_id__in=registration_ids).order_by("created_at")
    return [
        {
            "kind": message.kind,
            "subject": message.subject,
            "to": message.recipient_email,
            "status": message.status,
            "queued_at": message.created_at.isoformat(),
            "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        }
        for message in messages
    ]


def register_personal_data() -> None:
    personal_data_register(
        PersonalData(
            model="messaging.outboundmessage",
            fields=("recipient_email", "recipient_name", "subject", "body_text", "body_html"),
            section="messages",
            export=_messages_export,
            erase=lambda registration_ids: messages_forget_registrations(registration_ids=registration_ids),
        )
    )
