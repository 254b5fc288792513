"""Roadmap rows for the benchmark data set (bulk inserts, no services: speed over history semantics)."""

from datetime import timedelta

from django.utils import timezone

from plan.models import Market
from roadmap.models import Comment, RoadmapItem, StatusChange

BATCH = 5000


def generate_roadmaps(*, regions, meetings, items: int, items_of_first_region: int):
    """Create `items` roadmap items (the first region gets exactly `items_of_first_region`), each with
    one history row and one comment; returns the region whose official page the benchmark loads."""
    measured = regions[0]
    others = regions[1:]
    axes = [choice for choice, _ in RoadmapItem.Axis.choices]
    statuses = [choice for choice, _ in RoadmapItem.Status.choices]
    products = [choice for choice, _ in RoadmapItem.ProductLine.choices]
    meetings_by_region = {}
    for meeting in meetings:
        meetings_by_region.setdefault(meeting.region_id, meeting)
    today = timezone.localdate()
    rows = []
    for n in range(max(items, items_of_first_region)):
        region = measured if n < items_of_first_region else others[n % len(others)]
        rows.append(
            RoadmapItem(
                region=region,
                title=f"Action {n} — promotion sur les marchés prioritaires",
                description="Plan de relance.",
                axis=axes[n % len(axes)],
                product_line=products[n % len(products)],
                status=statuses[n % len(statuses)],
                progress=(n * 7) % 101,
                starts_on=today - timedelta(days=90),
                due_on=today + timedelta(days=(n % 200) - 60),
                meeting=meetings_by_region.get(region.pk),
            )
        )
    created = []
    for start in range(0, len(rows), BATCH):
        created += RoadmapItem.objects.bulk_create(rows[start : start + BATCH])
    now = timezone.now()
    StatusChange.objects.bulk_create(
        (
            StatusChange(
                item=item, changed_at=now, from_status="proposed", to_status=item.status, to_progress=item.progress
            )
            for item in created
        ),
        batch_size=BATCH,
    )
    Comment.objects.bulk_create(
        (Comment(item=item, body="Point à suivre avec le CRT.") for item in created), batch_size=BATCH
    )
    markets = list(Market.objects.all()[:3])
    through = RoadmapItem.markets.through
    through.objects.bulk_create(
        (through(roadmapitem=item, market=markets[i % len(markets)]) for i, item in enumerate(created)),
        batch_size=BATCH,
    )
    return measured
