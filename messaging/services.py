import hashlib
import logging
import random
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.mime.text import MIMEText
from email.utils import formataddr, parseaddr

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.utils import timezone, translation

from meetings.calendar import meeting_ics
from meetings.models import ERASED_EMAIL_DOMAIN, Meeting
from messaging.models import OutboundMessage, SurveyResponse

logger = logging.getLogger(__name__)

# SMTP answers that will not change on a retry: the address itself is refused.
PERMANENT_SMTP_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused)
# The server or the network failed for now (OSError covers refused connections and timeouts).
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)
# Messages handed to one task, sent over one SMTP connection.
BATCH_SIZE = 100
# Rows per INSERT statement when queueing (PostgreSQL takes at most 65,535 parameters per statement).
INSERT_BATCH = 500
SURVEY_SALT = "messaging.survey"


def _single_line(text: str) -> str:
    """Collapse whitespace so user data can never add a header line."""
    return " ".join(text.split())


def secret_fingerprint(secret: str) -> str:
    """A short digest that tells two secrets apart in an idempotency key without revealing them."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


@dataclass
class MessageDraft:
    """One message to queue: what renders it and whom it goes to."""

    kind: str
    idempotency_key: str
    recipient_email: str
    template: str
    context: dict = field(default_factory=dict)
    recipient_name: str = ""
    language: str = "fr"
    meeting: Meeting | None = None
    registration: object = None
    contact: object = None
    attach_calendar: bool = False
    send_after: datetime | None = None


def message_render(*, template: str, context: dict, language: str) -> tuple[str, str, str]:
    """Subject, text and HTML of `messaging/email/<template>` in the recipient's language."""
    with translation.override(language):
        subject = _single_line(render_to_string(f"messaging/email/{template}_subject.txt", context))
        body_text = render_to_string(f"messaging/email/{template}.txt", context)
        body_html = render_to_string(f"messaging/email/{template}.html", context)
    return subject[:255], body_text, body_html


def _existing_keys(keys: list[str]) -> set[str]:
    return set(OutboundMessage.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))


def _insert_new(rows: list[OutboundMessage]) -> list[OutboundMessage]:
    """Insert the rows whose idempotency key is not stored yet, in one statement; returns those inserted.

    A concurrent transaction may store the same key meanwhile: ON CONFLICT waits for it and skips
    the row, which that transaction sends. Django's bulk_create(ignore_conflicts=True) cannot say
    which rows went in, hence the statement written here.
    """
    meta, quote = OutboundMessage._meta, connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    table = quote(meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    key = quote("idempotency_key")
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(rows))
    params = [f.get_db_prep_save(f.pre_save(row, add=True), connection) for row in rows for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES {placeholders}"
            f" ON CONFLICT ({key}) DO NOTHING RETURNING {quote(meta.pk.column)}, {key}",
            params,
        )
        inserted = {idempotency_key: pk for pk, idempotency_key in cursor.fetchall()}
    stored = [row for row in rows if row.idempotency_key in inserted]
    for row in stored:
        row.pk = inserted[row.idempotency_key]
    return stored


# No savepoint: inside the caller's transaction a failure here aborts the whole change, which is what
# callers want, and a registration is two queries shorter while it holds the meeting's lock.
@transaction.atomic(savepoint=False)
def messages_queue(*, drafts: Iterable[MessageDraft]) -> list[int]:
    """Store the messages whose idempotency key is new and send them once the transaction commits.

    Call it inside the transaction that makes the change the messages tell about.
    Returns the ids of the rows created by this call.
    """
    drafts = list(drafts)
    # Campaigns run again must not render thousands of messages already stored; for a single
    # message (a registration's) the insert below finds a repeat on its own, one query sooner.
    existing = _existing_keys([d.idempotency_key for d in drafts]) if len(drafts) > 1 else set()
    now = timezone.now()
    rows, keys = [], set()
    for draft in drafts:
        if draft.idempotency_key in existing or draft.idempotency_key in keys:
            continue
        keys.add(draft.idempotency_key)
        subject, body_text, body_html = message_render(
            template=draft.template, context=draft.context, language=draft.language
        )
        due = draft.send_after is None or draft.send_after <= now
        rows.append(
            OutboundMessage(
                kind=draft.kind,
                idempotency_key=draft.idempotency_key,
                recipient_email=draft.recipient_email,
                recipient_name=_single_line(draft.recipient_name)[:150],
                language=draft.language,
                meeting=draft.meeting,
                registration=draft.registration,
                contact=draft.contact,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                attach_calendar=draft.attach_calendar,
                send_after=draft.send_after,
                # Dispatched on commit below; marked now so that no later write has to wait for a worker's lock.
                dispatched_at=now if due else None,
            )
        )
    stored = [
        row for start in range(0, len(rows), INSERT_BATCH) for row in _insert_new(rows[start : start + INSERT_BATCH])
    ]
    due_ids = [row.pk for row in stored if row.dispatched_at is not None]
    if due_ids:
        transaction.on_commit(lambda: messages_dispatch(message_ids=due_ids))
    return [row.pk for row in stored]


