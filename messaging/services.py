import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from messaging.models import OutboundMessage

logger = logging.getLogger(__name__)

# SMTP answers that will not change on a retry: the address itself is refused.
PERMANENT_SMTP_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused)


def _single_line(text: str) -> str:
    """Collapse whitespace so user data can never add a header line."""
    return " ".join(text.split())


def message_queue(
    *,
    kind: str,
    idempotency_key: str,
    recipient_email: str,
    template: str,
    context: dict,
    recipient_name: str = "",
    language: str = "fr",
    meeting=None,
    registration=None,
    contact=None,
    attach_calendar: bool = False,
    send_after=None,
) -> OutboundMessage:
    """Render and store one message, then dispatch its sending once the transaction commits.

    `template` names `<template>_subject.txt`, `<template>.txt` and `<template>.html`.
    Queuing the same `idempotency_key` twice returns the existing row and sends nothing more.
    """
    existing = OutboundMessage.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    with translation.override(language):
        subject = _single_line(render_to_string(f"{template}_subject.txt", context))
        body_text = render_to_string(f"{template}.txt", context)
        body_html = render_to_string(f"{template}.html", context)
    message, created = OutboundMessage.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "kind": kind,
            "recipient_email": recipient_email,
            "recipient_name": _single_line(recipient_name),
            "language": language,
            "meeting": meeting,
            "registration": registration,
            "contact": contact,
            "subject": subject[:255],
            "body_text": body_text,
            "body_html": body_html,
            "attach_calendar": attach_calendar,
            "send_after": send_after,
        },
    )
    if created and (send_after is None or send_after <= timezone.now()):
        transaction.on_commit(lambda: message_dispatch(message_id=message.pk))
    return message


def message_dispatch(*, message_id: int) -> None:
    """Hand a message to the broker; if the broker is down the row stays queued for the sweep."""
    from messaging.tasks import send_message

    try:
        send_message.delay(message_id)
    except Exception:
        logger.exception("Could not dispatch message %s; it stays queued for the sweep", message_id)


def _build_email(message: OutboundMessage, connection) -> EmailMultiAlternatives:
    to = f"{message.recipient_name} <{message.recipient_email}>" if message.recipient_name else message.recipient_email
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        connection=connection,
        headers={"X-ONMT-Message": str(message.pk)},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


def message_send(*, message_id: int, connection=None) -> bool:
    """Send one queued message exactly once; True when it was sent by this call.

    The row stays locked while the SMTP server accepts it, so a second worker or a
    redelivered task skips it (skip_locked) or finds it already sent.
    """
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status__in=[OutboundMessage.Status.QUEUED, OutboundMessage.Status.SENDING])
            .first()
        )
        if message is None:
            return False
        message.attempts += 1
        try:
            _build_email(message, connection or get_connection()).send()
        except PERMANENT_SMTP_ERRORS as error:
            message.status = OutboundMessage.Status.FAILED
            message.last_error = str(error)[:2000]
            message.save(update_fields=["status", "attempts", "last_error", "updated_at"])
            return False
        except Exception as error:
            # Transient: keep it queued, record why, and let the task retry.
            OutboundMessage.objects.filter(pk=message.pk).update(
                attempts=message.attempts, last_error=str(error)[:2000], updated_at=timezone.now()
            )
            raise
        message.status = OutboundMessage.Status.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["status", "attempts", "sent_at", "last_error", "updated_at"])
        return True
