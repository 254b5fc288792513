"""The outbox: every message is a row first, stored in the transaction of the change it tells about.

Senders (meetings, roadmap) build MessageDrafts and call messages_queue inside their transaction;
the rows are handed to the broker after commit (messaging.tasks) and sent once (messaging.sending).
"""

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.models import ERASED_EMAIL_DOMAIN
from messaging.links import unsubscribe_url
from messaging.models import OutboundMessage, Unsubscription
from messaging.sending import single_line
from messaging.tasks import messages_dispatch, messages_sweep_soon

# Rows per INSERT statement when queueing (PostgreSQL takes at most 65,535 parameters per statement).
INSERT_BATCH = 500


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
    meeting: object = None
    registration: object = None
    contact: object = None
    attach_calendar: bool = False
    # A file already on private storage (its name there), attached at send time as `attachment_filename`.
    attachment: str = ""
    attachment_filename: str = ""
    send_after: datetime | None = None
    # Sent to many at once (invitations, reminders, follow-ups): never to an unsubscribed address,
    # and with a one-click unsubscribe link and headers.
    bulk: bool = False
    # Not bulk, but of a list of the sender's own that this link (signed, RFC 8058 one-click) unsubscribes from:
    # shown at the foot of the message and sent in its headers.
    unsubscribe_url: str = ""


def message_render(*, template: str, context: dict, language: str) -> tuple[str, str, str]:
    """Subject, text and HTML of `messaging/email/<template>` in the recipient's language."""
    with translation.override(language):
        subject = single_line(render_to_string(f"messaging/email/{template}_subject.txt", context))
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


def _unsubscribed(addresses: list[str]) -> set[str]:
    """Which of these addresses asked for no more bulk messages (no query when there is none to ask about)."""
    if not addresses:
        return set()
    normalised = {address.strip().lower() for address in addresses}
    return set(Unsubscription.objects.filter(email__in=normalised).values_list("email", flat=True))


@transaction.atomic
def unsubscription_record(*, email: str) -> Unsubscription:
    """No more invitations, reminders or follow-ups to this address; confirmations and changes still go."""
    unsubscription, _created = Unsubscription.objects.get_or_create(email=email.strip().lower())
    return unsubscription


def messages_render(*, drafts: Iterable[MessageDraft]) -> list[OutboundMessage]:
    """The rows of these drafts, rendered, not stored: bulk ones to unsubscribed addresses left out.

    A sender may render a message before it takes the locks of its change, and store it under them
    (messages_store).
    """
    drafts = list(drafts)
    unsubscribed = _unsubscribed([draft.recipient_email for draft in drafts if draft.bulk])
    rows = []
    for draft in drafts:
        if draft.bulk and draft.recipient_email.strip().lower() in unsubscribed:
            continue
        context = draft.context
        if draft.unsubscribe_url:
            context = {**context, "unsubscribe_url": draft.unsubscribe_url}
        elif draft.bulk:
            context = {**context, "unsubscribe_url": unsubscribe_url(email=draft.recipient_email)}
        subject, body_text, body_html = message_render(
            template=draft.template, context=context, language=draft.language
        )
        rows.append(
            OutboundMessage(
                kind=draft.kind,
                idempotency_key=draft.idempotency_key,
                recipient_email=draft.recipient_email,
                recipient_name=single_line(draft.recipient_name)[:150],
                language=draft.language,
                meeting=draft.meeting,
                registration=draft.registration,
                contact=draft.contact,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                attach_calendar=draft.attach_calendar,
                attachment=draft.attachment,
                attachment_filename=single_line(draft.attachment_filename)[:150],
                bulk=draft.bulk,
                unsubscribe_url=draft.unsubscribe_url,
                message_key=uuid.uuid4(),
                send_after=draft.send_after,
            )
        )
    return rows


# No savepoint: inside the caller's transaction a failure here aborts the whole change, which is what
# callers want, and the meeting's lock a registration holds is not held any longer for it.
@transaction.atomic(savepoint=False)
def messages_store(*, rows: Iterable[OutboundMessage]) -> list[int]:
    """Store the rendered rows whose idempotency key is new and send them once the transaction commits.

    Several due messages (a campaign) are handed to the broker in batches of their ids, marked dispatched
    as they are stored (no later write waits for a worker's lock then); a message on its own goes with
    the next sweep, asked for soon (messaging.tasks.messages_sweep_soon).
    Returns the ids of the rows created by this call.
    """
    rows = list(rows)
    now = timezone.now()
    due = [row for row in rows if row.send_after is None or row.send_after <= now]
    handed_over = len(due) > 1
    if handed_over:
        for row in due:
            row.dispatched_at = now
    stored = [
        row for start in range(0, len(rows), INSERT_BATCH) for row in _insert_new(rows[start : start + INSERT_BATCH])
    ]
    due_keys = {row.idempotency_key for row in due}
    due_ids = [row.pk for row in stored if row.idempotency_key in due_keys]
    if due_ids and handed_over:
        transaction.on_commit(lambda: messages_dispatch(message_ids=due_ids))
    elif due_ids:
        transaction.on_commit(messages_sweep_soon)
    return [row.pk for row in stored]


def messages_withdraw(*, message_ids: Iterable[int]) -> None:
    """Take back messages stored in the current transaction, which its change no longer tells: neither
    committed nor sent. A message already handed to the broker or sent stays."""
    OutboundMessage.objects.filter(
        pk__in=list(message_ids), status=OutboundMessage.Status.QUEUED, dispatched_at__isnull=True
    ).delete()


@transaction.atomic(savepoint=False)
def messages_queue(*, drafts: Iterable[MessageDraft]) -> list[int]:
    """Store the messages whose idempotency key is new and send them once the transaction commits.

    Call it inside the transaction that makes the change the messages tell about.
    Returns the ids of the rows created by this call.
    """
    drafts = list(drafts)
    # Campaigns run again must not render thousands of messages already stored; for a single
    # message (a registration's) the insert finds a repeat on its own, one query sooner.
    existing = _existing_keys([d.idempotency_key for d in drafts]) if len(drafts) > 1 else set()
    new, keys = [], set()
    for draft in drafts:
        if draft.idempotency_key not in existing and draft.idempotency_key not in keys:
            keys.add(draft.idempotency_key)
            new.append(draft)
    return messages_store(rows=messages_render(drafts=new))


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


@transaction.atomic
def messages_forget_registrations(*, registration_ids: Iterable[int]) -> int:
    """Blank the personal data of the messages sent (or still queued) to these registrations (law 09-08).

    Called when registrations are erased: the rows stay for the per-meeting counts, without the
    recipient or the text (which held the name and the personal link). A message not yet sent is
    never sent: it is marked failed, so neither a worker nor the sweep picks it up.
    """
    return _messages_forget(OutboundMessage.objects.filter(registration_id__in=list(registration_ids)))


def messages_forget_keys(*, keys: Iterable[str] = (), key_prefixes: Iterable[str] = ()) -> int:
    """Blank the personal data of the messages with these idempotency keys, or keys starting with these prefixes,
    as messages_forget_registrations does (for a person known by something else than a registration)."""
    condition = Q(idempotency_key__in=list(keys))
    for prefix in key_prefixes:
        condition |= Q(idempotency_key__startswith=prefix)
    return _messages_forget(OutboundMessage.objects.filter(condition))


def _messages_forget(messages) -> int:
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