def messages_dispatch(*, message_ids: list[int]) -> None:
    """Hand messages (marked dispatched by the caller) to the broker in batches.

    Runs after commit: if the broker is down the failure is logged, never raised to the
    request that saved the change, and the rows are unmarked for the next sweep.
    """
    from messaging.tasks import send_batch

    for start in range(0, len(message_ids), BATCH_SIZE):
        try:
            send_batch.delay(message_ids[start : start + BATCH_SIZE])
        except Exception:
            logger.exception("Could not dispatch %d messages; they stay queued for the sweep", len(message_ids) - start)
            OutboundMessage.objects.filter(pk__in=message_ids[start:], status=OutboundMessage.Status.QUEUED).update(
                dispatched_at=None
            )
            return


def _calendar_part(meeting: Meeting) -> MIMEText:
    ics = meeting_ics(meeting, method="REQUEST", with_alarm=True)
    method = "CANCEL" if meeting.status == Meeting.Status.CANCELLED else "REQUEST"
    part = MIMEText(ics.decode(), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="rencontre-onmt.ics")
    return part


def _message_id(message: OutboundMessage) -> str:
    """The same on every attempt: in the rare case a resend follows an accepted delivery whose
    confirmation was lost (worker killed after the server's 250), mail clients show one message."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<onmt-message-{message.pk}@{domain}>"


def _build_email(message: OutboundMessage, connection) -> EmailMultiAlternatives:
    # formataddr quotes names holding commas or quotes, so a name never becomes a second address;
    # _single_line removes what Python's e-mail package would fold into a line break (\x0c, \x1e, \u2028…).
    to = formataddr((_single_line(message.recipient_name), message.recipient_email))
    email = EmailMultiAlternatives(
        subject=_single_line(message.subject),
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        connection=connection,
        headers={"X-ONMT-Message": str(message.pk), "Message-ID": _message_id(message)},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    if message.attach_calendar and message.meeting is not None:
        email.attach(_calendar_part(message.meeting))
    return email


class TransientSendError(Exception):
    """The SMTP server or the network failed for now; the message stays queued for a retry."""


def _mark_failed(message: OutboundMessage, error: Exception) -> None:
    message.status = OutboundMessage.Status.FAILED
    message.last_error = str(error)[:2000]
    message.save(update_fields=["status", "attempts", "last_error", "updated_at"])


def message_send(*, message_id: int, connection=None) -> bool:
    """Send one queued message exactly once; True when it was sent by this call.

    The row stays locked while the SMTP server accepts it and is marked sent in the
    same transaction, so a second worker or a redelivered task skips it (skip_locked)
    or finds it sent, and a worker killed mid-send rolls back and leaves it queued.
    A transient error is recorded, committed, then raised as TransientSendError.
    """
    transient = None
    with transaction.atomic():
        message = (
            # No join: only messages with a calendar read their meeting, after the lock.
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutboundMessage.Status.QUEUED)
            .first()
        )
        if message is None or (message.send_after and message.send_after > timezone.now()):
            return False
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
        except SoftTimeLimitExceeded:
            # The task's time is up: roll back, the row stays queued for the task's retry.
            raise
        except Exception as error:
            # A fault of ours (template, data): retrying will not help; staff see it and resend once fixed.
            logger.exception("Message %s could not be built", message_id)
            _mark_failed(message, error)
            return False
        else:
            message.status = OutboundMessage.Status.SENT
            message.sent_at = timezone.now()
            message.last_error = ""
            message.save(update_fields=["status", "attempts", "sent_at", "last_error", "updated_at"])
            return True
    raise TransientSendError(str(transient)) from transient


def messages_send_batch(*, message_ids: list[int]) -> list[int]:
    """Send messages over one SMTP connection; returns the ids left queued by a transient error.

    On the first transient error the connection is in an unknown state, so the rest of
    the batch is handed back for the retry rather than tried on it.
    """
    # A redelivered task, a retry or the sweep may hand over messages sent meanwhile:
    # no SMTP connection for a batch with nothing left to send.
    queued = set(
        OutboundMessage.objects.filter(pk__in=message_ids, status=OutboundMessage.Status.QUEUED).values_list(
            "pk", flat=True
        )
    )
    message_ids = [pk for pk in message_ids if pk in queued]
    if not message_ids:
        return []
    connection = get_connection()
    try:
        connection.open()
    except Exception as error:
        logger.warning("SMTP connection failed; %d messages wait for a retry", len(message_ids), exc_info=True)
        return _connection_failed(message_ids=message_ids, error=error)
    try:
        for index, message_id in enumerate(message_ids):
            try:
                message_send(message_id=message_id, connection=connection)
            except TransientSendError:
                logger.warning("Transient error sending message %s", message_id, exc_info=True)
                return list(message_ids[index:])
            except SoftTimeLimitExceeded:
                logger.warning("Batch out of time; %d messages left for the retry", len(message_ids) - index)
                return list(message_ids[index:])
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


@transaction.atomic
def messages_sweep(*, now: datetime | None = None) -> int:
    """Dispatch queued messages that are due and have no live task; returns how many.

    That is: never handed to the broker (it was down, or the message was scheduled), or
    handed over longer ago than a task can stay unacknowledged. Rows a worker is sending
    right now are locked and skipped.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT + 60)
    ids = list(
        OutboundMessage.objects.select_for_update(skip_locked=True)
        .filter(status=OutboundMessage.Status.QUEUED)
        .exclude(send_after__gt=now)
        .exclude(dispatched_at__gt=stale)
        .order_by("pk")
        .values_list("pk", flat=True)[: settings.MESSAGING_SWEEP_LIMIT]
    )
    OutboundMessage.objects.filter(pk__in=ids).update(dispatched_at=timezone.now())
    transaction.on_commit(lambda: messages_dispatch(message_ids=ids))
    return len(ids)


