from datetime import timedelta

import factory
from django.utils import timezone

from meetings.models import AgendaItem, Decision, Meeting, Registration, Reminder, Tour
from regions.models import Region


class TourFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tour
        django_get_or_create = ["slug"]

    name = "Tournée régionale de la relance 2026"
    slug = "relance-2026"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=365))
    is_published = True


class MeetingFactory(factory.django.DjangoModelFactory):
    """A published professionals' meeting, open for registration, about a month ahead."""

    class Meta:
        model = Meeting

    tour = factory.SubFactory(TourFactory)
    region = factory.LazyFunction(lambda: Region.objects.get(number=12))
    kind = Meeting.Kind.PROFESSIONALS
    title = factory.Sequence(lambda n: f"Rencontre des professionnels n°{n}")
    slug = factory.Sequence(lambda n: f"rencontre-{n}")
    status = Meeting.Status.PUBLISHED
    # One day apart, within the next 30 to 230 days whatever the length of the run: inside the default
    # tour (a year), with room to postpone, and never the same day for two meetings of one test.
    # At 10:00 in Casablanca, so that a meeting never runs past midnight whatever the hour the tests run.
    starts_at = factory.Sequence(
        lambda n: (
            timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=30 + n % 200)
        )
    )
    ends_at = factory.LazyAttribute(lambda meeting: meeting.starts_at + timedelta(hours=3))
    venue_name = "Palais des congrès"
    address = "Avenue Mohammed V"
    city = "Dakhla"
    capacity = 50
    # Already open, also for the meetings far ahead that a long test run's sequence makes.
    registration_opens_at = factory.LazyAttribute(
        lambda meeting: min(timezone.now() - timedelta(days=1), meeting.starts_at - timedelta(days=60))
    )
    registration_closes_at = factory.LazyAttribute(lambda meeting: meeting.starts_at - timedelta(hours=2))


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    position = factory.Sequence(int)
    title = "Plan stratégique de relance"


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    meeting = factory.SubFactory(MeetingFactory)
    full_name = factory.Faker("name", locale="fr_FR")
    organisation = "Hôtel Atlas"
    sector = Registration.Sector.LODGING
    email = factory.Sequence(lambda n: f"pro{n}@example.ma")
    phone = "+212612345678"
    consent_at = factory.LazyFunction(timezone.now)
    status = Registration.Status.CONFIRMED


def registration_form_data(*, email: str) -> dict:
    """What a professional posts on the registration form."""
    return {
        "full_name": "Youssef Amrani",
        "organisation": "Riad Dakhla",
        "sector": Registration.Sector.LODGING,
        "email": email,
        "phone": "+212612345678",
        "consent": "on",
    }


class ReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reminder

    meeting = factory.SubFactory(MeetingFactory)
    offset = Reminder.DEFAULT_OFFSET


class DecisionFactory(factory.django.DjangoModelFactory):
    """A public regional decision of a meeting, on one of its agenda items."""

    class Meta:
        model = Decision
        skip_postgeneration_save = True

    meeting = factory.SubFactory(MeetingFactory, status=Meeting.Status.HELD)
    agenda_item = factory.SubFactory(AgendaItemFactory, meeting=factory.SelfAttribute("..meeting"))
    title = factory.Sequence(lambda n: f"Engagement n°{n}")
    details = "Précisions internes de la décision."
    axis = Decision.Axis.PROMOTION
    product_line = Decision.ProductLine.SEASIDE
    owner = Decision.Owner.ONMT
    position = factory.Sequence(int)

    @factory.post_generation
    def markets(self, create, extracted, **kwargs):
        if create and extracted:
            self.markets.set(extracted)
