"""Demo roadmaps for the 12 regions, drawn from the ONMT press releases (tour launch, CNT convention).

`load_demo_roadmaps()` is called by the `load_demo_data` command; it is safe to run twice.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from meetings.models import Meeting
from plan.models import Market
from regions.models import Contact, Region
from roadmap.models import RoadmapItem
from roadmap.services import roadmap_item_acknowledge, roadmap_item_create

Axis, Product, Owner, Priority, Status = (
    RoadmapItem.Axis,
    RoadmapItem.ProductLine,
    RoadmapItem.Owner,
    RoadmapItem.Priority,
    RoadmapItem.Status,
)

# (title, description, axis, product line, owner, priority, market slugs); `{seat}` is the region's seat city.
COMMON_ITEMS = [
    (
        "Campagne de promotion sur les marchés prioritaires — {seat}",
        "Campagnes adaptées aux spécificités de la région, dès la réouverture des frontières, "
        "avec les tour-opérateurs et les compagnies aériennes.",
        Axis.PROMOTION,
        Product.OTHER,
        Owner.ONMT,
        Priority.HIGH,
        ["france", "espagne", "royaume-uni", "allemagne"],
    ),
    (
        "Campagne tourisme interne « {seat}, destination de proximité »",
        "Promotion de la destination auprès des Marocains, dès l'ouverture de la circulation entre les régions.",
        Axis.DOMESTIC,
        Product.OTHER,
        Owner.ONMT,
        Priority.HIGH,
        ["national"],
    ),
    (
        "Offres packagées et distribution pour le tourisme interne",
        "Solutions innovantes et pratiques avec les agences de voyages et les plateformes de réservation.",
        Axis.DOMESTIC,
        Product.OTHER,
        Owner.CNT,
        Priority.NORMAL,
        ["national", "mre"],
    ),
    (
        "Dispositif marketing et commercial avec les tour-opérateurs",
        "Accords de co-marketing et éductours sur les marchés prioritaires.",
        Axis.MARKETING,
        Product.OTHER,
        Owner.ONMT,
        Priority.NORMAL,
        ["france", "benelux", "italie"],
    ),
    (
        "Rencontres des prescripteurs internationaux (task force compétitivité)",
        "Aller à la rencontre des marchés pour rassurer et retrouver la confiance des opérateurs internationaux.",
        Axis.COMPETITIVENESS,
        Product.OTHER,
        Owner.CNT,
        Priority.NORMAL,
        ["royaume-uni", "etats-unis", "pays-du-golfe"],
    ),
    (
        "Formation des opérateurs au marketing digital et au Big Data",
        "Former les opérateurs nouvellement digitalisés ; sensibiliser à la présence en ligne et aux données.",
        Axis.DIGITAL,
        Product.OTHER,
        Owner.ONMT,
        Priority.NORMAL,
        [],
    ),
]

# Product task force items per region number: golf, MICE, cruises, water sports, nature, hiking…
PRODUCT_ITEMS = {
    1: [
        ("Escales de croisière au port de Tanger Ville", Product.CRUISES, ["espagne", "royaume-uni"]),
        ("Randonnée dans le Rif et à Chefchaouen", Product.HIKING, ["espagne", "allemagne"]),
    ],
    2: [
        ("Golf et balnéaire à Saïdia", Product.GOLF, ["france", "benelux"]),
        ("Écotourisme à la Moulouya", Product.NATURE, ["national"]),
    ],
    3: [
        ("Fès, capitale culturelle : circuits des médinas", Product.CULTURE, ["france", "etats-unis"]),
        ("Nature et randonnée dans le Moyen Atlas", Product.HIKING, ["national"]),
    ],
    4: [("Congrès et séminaires à Rabat", Product.MICE, ["france", "afrique-subsaharienne"])],
    5: [("Géoparc du M'Goun et cascades d'Ouzoud", Product.NATURE, ["national", "allemagne"])],
    6: [
        (
            "Casablanca, hub MICE et congrès internationaux",
            Product.MICE,
            ["france", "pays-du-golfe", "afrique-subsaharienne"],
        ),
        ("Escales de croisière à Casablanca", Product.CRUISES, ["etats-unis", "royaume-uni"]),
    ],
    7: [
        ("Marrakech, destination golf", Product.GOLF, ["royaume-uni", "scandinavie"]),
        ("Incentives et événements d'entreprise à Marrakech", Product.MICE, ["france", "espagne"]),
        ("Surf et kitesurf à Essaouira", Product.WATER_SPORTS, ["allemagne", "royaume-uni"]),
    ],
    8: [
        ("Bivouacs et circuits dans les dunes de Merzouga", Product.DESERT, ["espagne", "italie", "chine"]),
        ("Trekking dans la vallée des roses", Product.HIKING, ["france"]),
    ],
    9: [
        ("Agadir, destination golf d'hiver", Product.GOLF, ["royaume-uni", "scandinavie", "allemagne"]),
        ("Surf à Taghazout", Product.WATER_SPORTS, ["royaume-uni", "allemagne"]),
        ("Parc national de Souss-Massa et arganeraie", Product.NATURE, ["national"]),
    ],
    10: [("Plage Blanche et oasis : nature et désert", Product.DESERT, ["national", "espagne"])],
    11: [("Pêche sportive et sports nautiques à Foum El Oued", Product.WATER_SPORTS, ["espagne", "national"])],
    12: [
        ("Dakhla, capitale du kitesurf", Product.WATER_SPORTS, ["france", "espagne", "allemagne"]),
        ("Balnéaire et écotourisme dans la baie de Dakhla", Product.SEASIDE, ["national", "france"]),
    ],
}

# A plausible state of progress, a few months into the tour: (status, progress, due in days from today).
PROGRESS_CYCLE = [
    (Status.IN_PROGRESS, 40, 60),
    (Status.PLANNED, 0, 45),
    (Status.DONE, 100, -20),
    (Status.IN_PROGRESS, 20, -10),  # overdue
    (Status.PROPOSED, 0, 120),
    (Status.BLOCKED, 10, 30),
    (Status.PLANNED, 0, 90),
    (Status.DROPPED, 0, 15),
]


def _items_for(region: Region):
    yield from (
        (title.format(seat=region.seat_city), description, axis, product, owner, priority, markets)
        for title, description, axis, product, owner, priority, markets in COMMON_ITEMS
    )
    for title, product, markets in PRODUCT_ITEMS[region.number]:
        description = "Task force produit ONMT–CNT : hisser l'offre au niveau des destinations concurrentes."
        yield title, description, Axis.PRODUCT, product, Owner.CNT, Priority.NORMAL, markets


@transaction.atomic
def load_demo_roadmaps() -> int:
    """Create the demo roadmap items that do not exist yet; returns how many were created."""
    today = timezone.localdate()
    markets = {market.slug: market for market in Market.objects.all()}
    existing = set(RoadmapItem.objects.values_list("region_id", "title"))
    created = 0
    for region in Region.objects.all():
        meeting = Meeting.objects.filter(region=region, kind=Meeting.Kind.CRT_SESSION).order_by("starts_at").first()
        new_items = []
        for index, (title, description, axis, product, owner, priority, slugs) in enumerate(_items_for(region)):
            if (region.pk, title) in existing:
                continue
            status, progress, due_in = PROGRESS_CYCLE[(index + region.number) % len(PROGRESS_CYCLE)]
            due_on = today + datetime.timedelta(days=due_in)
            new_items.append(
                roadmap_item_create(
                    actor=None,
                    region=region,
                    title=title,
                    description=description,
                    axis=axis,
                    product_line=product,
                    owner=owner,
                    priority=priority,
                    status=status,
                    progress=progress,
                    starts_on=min(today, due_on) - datetime.timedelta(days=30),
                    due_on=due_on,
                    meeting=meeting,
                    markets=[markets[slug] for slug in slugs],
                )
            )
        created += len(new_items)
        official = Contact.objects.filter(region=region, user__isnull=False).select_related("user").first()
        if official is not None:
            # The region's CRT has already reviewed the first actions agreed with it.
            for item in new_items[:2]:
                roadmap_item_acknowledge(actor=official.user, item=item, revision=item.revision)
    return created
