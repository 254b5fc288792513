import datetime
from decimal import Decimal

import factory

from plan.models import Market
from regions.models import Region
from roadmap.models import Acknowledgement, BudgetLine, Comment, Indicator, Reading, RoadmapItem


def market(slug: str) -> Market:
    """One of the markets seeded by the migration."""
    return Market.objects.get(slug=slug)


class RoadmapItemFactory(factory.django.DjangoModelFactory):
    """An item written straight to the table (no history row); tests of the services call them instead."""

    class Meta:
        model = RoadmapItem
        skip_postgeneration_save = True

    region = factory.LazyFunction(lambda: Region.objects.get(number=12))
    title = factory.Sequence(lambda n: f"Action n°{n}")
    description = "Campagne de promotion ciblée avec les tour-opérateurs."
    axis = RoadmapItem.Axis.PROMOTION
    product_line = RoadmapItem.ProductLine.SEASIDE
    owner = RoadmapItem.Owner.ONMT
    status = RoadmapItem.Status.PLANNED
    progress = 10

    @factory.post_generation
    def markets(self, create, extracted, **kwargs):
        if create and extracted:
            self.markets.set(extracted)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    item = factory.SubFactory(RoadmapItemFactory)
    author = factory.SubFactory("regions.tests.factories.UserFactory")
    body = factory.Sequence(lambda n: f"Remarque n°{n} du CRT")


class AcknowledgementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Acknowledgement

    item = factory.SubFactory(RoadmapItemFactory)
    user = factory.SubFactory("regions.tests.factories.UserFactory")
    revision = factory.LazyAttribute(lambda ack: ack.item.revision)


class IndicatorFactory(factory.django.DjangoModelFactory):
    """An indicator written straight to the table (the item's progress does not follow: services do that)."""

    class Meta:
        model = Indicator

    item = factory.SubFactory(RoadmapItemFactory)
    name = factory.Sequence(lambda n: f"Nuitées n°{n}")
    unit = "nuitées"
    baseline = Decimal(1000)
    target = Decimal(2000)


class ReadingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reading

    indicator = factory.SubFactory(IndicatorFactory)
    value = Decimal(1500)
    measured_on = factory.Sequence(lambda n: datetime.date(2026, 1, 1) + datetime.timedelta(days=n))
    source = "Observatoire régional du tourisme"


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    item = factory.SubFactory(RoadmapItemFactory)
    funder = BudgetLine.Funder.ONMT
    planned = Decimal("1250000.00")
    committed = Decimal("800000.00")
    spent = Decimal("300000.50")
