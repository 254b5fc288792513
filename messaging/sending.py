"""Sending the outbox's messages over SMTP, each exactly once (the tasks call this)."""

import logging
import random
import smtplib
import time
import uuid
from datetime import timedelta
from email.mime.image import MIMEImage
from email.utils import formataddr, parseaddr

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import InterfaceError, OperationalError, transaction
from django.db import connection as database
from django.db.models import F
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from messaging.links import unsubscribe_url
from messaging.models import OutboundMessage

logger = logging.getLogger(__name__)

# SMTP answers that will not change on a retry: the address itself is refused.
PERMANENT_SMTP_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused)
# The server or the network failed for now (OSError covers refused connections and timeouts).
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)
# The database went away (restart, failover, network): for now too, but nothing can be recorded meanwhile.
DATABASE_ERRORS = (OperationalError, InterfaceError)


def single_line(text: str) -> str:
    """Collapse whitespace so user data can never add a header line."""
    return " ".join(text.split())


def _calendar_part(message: OutboundMessage):
    """The calendar file of the message's meeting, built by the app that knows meetings (a setting names it),
    in the recipient's language like the message: the meeting's title, place and description as translated."""
    with translation.override(message.language):
        return import_string(settings.MESSAGING_CALENDAR_PART)(message)


def _inline_images(message: OutboundMessage) -> list[MIMEImage]:
    """Images the HTML shows by their Content-ID (cid:…), given by the app that knows the sender (a setting)."""
    parts = []
    for content_id, png in import_string(settings.MESSAGING_INLINE_IMAGES)(message):
        part = MIMEImage(png, "png")
        part.add_header("Content-ID", f"<{content_id}>")
        part.add_header("Content-Disposition", "inline", filename=f"{content_id}.png")
        parts.append(part)
    return parts


class AttachmentMissing(Exception):
    """The file a message must carry cannot be read: the message is never sent without it."""


def _attachment(message: OutboundMessage) -> tuple[str, bytes]:
    """The stored file of the message and its name. Not an OSError when absent: retrying will not bring it back."""
    try:
        with message.attachment.open("rb") as file:
            content = file.read()
    except OSError as error:
        raise AttachmentMissing(f"Pièce jointe illisible ({message.attachment.name}) : {error}") from error
    return single_line(message.attachment_filename) or message.attachment.name.rpartition("/")[2], content


