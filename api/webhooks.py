"""Webhooks: each change a partner subscribed to is a delivery row written in the transaction of the change
(core.events → `deliveries_queue`), handed to a task after commit (api.tasks), posted by api.delivery.

Inside the app: webhooks → tasks → delivery → models, as the outbox's services → tasks → sending.

Lock order when a hook is made or changed: its account's row (the number of hooks per account), then the hook's.
"""

import itertools
import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.delivery import DeliveryRefused, resolved_address
from api.models import Webhook, WebhookDelivery
from api.tasks import webhook_delivery_send
from core.generation_watch import KeptReads
from core.versioning import refuse_if_changed
from regions.selectors import region_for_official, regions_visible_to

# Changes of a region's roadmap and decisions are private to the region; registrations (a person's) to ONMT;
# public events go to every hook subscribed.
PRIVATE_EVENTS = {Webhook.Event.ROADMAP_ITEM_CHANGED, Webhook.Event.DECISION_RECORDED}
STAFF_EVENTS = {Webhook.Event.REGISTRATION_CREATED, Webhook.Event.REGISTRATION_CANCELLED}
# What a partner changes, and what its version (If-Match) covers: not the failure count, which deliveries move
# without anybody's edit, nor the secret, which a version (signed, not encrypted) must never carry.
EDITABLE_FIELDS = ("name", "url", "events", "is_active")


def webhook_secret_new() -> str:
    return secrets.token_hex(32)


def _events_checked(*, user, events) -> list[str]:
    unknown = set(events) - set(Webhook.Event.values)
    if unknown or not events:
        raise ValidationError({"events": _("Choisissez des événements parmi ceux proposés.")})
    staff_only = sorted(set(events) & STAFF_EVENTS)
    if staff_only and not user.is_staff:
        raise ValidationError(
            {
                "events": _("Événements réservés aux comptes de l'ONMT (ils concernent des inscriptions) : %(events)s.")
                % {"events": ", ".join(staff_only)}
            }
        )
    return sorted(set(events))


def _address_checked(url: str) -> None:
    # The check each delivery makes again (the address may resolve elsewhere by then): refused now, the partner
    # learns it while registering rather than from failed deliveries.
    try:
        resolved_address(url)
    except DeliveryRefused as refusal:
        raise ValidationError({"url": str(refusal)}) from refusal


@transaction.atomic
def webhook_create(*, user, name: str, url: str, events: list[str]) -> Webhook:
    """A hook acting within `user`'s reach (staff, or a CRT official's region), with a new signing secret.

    Registration events are ONMT's; the address must be one a delivery may post to; an account holds at most
    API_WEBHOOKS_PER_USER hooks."""
    if not (user.is_staff or regions_visible_to(user=user).exists()):
        raise ValidationError({"user": _("Un webhook agit pour un membre de l'ONMT ou un responsable de CRT.")})
    hook = Webhook(
        user=user, name=name, url=url, events=_events_checked(user=user, events=events), secret=webhook_secret_new()
    )
    hook.full_clean()
    _address_checked(url)
    get_user_model().objects.select_for_update().get(pk=user.pk)
    limit = settings.API_WEBHOOKS_PER_USER
    if Webhook.objects.filter(user=user).count() >= limit:
        raise ValidationError(
            _("Un compte a au plus %(limit)d webhooks : supprimez-en un avant d'en créer un autre.") % {"limit": limit},
            code="limit",
        )
    hook.save()
    return hook


# Every save and deletion of a hook is announced under this scope (api.apps), like a page's data.
WEBHOOKS_SCOPE = "webhooks"
# The events some active hook subscribes to; forgotten at once by a change of a hook in this process (api.apps).
events_subscribed_kept = KeptReads([WEBHOOKS_SCOPE])


def _events_subscribed() -> frozenset[str]:
    """Events at least one active hook wants: most changes (every registration) have none to tell, and
    learn it without a query while this process hears the hooks' changes pushed (core.generation_watch).
    A hook saved on another node is heard within Redis's push, a few milliseconds."""
    return events_subscribed_kept.get(WEBHOOKS_SCOPE, _events_read)


def _events_read() -> frozenset[str]:
    return frozenset(
        itertools.chain.from_iterable(Webhook.objects.filter(is_active=True).values_list("events", flat=True))
    )


@transaction.atomic
def webhook_update(*, hook: Webhook, data: Mapping[str, Any], seen_version: str = "") -> Webhook:
    """Change a hook's name, address, events or whether it is on (EDITABLE_FIELDS in `data`).

    With `seen_version` (core.versioning, over EDITABLE_FIELDS), a change made on a stale read is refused, never
    silently overwritten. Turning back on a hook disabled after failures starts its count of failures afresh;
    its pending deliveries go with the next sweep."""
    if "url" in data:
        # Before the lock: a DNS answer may take seconds.
        _address_checked(data["url"])
    current = Webhook.objects.select_for_update().select_related("user").get(pk=hook.pk)
    refuse_if_changed(current, seen_version)
    if "events" in data:
        current.events = _events_checked(user=current.user, events=data["events"])
    if data.get("is_active") and not current.is_active:
        current.consecutive_failures, current.disabled_at = 0, None
    for field in ("name", "url", "is_active"):
        if field in data:
            setattr(current, field, data[field])
    current.full_clean()
    current.save()
    return current


@transaction.atomic
def webhook_secret_rotate(*, hook: Webhook) -> Webhook:
    """A new signing secret, returned on the hook once; every attempt from now on is signed with it, retries of
    earlier deliveries included."""
    current = Webhook.objects.select_for_update().get(pk=hook.pk)
    current.secret = webhook_secret_new()
    current.save(update_fields=["secret", "updated_at"])
    return current


def webhook_delete(*, hook: Webhook) -> None:
    """The hook and its delivery log (pending deliveries are never posted)."""
    hook.delete()


def _entitled(hook: Webhook, name: str, region_id: int) -> bool:
    if name not in hook.events:
        return False
    if name in STAFF_EVENTS:
        return hook.user.is_staff
    if name not in PRIVATE_EVENTS or hook.user.is_staff:
        return True
    region = region_for_official(user=hook.user)
    return region is not None and region.pk == region_id


def deliveries_queue(*, name: str, region_id: int, payload: dict) -> None:
    """Listener of core.events: a delivery per active hook subscribed to `name` and allowed to know of it,
    stored in the caller's transaction and posted once it commits."""
    if name not in _events_subscribed():
        return
    hooks = [
        hook
        # Each official's region comes with the hook: no query per hook.
        for hook in Webhook.objects.filter(is_active=True).select_related("user__crt_contact__region")
        if _entitled(hook, name, region_id)
    ]
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(webhook=hook, event=name, payload={"event": name, **payload}) for hook in hooks
    )
    for delivery in deliveries:
        transaction.on_commit(lambda delivery_id=delivery.pk: webhook_delivery_send.delay(delivery_id))


@transaction.atomic
def webhook_deliveries_resend(*, deliveries) -> int:
    """Send these deliveries again (the same key: the receiver may recognise one it had); those of a hook that is
    off go once it is turned back on."""
    ids = list(deliveries.values_list("pk", flat=True))
    count = WebhookDelivery.objects.filter(pk__in=ids).update(
        status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now(), last_error=""
    )
    for delivery_id in ids:
        transaction.on_commit(lambda delivery_id=delivery_id: webhook_delivery_send.delay(delivery_id))
    return count