@transaction.atomic
def messages_resend(*, message_ids: Iterable[int]) -> int:
    """Queue failed messages again (staff fixed the address or the server); returns how many."""
    ids = list(
        OutboundMessage.objects.select_for_update()
        .filter(pk__in=message_ids, status=OutboundMessage.Status.FAILED)
        # Messages of erased registrations have no recipient any more (messages_forget_registrations).
        .exclude(recipient_email__endswith=ERASED_EMAIL_DOMAIN)
        .values_list("pk", flat=True)
    )
    OutboundMessage.objects.filter(pk__in=ids).update(
        status=OutboundMessage.Status.QUEUED, attempts=0, dispatched_at=timezone.now(), updated_at=timezone.now()
    )
    transaction.on_commit(lambda: messages_dispatch(message_ids=ids))
    return len(ids)


def survey_token_make(*, registration_id: int) -> str:
    return signing.dumps(registration_id, salt=SURVEY_SALT)


def survey_token_read(*, token: str) -> int | None:
    """The registration a survey link was made for, or None if the link is forged or too old."""
    try:
        value = signing.loads(token, salt=SURVEY_SALT, max_age=settings.MESSAGING_SURVEY_MAX_AGE)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


@transaction.atomic
def survey_response_save(*, registration, rating: int, comment: str = "") -> SurveyResponse:
    """Record (or replace) a registrant's answer to the satisfaction survey."""
    response, _created = SurveyResponse.objects.update_or_create(
        registration=registration,
        defaults={"meeting_id": registration.meeting_id, "rating": rating, "comment": comment.strip()},
    )
    return response


@transaction.atomic
def messages_forget_registrations(*, registration_ids: Iterable[int]) -> int:
    """Blank the personal data of the messages sent (or still queued) to these registrations (law 09-08).

    Called when registrations are erased: the rows stay for the per-meeting counts, without the
    recipient or the text (which held the name and the personal link). A message not yet sent is
    never sent: it is marked failed, so neither a worker nor the sweep picks it up.
    """
    messages = OutboundMessage.objects.filter(registration_id__in=list(registration_ids))
    # Locked first, so that a worker sending one of them finishes (or skips it) before it is blanked.
    list(messages.select_for_update().values_list("pk", flat=True))
    now = timezone.now()
    messages.filter(status=OutboundMessage.Status.QUEUED).update(
        status=OutboundMessage.Status.FAILED, last_error="Données effacées (loi 09-08) avant l'envoi."
    )
    return messages.update(
        recipient_email=Concat(Value("efface-"), Cast("pk", CharField()), Value(ERASED_EMAIL_DOMAIN)),
        recipient_name="",
        body_text="",
        body_html="",
        updated_at=now,
    )