def _message_id(message: OutboundMessage) -> str:
    """Random, stored with the message: unique across every instance and database (row ids are not), and the
    same on every attempt, so that in the rare case a resend follows an accepted delivery whose record was
    lost (worker killed after the server's 250), mail clients fold the two into one."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<{message.message_key}@{domain}>"


def _headers(message: OutboundMessage) -> dict[str, str]:
    headers = {
        "X-ONMT-Message": str(message.pk),
        "Message-ID": _message_id(message),
        # RFC 3834: automated, so out-of-office replies are not sent back for every invitation wave.
        "Auto-Submitted": "auto-generated",
        "Reply-To": settings.MESSAGING_REPLY_TO,
        "Content-Language": message.language,
    }
    # RFC 8058 one-click unsubscribe, which the large mailbox providers require of bulk senders: from the
    # sender's own list when it has one, else (bulk kinds) from the outbox's.
    link = message.unsubscribe_url or (unsubscribe_url(email=message.recipient_email) if message.bulk else "")
    if link:
        headers["List-Unsubscribe"] = f"<{link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def _build_email(message: OutboundMessage, connection) -> EmailMultiAlternatives:
    # formataddr quotes names holding commas or quotes, so a name never becomes a second address;
    # single_line removes what Python's e-mail package would fold into a line break (\x0c, \x1e, \u2028…).
    to = formataddr((single_line(message.recipient_name), message.recipient_email))
    email = EmailMultiAlternatives(
        subject=single_line(message.subject),
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        connection=connection,
        headers=_headers(message),
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
        for image in _inline_images(message):
            email.attach(image)
    if message.attach_calendar and message.meeting is not None:
        email.attach(_calendar_part(message))
    if message.attachment:
        # The content type is guessed from the file name's extension.
        email.attach(*_attachment(message))
    return email


class TransientSendError(Exception):
    """The SMTP server or the network failed for now; the message stays queued for a retry."""


class MessageNotRecorded(Exception):
    """The database failed while sending one message; `accepted` says whether the SMTP server took it."""

    def __init__(self, *, accepted: bool):
        super().__init__("database unavailable while sending")
        self.accepted = accepted


class DatabaseUnavailable(Exception):
    """The database failed during a batch: `left` is to send again, `accepted` only to record as sent.

    The SMTP server took the `accepted` messages but the database could not say so: sending them
    again would deliver a second copy, so the retry records them first and sends only `left`.
    """

    def __init__(self, *, left: list[int], accepted: list[int]):
        super().__init__(f"database unavailable; {len(left)} to send, {len(accepted)} to record")
        self.left = left
        self.accepted = accepted


def _mark_failed(message: OutboundMessage, error: Exception) -> None:
    message.status = OutboundMessage.Status.FAILED
    message.last_error = str(error)[:2000]
    message.save(update_fields=["status", "attempts", "last_error", "updated_at"])


def message_send(*, message_id: int, connection=None) -> bool:
    """Send one queued message exactly once; True when it was sent by this call.

    The row stays locked while the SMTP server accepts it and is marked sent in the
    same transaction, so a second worker or a redelivered task skips it (skip_locked)
    or finds it sent, and a worker killed mid-send rolls back and leaves it queued.
    A transient error is recorded, committed, then raised as TransientSendError; a
    database failure raises MessageNotRecorded, saying whether the server took the message.
    """
    transient, accepted = None, False
    try:
        with transaction.atomic():
            message = (
                # No join: only messages with a calendar read their meeting, after the lock.
                OutboundMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=message_id, status=OutboundMessage.Status.QUEUED)
                .first()
            )
            if message is None or (message.send_after and message.send_after > timezone.now()):
                return False
            if message.message_key is None:
                # Stored before messages had a key: one now, kept for every later attempt.
                message.message_key = uuid.uuid4()
                message.save(update_fields=["message_key"])
            message.attempts += 1
            try:
                _build_email(message, connection or get_connection()).send()
            except PERMANENT_SMTP_ERRORS as error:
                _mark_failed(message, error)
                return False
            except TRANSIENT_ERRORS as error:
                # A 5xx answer (e.g. content refused) will be the same next time.
                if getattr(error, "smtp_code", 0) >= 500 or message.attempts >= settings.MESSAGING_MAX_ATTEMPTS:
                    _mark_failed(message, error)
                    return False
                # Stays queued; its task retries it, so the sweep leaves it alone meanwhile.
                message.last_error = str(error)[:2000]
                message.dispatched_at = timezone.now()
                message.save(update_fields=["attempts", "last_error", "dispatched_at", "updated_at"])
                transient = error
            except (SoftTimeLimitExceeded, *DATABASE_ERRORS):
                # The task's time is up, or the database went away (reading the calendar's meeting):
                # roll back, the row stays queued for the task's retry.
                raise
            except Exception as error:
                # A fault of ours (template, data): retrying will not help; staff see it and resend once fixed.
                logger.exception("Message %s could not be built", message_id)
                _mark_failed(message, error)
                return False
            else:
                accepted = True
                message.status = OutboundMessage.Status.SENT
                message.sent_at = timezone.now()
                message.last_error = ""
                message.save(update_fields=["status", "attempts", "sent_at", "last_error", "updated_at"])
                return True
    except DATABASE_ERRORS as error:
        raise MessageNotRecorded(accepted=accepted) from error
    raise TransientSendError(str(transient)) from transient


def messages_record_sent(*, message_ids: list[int]) -> int:
    """Mark sent the messages the SMTP server accepted while the database could not record it (no sending)."""
    if not message_ids:
        return 0
    return OutboundMessage.objects.filter(pk__in=message_ids, status=OutboundMessage.Status.QUEUED).update(
        status=OutboundMessage.Status.SENT, sent_at=timezone.now(), last_error="", updated_at=timezone.now()
    )


def messages_hold(*, message_ids: list[int], seconds: float) -> None:
    """Tell the sweep these messages have a live task for `seconds` more (a retry waiting its countdown).

    Best effort: with the database down it records nothing, and the retry comes all the same.
    """
    try:
        _claim(message_ids, until=timezone.now() + timedelta(seconds=seconds))
    except DATABASE_ERRORS:
        _forget_broken_connection()


def _forget_broken_connection() -> None:
    """The next query opens a new connection instead of failing on the one the outage broke."""
    try:
        database.close()
    except DATABASE_ERRORS:
        logger.debug("The broken database connection did not close cleanly", exc_info=True)


def _claim(message_ids: list[int], *, until=None) -> None:
    """Renew the lease of these queued messages (from now, or until a retry's countdown ends)."""
    OutboundMessage.objects.filter(pk__in=message_ids, status=OutboundMessage.Status.QUEUED).update(
        dispatched_at=until or timezone.now()
    )


def messages_send_batch(*, message_ids: list[int], accepted_ids: list[int] = ()) -> list[int]:
    """Send messages over one SMTP connection; returns the ids left queued by a transient error.

    `accepted_ids` are messages a previous try of the batch had delivered without recording it:
    they are recorded first and never sent again. On the first transient error the connection is
    in an unknown state, so the rest of the batch is handed back for the retry rather than tried
    on it. A database failure raises DatabaseUnavailable with what is left to send and to record.
    """
    try:
        messages_record_sent(message_ids=list(accepted_ids))
        # A redelivered task, a retry or the sweep may hand over messages sent meanwhile:
        # no SMTP connection for a batch with nothing left to send.
        queued = set(
            OutboundMessage.objects.filter(pk__in=message_ids, status=OutboundMessage.Status.QUEUED).values_list(
                "pk", flat=True
            )
        )
        message_ids = [pk for pk in message_ids if pk in queued]
        if message_ids:
            _claim(message_ids)
    except DATABASE_ERRORS as error:
        _forget_broken_connection()
        raise DatabaseUnavailable(left=list(message_ids), accepted=list(accepted_ids)) from error
    if not message_ids:
        return []
    connection = get_connection()
    try:
        connection.open()
    except Exception as error:
        logger.warning("SMTP connection failed; %d messages wait for a retry", len(message_ids), exc_info=True)
        return _connection_failed(message_ids=message_ids, error=error)
    try:
        claimed_at = time.monotonic()
        for index, message_id in enumerate(message_ids):
            try:
                if time.monotonic() - claimed_at > settings.MESSAGING_LEASE_SECONDS / 3:
                    _claim(message_ids[index:])
                    claimed_at = time.monotonic()
                message_send(message_id=message_id, connection=connection)
            except TransientSendError:
                logger.warning("Transient error sending message %s", message_id, exc_info=True)
                return list(message_ids[index:])
            except SoftTimeLimitExceeded:
                logger.warning("Batch out of time; %d messages left for the retry", len(message_ids) - index)
                return list(message_ids[index:])
            except (MessageNotRecorded, *DATABASE_ERRORS) as error:
                logger.warning("Database unavailable at message %s; the batch is retried", message_id, exc_info=True)
                _forget_broken_connection()
                accepted = [message_id] if getattr(error, "accepted", False) else []
                left = list(message_ids[index + 1 :] if accepted else message_ids[index:])
                raise DatabaseUnavailable(left=left, accepted=accepted) from error
    finally:
        try:
            connection.close()
        except Exception:
            logger.debug("SMTP connection did not close cleanly", exc_info=True)
    return []


@transaction.atomic
def _connection_failed(*, message_ids: list[int], error: Exception) -> list[int]:
    """Count a failed SMTP connection (refused, timed out) as an attempt of each queued message.

    Those out of attempts are marked failed with the reason, for staff to see and resend; the
    others are returned for the task's retry. Rows another worker is sending are left to it.
    """
    now = timezone.now()
    attempts = dict(
        OutboundMessage.objects.select_for_update(skip_locked=True)
        .filter(pk__in=message_ids, status=OutboundMessage.Status.QUEUED)
        .exclude(send_after__gt=now)
        .values_list("pk", "attempts")
    )
    reason = str(error)[:2000] or type(error).__name__
    OutboundMessage.objects.filter(pk__in=attempts).update(
        attempts=F("attempts") + 1, last_error=reason, dispatched_at=now, updated_at=now
    )
    spent = {pk for pk, count in attempts.items() if count + 1 >= settings.MESSAGING_MAX_ATTEMPTS}
    OutboundMessage.objects.filter(pk__in=spent).update(status=OutboundMessage.Status.FAILED)
    return [pk for pk in message_ids if pk in attempts and pk not in spent]


def retry_countdown(*, retries: int) -> float:
    """Exponential backoff with jitter, capped below the visibility timeout (no long countdowns)."""
    base = settings.MESSAGING_RETRY_BACKOFF * (2**retries)
    return min(base, settings.MESSAGING_RETRY_BACKOFF_MAX) * random.uniform(0.5, 1.0)
