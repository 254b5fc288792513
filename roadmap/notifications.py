"""The roadmap's e-mails: the region's officials told of ONMT's changes to its items (at once or in a daily or
weekly digest, as each chooses), the ONMT staff member who answers for an item reminded of its due date.
Every message is a row of the outbox, stored in the transaction of the change it tells about, under an
idempotency key naming the item, its version and the recipient, so nothing is sent twice.

Locks, in this order: the item (roadmap_item_update holds it when it calls item_change_record), then a
person's NotificationPreference (a digest being built, a preference being changed), then the outbox's rows
(their unique keys). Digests lock the preference row, so two runs at once send a recipient's digest once.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from messaging.links import absolute_url
from messaging.models import OutboundMessage
from messaging.services import MessageDraft, messages_queue
from regions.models import Contact, Language
from roadmap.models import DigestEntry, ItemChange, NoticeFrequency, NotificationPreference, RoadmapItem
from roadmap.tokens import CHANGES, REMINDERS, notices_unsubscribe_token_make

Kind = OutboundMessage.Kind


def notices_unsubscribe_url(*, user_id: int, topic: str) -> str:
    return absolute_url("roadmap:unsubscribe", notices_unsubscribe_token_make(user_id=user_id, topic=topic))


def preference_of(user) -> NotificationPreference | None:
    """The person's stored choices, or None for the defaults (read from a select_related or queried)."""
    try:
        return user.roadmap_notification_preference
    except NotificationPreference.DoesNotExist:
        return None


def default_language(*, contact: Contact | None) -> str:
    """An official's language is their CRT contact's until they choose one; staff read French."""
    return contact.language if contact is not None else Language.FRENCH


def _language(*, preference: NotificationPreference | None, contact: Contact | None) -> str:
    return preference.language if preference is not None else default_language(contact=contact)


def _frequency(user) -> str:
    preference = preference_of(user)
    return preference.frequency if preference is not None else NoticeFrequency.AT_ONCE


def _item_url(item: RoadmapItem) -> str:
    return absolute_url("roadmap:item", item.region.slug, item.pk) + "#modifications"


# ------------------------------------------------------------------ officials: changes


def _officials(region_id: int) -> list[Contact]:
    """The region's officials who can still log in, with their choices; one query."""
    return list(
        Contact.objects.filter(region_id=region_id, user__isnull=False, user__is_active=True)
        .select_related("user__roadmap_notification_preference")
        .order_by("pk")
    )


def item_change_store(*, item: RoadmapItem, actor, fields: list[list], material: bool = False) -> ItemChange:
    """Write a change of `item` (locked by the caller: changes are numbered 1, 2, 3… per item) in its history,
    telling nobody: `item_change_record` tells the officials of ONMT's changes."""
    number = (ItemChange.objects.filter(item=item).aggregate(last=Max("number"))["last"] or 0) + 1
    return ItemChange.objects.create(item=item, number=number, changed_by=actor, fields=fields, material=material)


def item_change_record(
    *, item: RoadmapItem, actor, fields: list[list], material: bool, acknowledged_by: int | None
) -> ItemChange:
    """Record what an edit of ONMT changed in `item` (locked by the caller) and tell the region's officials.

    Each official is told at once or through their next digest, as they chose, or not at all if they asked
    for no e-mail; a status change of an item the official had acknowledged (`acknowledged_by`, read before
    the edit cleared it) is told at once whatever they chose.
    """
    change = item_change_store(item=item, actor=actor, fields=fields, material=material)
    status_changed = any(name == "status" for name, _before, _after in fields)
    drafts, entries = [], []
    for contact in _officials(item.region_id):
        user = contact.user
        frequency = _frequency(user)
        if (actor is not None and user.pk == actor.pk) or frequency == NoticeFrequency.NEVER:
            continue
        if frequency == NoticeFrequency.AT_ONCE or (status_changed and acknowledged_by == user.pk):
            drafts.append(_change_draft(change=change, item=item, contact=contact))
        else:
            entries.append(DigestEntry(change=change, recipient=user))
    DigestEntry.objects.bulk_create(entries)
    messages_queue(drafts=drafts)
    return change


