import factory

from plan.models import Market
from regions.models import Region
from roadmap.models import Acknowledgement, Comment, RoadmapItem


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
