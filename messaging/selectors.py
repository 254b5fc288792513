"""Reads of the outbox as a whole: how much waits to be sent, and for how long."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q

from messaging.models import OutboundMessage


@dataclass(frozen=True)
class OutboxHealth:
    queued: int
    failed: int
    # How long the oldest message due to be sent has waited (None when none waits).
    oldest_due_seconds: float | None


def outbox_health(*, now: datetime) -> OutboxHealth:
    """One query on the (status, send_after) index; sent messages, by far the most, are not counted."""
    figures = OutboundMessage.objects.filter(status__in=[OutboundMessage.Status.QUEUED, OutboundMessage.Status.FAILED])
    figures = figures.aggregate(
        queued=Count("pk", filter=Q(status=OutboundMessage.Status.QUEUED)),
        failed=Count("pk", filter=Q(status=OutboundMessage.Status.FAILED)),
        oldest_due=Min("send_after", filter=Q(status=OutboundMessage.Status.QUEUED, send_after__lte=now)),
        # A message without send_after is due from the moment it was queued.
        oldest_undated=Min("created_at", filter=Q(status=OutboundMessage.Status.QUEUED, send_after__isnull=True)),
    )
    oldest = min(filter(None, [figures["oldest_due"], figures["oldest_undated"]]), default=None)
    return OutboxHealth(
        queued=figures["queued"],
        failed=figures["failed"],
        oldest_due_seconds=(now - oldest).total_seconds() if oldest is not None else None,
    )
