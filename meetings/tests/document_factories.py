"""Factories of the meeting outcomes the minutes PDF shows (minutes, entries, decisions, delegation, validations)."""

import factory
from django.utils import timezone

from meetings.models import (
    Decision,
    DelegationMember,
    Minutes,
    MinutesEntry,
    MinutesValidation,
    MinutesVersion,
)
from meetings.selectors.validation import content_hash, minutes_content
from meetings.tests.factories import MeetingFactory
from plan.models import Axis, Owner


class MinutesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Minutes

    meeting = factory.SubFactory(MeetingFactory)
    summary = "Les professionnels demandent plus de liaisons aériennes et une promotion ciblée."


class MinutesEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MinutesEntry

    minutes = factory.SubFactory(MinutesFactory)
    summary = "Présentation du plan de relance."
    points_raised = "Manque de vols directs depuis l'Europe."


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    meeting = factory.SubFactory(MeetingFactory)
    title = factory.Sequence(lambda n: f"Décision n°{n}")
    axis = Axis.values[0]
    owner = Owner.ONMT
    due_on = factory.LazyFunction(lambda: timezone.localdate().replace(month=12, day=31))


class DelegationMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DelegationMember

    meeting = factory.SubFactory(MeetingFactory)
    side = DelegationMember.Side.ONMT
    role = DelegationMember.Role.MEMBER
    full_name = factory.Faker("name", locale="fr_FR")
    organisation = "ONMT"


def minutes_validate(minutes: Minutes, *, signed_by: str = "Fatima Zahra Bennani") -> MinutesValidation:
    """Minutes sent as a new version and validated by the CRT, as the validation flow leaves them."""
    number = minutes.versions.count() + 1
    content = minutes_content(minutes=minutes)
    version = MinutesVersion.objects.create(
        minutes=minutes, number=number, content=content, content_hash=content_hash(content)
    )
    Minutes.objects.filter(pk=minutes.pk).update(status=Minutes.Status.VALIDATED)
    minutes.status = Minutes.Status.VALIDATED
    return MinutesValidation.objects.create(
        version=version,
        outcome=MinutesValidation.Outcome.VALIDATED,
        signed_by=signed_by,
        channel=MinutesValidation.Channel.ACCOUNT,
        content_hash=version.content_hash,
    )
