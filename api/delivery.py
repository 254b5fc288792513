"""Posting a webhook delivery: one attempt, signed, to an address checked after DNS resolution.

Lock order: a delivery's row, then its webhook's (a failure counts against the hook). The row stays locked
while the partner's server answers, so a retry, the sweep or a second worker never post it at the same time;
a delivery posted but not recorded (a worker killed meanwhile) is posted again with the same key, which the
receiver recognises.

Signature: `X-ONMT-Signature: sha256=<hex HMAC-SHA256 of "<X-ONMT-Timestamp>.<body>" with the hook's secret>`.
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import Webhook, WebhookDelivery
from messaging.models import OutboundMessage
from messaging.services import MessageDraft, messages_queue

USER_AGENT = "ONMT-Tournee-Webhooks/1"


class DeliveryRefused(Exception):
    """The address may not be posted to (a private network, an unknown host, a bad scheme)."""


def signature(*, secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return True
    return ip.is_global and not ip.is_multicast


def resolved_address(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, address) with the address checked after DNS resolution: never a loopback,
    private, link-local or reserved one unless settings allow it. The connection goes to that very address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryRefused(_("Adresse refusée : seules http et https sont admises."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise DeliveryRefused(_("Adresse refusée : le port doit être compris entre 1 et 65535.")) from error
    try:
        addresses = [info[4][0] for info in socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)]
    # UnicodeError: a name the IDNA codec cannot encode (a label too long), which no DNS could answer either.
    except (socket.gaierror, UnicodeError) as error:
        raise DeliveryRefused(_("Nom d'hôte introuvable : %(host)s.") % {"host": parts.hostname}) from error
    if not addresses or not all(_address_allowed(address) for address in addresses):
        raise DeliveryRefused(_("Adresse refusée : %(host)s est sur un réseau privé.") % {"host": parts.hostname})
    return parts.scheme, parts.hostname, port, addresses[0]


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the address already checked, with the certificate checked against the host name."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _post(url: str, body: bytes, headers: dict) -> int:
    scheme, host, port, address = resolved_address(url)
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    if scheme == "https":
        connection = _PinnedHTTPSConnection(host, port, address=address, timeout=timeout)
    else:
        connection = http.client.HTTPConnection(address, port, timeout=timeout)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers={**headers, "Host": parts.netloc.rsplit("@", 1)[-1]})
        return connection.getresponse().status
    finally:
        connection.close()


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(settings.WEBHOOK_RETRY_BACKOFF * 2 ** (attempts - 1), 3600))


def _notify_staff_disabled(hook: Webhook) -> None:
    admin_url = settings.SITE_URL + reverse("admin:api_webhookdelivery_changelist") + f"?webhook__id__exact={hook.pk}"
    staff = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    messages_queue(
        drafts=[
            MessageDraft(
                kind=OutboundMessage.Kind.WEBHOOK_DISABLED,
                idempotency_key=f"webhook_disabled:{hook.pk}:{hook.disabled_at.isoformat()}:{user.pk}",
                recipient_email=user.email,
                recipient_name=user.get_full_name() or user.username,
                template="webhook_disabled",
                context={"webhook": hook, "admin_url": admin_url},
            )
            for user in staff
        ]
    )


def _failed(delivery: WebhookDelivery, *, error: str, response_status: int | None, final: bool) -> None:
    now = timezone.now()
    delivery.last_error, delivery.response_status = error[:500], response_status
    if final or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
    else:
        delivery.next_attempt_at = now + _backoff(delivery.attempts)
    delivery.save()
    hook = Webhook.objects.select_for_update().get(pk=delivery.webhook_id)
    hook.consecutive_failures += 1
    if hook.is_active and hook.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER_FAILURES:
        hook.is_active, hook.disabled_at = False, now
        _notify_staff_disabled(hook)
    hook.save()


@transaction.atomic
def webhook_delivery_attempt(*, delivery_id: int) -> WebhookDelivery | None:
    """Post the delivery if it is due and its hook active; record the answer. None when there is nothing to do
    (delivered, failed, not yet due, or being posted by another worker)."""
    delivery = (
        WebhookDelivery.objects.select_for_update(skip_locked=True)
        .select_related("webhook")
        .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now())
        .first()
    )
    if delivery is None or not delivery.webhook.is_active:
        return None
    delivery.attempts += 1
    body = json.dumps(
        {"id": str(delivery.idempotency_key), "created_at": delivery.created_at, "data": delivery.payload},
        cls=DjangoJSONEncoder,
    ).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-ONMT-Event": delivery.event,
        "X-ONMT-Delivery": str(delivery.idempotency_key),
        "X-ONMT-Timestamp": timestamp,
        "X-ONMT-Signature": signature(secret=delivery.webhook.secret, timestamp=timestamp, body=body),
    }
    try:
        status = _post(delivery.webhook.url, body, headers)
    except DeliveryRefused as refusal:
        _failed(delivery, error=str(refusal), response_status=None, final=True)
        return delivery
    except (OSError, http.client.HTTPException) as error:
        _failed(delivery, error=f"{type(error).__name__}: {error}", response_status=None, final=False)
        return delivery
    if 200 <= status < 300:
        delivery.status, delivery.delivered_at, delivery.response_status = (
            WebhookDelivery.Status.DELIVERED,
            timezone.now(),
            status,
        )
        delivery.last_error = ""
        delivery.save()
        Webhook.objects.filter(pk=delivery.webhook_id).update(consecutive_failures=0)
    else:
        _failed(delivery, error=f"HTTP {status}", response_status=status, final=False)
    return delivery


def webhook_deliveries_due(*, limit: int = 500) -> list[int]:
    """Ids of the deliveries due now (retries whose backoff ended, and any whose task was lost)."""
    due = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now(), webhook__is_active=True
    )
    return list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
