"""Demo roadmaps: the items that carry out what the held stops of the demo tour decided.

`load_demo_roadmaps()` is called by `load_demo_data` after the tour (meetings.demo), through the same
service staff use ("create the roadmap item" on a decision); a region whose meeting is ahead has no
roadmap yet. Items move on with the time since their meeting, so the older stops show progress, one
item done and one overdue. Safe to run twice.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from meetings.models import Decision
from regions.models import Contact
from roadmap.models import RoadmapItem
from roadmap.services import roadmap_item_acknowledge, roadmap_item_from_decision, roadmap_item_update

Status = RoadmapItem.Status


def _progress(decision: Decision, index: int, today: datetime.date) -> tuple[str, int] | None:
    """Where an item stands a while after its meeting: nothing moves in the first week."""
    days = (today - timezone.localtime(decision.meeting.starts_at).date()).days
    if days < 7:
        return None
    if decision.due_on and decision.due_on < today:
        # Most deadlines met; one in two of those past is left overdue, so the pages show what that looks like.
        return (Status.DONE, 100) if index % 2 == 0 else (Status.IN_PROGRESS, 70)
    if index == len(decision.meeting.decisions.all()) - 1 and days > 20:
        return Status.BLOCKED, 10
    return Status.IN_PROGRESS, min(90, days * 2 + 10 * index)


@transaction.atomic
def load_demo_roadmaps() -> int:
    """Create the items of the decisions that have none yet; returns how many were created."""
    today = timezone.localdate()
    pending = (
        Decision.objects.filter(roadmap_item__isnull=True, meeting__status="held")
        .select_related("meeting__region")
        .prefetch_related("meeting__decisions")
        .order_by("meeting__starts_at", "pk")
    )
    created = []
    for decision in pending:
        item = roadmap_item_from_decision(actor=None, decision=decision)
        index = [d.pk for d in decision.meeting.decisions.all()].index(decision.pk)
        progress = _progress(decision, index, today)
        if progress is not None:
            status, percent = progress
            item = roadmap_item_update(actor=None, item=item, data={"status": status, "progress": percent})
        created.append(item)
    for item in created[:2] + created[-1:]:
        official = Contact.objects.filter(region=item.region, user__isnull=False).select_related("user").first()
        if official is not None:
            roadmap_item_acknowledge(actor=official.user, item=item, revision=item.revision)
    return len(created)
