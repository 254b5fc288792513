"""Webhooks: each change a partner subscribed to is a delivery row written in the transaction of the change
(core.events → `deliveries_queue`), handed to a task after commit (api.tasks), posted by api.delivery.

Inside the app: webhooks → tasks → delivery → models, as the outbox's services → tasks → sending.
"""

import itertools
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import Webhook, WebhookDelivery
from api.tasks import webhook_delivery_send
from core.generation_watch import Marks, watch
from regions.selectors import regions_visible_to

# Changes of a region's roadmap and decisions are private to the region; registrations (a person's) to ONMT;
# public events go to every hook subscribed.
PRIVATE_EVENTS = {Webhook.Event.ROADMAP_ITEM_CHANGED, Webhook.Event.DECISION_RECORDED}
STAFF_EVENTS = {Webhook.Event.REGISTRATION_CREATED, Webhook.Event.REGISTRATION_CANCELLED}


def webhook_secret_new() -> str:
    return secrets.token_hex(32)


@transaction.atomic
def webhook_create(*, user, name: str, url: str, events: list[str]) -> Webhook:
    """A hook acting within `user`'s reach (staff, or a CRT official's region), with a new signing secret."""
    unknown = set(events) - set(Webhook.Event.values)
    if unknown or not events:
        raise ValidationError({"events": _("Choisissez des événements parmi ceux proposés.")})
    if not (user.is_staff or regions_visible_to(user=user).exists()):
        raise ValidationError({"user": _("Un webhook agit pour un membre de l'ONMT ou un responsable de CRT.")})
    hook = Webhook(user=user, name=name, url=url, events=sorted(events), secret=webhook_secret_new())
    hook.full_clean()
    hook.save()
    return hook


# Every save and deletion of a hook is announced under this scope (api.apps), like a page's data.
WEBHOOKS_SCOPE = "webhooks"
# The events some active hook subscribes to, with what this process had heard of the hooks' changes
# before reading them.
_subscribed: tuple[Marks, frozenset[str]] | None = None


def _events_subscribed() -> frozenset[str]:
    """Events at least one active hook wants: most changes (every registration) have none to tell, and
    learn it without a query while this process hears the hooks' changes pushed (core.generation_watch).
    A hook saved on another node is heard within Redis's push, a few milliseconds."""
    global _subscribed
    marks = watch.marks((WEBHOOKS_SCOPE,))
    if marks is not None and _subscribed is not None and _subscribed[0] == marks:
        return _subscribed[1]
    events = Webhook.objects.filter(is_active=True).values_list("events", flat=True)
    subscribed = frozenset(itertools.chain.from_iterable(events))
    _subscribed = (marks, subscribed) if marks is not None else None
    return subscribed


def webhooks_changed(**_signal_kwargs) -> None:
    """At once in this process, for the transaction that changed a hook to see its change before it commits."""
    global _subscribed
    _subscribed = None


def _entitled(hook: Webhook, name: str, region_id: int) -> bool:
    if name not in hook.events:
        return False
    if name in STAFF_EVENTS:
        return hook.user.is_staff
    if name not in PRIVATE_EVENTS or hook.user.is_staff:
        return True
    return regions_visible_to(user=hook.user).filter(pk=region_id).exists()


def deliveries_queue(*, name: str, region_id: int, payload: dict) -> None:
    """Listener of core.events: a delivery per active hook subscribed to `name` and allowed to know of it,
    stored in the caller's transaction and posted once it commits."""
    if name not in _events_subscribed():
        return
    hooks = [
        hook
        for hook in Webhook.objects.filter(is_active=True).select_related("user")
        if _entitled(hook, name, region_id)
    ]
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(webhook=hook, event=name, payload={"event": name, **payload}) for hook in hooks
    )
    for delivery in deliveries:
        transaction.on_commit(lambda delivery_id=delivery.pk: webhook_delivery_send.delay(delivery_id))


@transaction.atomic
def webhook_deliveries_resend(*, deliveries) -> int:
    """Staff send these deliveries again (the same key: the receiver may recognise one it had)."""
    ids = list(deliveries.values_list("pk", flat=True))
    count = WebhookDelivery.objects.filter(pk__in=ids).update(
        status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now(), last_error=""
    )
    for delivery_id in ids:
        transaction.on_commit(lambda delivery_id=delivery_id: webhook_delivery_send.delay(delivery_id))
    return count