def _change_draft(*, change: ItemChange, item: RoadmapItem, contact: Contact) -> MessageDraft:
    user = contact.user
    return MessageDraft(
        kind=Kind.ROADMAP_CHANGE,
        idempotency_key=f"roadmap_change:{item.pk}:{change.number}:{user.pk}",
        recipient_email=contact.email,
        recipient_name=contact.full_name,
        template="roadmap_change",
        language=_language(preference=preference_of(user), contact=contact),
        contact=contact,
        unsubscribe_url=notices_unsubscribe_url(user_id=user.pk, topic=CHANGES),
        context={
            "recipient": contact.full_name,
            "item": item,
            "region": item.region,
            "change": change,
            "acknowledge": change.material,
            "item_url": _item_url(item),
            "profile_url": absolute_url("roadmap:profile"),
        },
    )


# ------------------------------------------------------------------ officials: digests


def digest_slot(*, frequency: str, now: datetime) -> datetime:
    """The latest time a digest of `frequency` was due at `now`: changes recorded before it go in the digest.

    Daily at ROADMAP_DIGEST_HOUR, weekly on ROADMAP_DIGEST_WEEKDAY at that hour, in local time (Morocco's offset
    changes around Ramadan: wall-clock arithmetic keeps the hour); at once (an official who left a digest for
    at once): now, so what waited goes in one last digest.
    """
    if frequency == NoticeFrequency.AT_ONCE:
        return now
    local = timezone.localtime(now)
    slot = local.replace(hour=settings.ROADMAP_DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if slot > local:
        slot -= timedelta(days=1)
    if frequency == NoticeFrequency.WEEKLY:
        slot -= timedelta(days=(slot.isoweekday() - settings.ROADMAP_DIGEST_WEEKDAY) % 7)
    return slot


def digests_send(*, now: datetime | None = None) -> int:
    """Queue every digest that is due and not yet sent; returns how many. Safe to run twice, or twice at once."""
    now = now or timezone.now()
    recipients = (
        DigestEntry.objects.filter(digested_at__isnull=True, created_at__lt=now)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    return sum(digest_send(user_id=user_id, now=now) for user_id in list(recipients))


@dataclass
class DigestItem:
    item: RoadmapItem
    url: str
    changes: list[ItemChange] = field(default_factory=list)


@transaction.atomic
def digest_send(*, user_id: int, now: datetime) -> bool:
    """Queue the digest of one official if it is due: the changes recorded for them before the latest slot of
    their frequency, in one message, each change once. Never an empty digest. A constant number of queries,
    whatever the number of changes. What can no longer be told is dropped: everything, for a person who is no
    longer an official or asked for no e-mail since; the changes of another region's items (they moved)."""
    preference = NotificationPreference.objects.select_for_update().filter(user_id=user_id).first()
    contact = Contact.objects.filter(user_id=user_id, user__is_active=True).select_related("user", "region").first()
    pending = DigestEntry.objects.filter(recipient_id=user_id, digested_at__isnull=True)
    frequency = preference.frequency if preference is not None else NoticeFrequency.AT_ONCE
    if contact is None or frequency == NoticeFrequency.NEVER:
        # No longer an official, or asked for no e-mail since: what waited is told to nobody.
        pending.delete()
        return False
    # Changes of another region's items (the official moved) are not theirs to read any more.
    pending.exclude(change__item__region=contact.region).delete()
    entries = list(
        pending.filter(created_at__lt=digest_slot(frequency=frequency, now=now))
        .select_related("change__item__region", "change__item__acknowledgement", "change__changed_by")
        .order_by("change__item__title", "change__item_id", "change__number")
    )
    if not entries:
        return False
    items: dict[int, DigestItem] = {}
    for entry in entries:
        item = entry.change.item
        items.setdefault(item.pk, DigestItem(item=item, url=_item_url(item))).changes.append(entry.change)
    messages_queue(
        drafts=[
            MessageDraft(
                kind=Kind.ROADMAP_DIGEST,
                idempotency_key=f"roadmap_digest:{user_id}:{max(entry.pk for entry in entries)}",
                recipient_email=contact.email,
                recipient_name=contact.full_name,
                template="roadmap_digest",
                language=_language(preference=preference, contact=contact),
                contact=contact,
                unsubscribe_url=notices_unsubscribe_url(user_id=user_id, topic=CHANGES),
                context={
                    "recipient": contact.full_name,
                    "region": contact.region,
                    "items": list(items.values()),
                    "count": len(entries),
                    "frequency": frequency,
                    "roadmap_url": absolute_url("roadmap:region", contact.region.slug),
                    "profile_url": absolute_url("roadmap:profile"),
                },
            )
        ]
    )
    DigestEntry.objects.filter(pk__in=[entry.pk for entry in entries]).update(digested_at=now)
    return True


# ------------------------------------------------------------------ staff: due dates


def due_reminders_send(*, today=None) -> int:
    """Queue the reminders that are due and not yet sent to the staff members answering for open items: one
    ROADMAP_REMINDER_DAYS_BEFORE days (or fewer) before the due date, one once it is past; each once per due
    date (a new due date brings new reminders). Returns how many were queued. Safe to run twice at once: the
    outbox's unique key lets one of the two inserts through."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=settings.ROADMAP_REMINDER_DAYS_BEFORE)
    items = (
        RoadmapItem.objects.exclude(status__in=RoadmapItem.CLOSED_STATUSES)
        .filter(due_on__lte=horizon, responsible__isnull=False, responsible__user__is_active=True)
        .exclude(responsible__user__email="")
        .select_related("region", "responsible__user__roadmap_notification_preference")
        .order_by("due_on", "pk")
    )
    drafts = []
    for item in items:
        user = item.responsible.user
        preference = preference_of(user)
        if preference is not None and not preference.due_reminders:
            continue
        overdue = item.due_on < today
        kind = Kind.ROADMAP_OVERDUE if overdue else Kind.ROADMAP_DUE_SOON
        name = user.get_full_name() or user.get_username()
        drafts.append(
            MessageDraft(
                kind=kind,
                idempotency_key=f"{kind}:{item.pk}:{item.due_on.isoformat()}:{user.pk}",
                recipient_email=user.email,
                recipient_name=name,
                template=kind,
                language=_language(preference=preference, contact=None),
                unsubscribe_url=notices_unsubscribe_url(user_id=user.pk, topic=REMINDERS),
                context={
                    "recipient": name,
                    "item": item,
                    "region": item.region,
                    "days": (item.due_on - today).days,
                    "item_url": absolute_url("admin:roadmap_roadmapitem_change", item.pk),
                    "profile_url": absolute_url("roadmap:profile"),
                },
            )
        )
    return len(messages_queue(drafts=drafts))


# ------------------------------------------------------------------ choices


def notification_choices_get(*, user) -> dict:
    """The person's current choices, the defaults where they made none (the profile page's form)."""
    preference = preference_of(user)
    if preference is not None:
        return {
            "frequency": preference.frequency,
            "due_reminders": preference.due_reminders,
            "language": preference.language,
        }
    contact = Contact.objects.filter(user=user).first()
    return {"frequency": NoticeFrequency.AT_ONCE, "due_reminders": True, "language": default_language(contact=contact)}


@transaction.atomic
def notification_preference_update(
    *, user, frequency: str | None = None, language: str | None = None, due_reminders: bool | None = None
) -> NotificationPreference:
    """Store a person's choices (those given). Choosing no e-mail drops the changes waiting for their digest:
    nobody reads them later out of the blue."""
    contact = Contact.objects.filter(user=user).first()
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
        user=user, defaults={"language": default_language(contact=contact)}
    )
    if frequency is not None:
        preference.frequency = NoticeFrequency(frequency)
    if language is not None:
        preference.language = Language(language)
    if due_reminders is not None:
        preference.due_reminders = due_reminders
    preference.save()
    if preference.frequency == NoticeFrequency.NEVER:
        DigestEntry.objects.filter(recipient=user, digested_at__isnull=True).delete()
    return preference


def notices_unsubscribe(*, user, topic: str) -> NotificationPreference:
    """One click from a roadmap e-mail: no more notices of changes (officials) or due-date reminders (staff)."""
    if topic == CHANGES:
        return notification_preference_update(user=user, frequency=NoticeFrequency.NEVER)
    return notification_preference_update(user=user, due_reminders=False)
