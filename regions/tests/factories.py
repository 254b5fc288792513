import factory
from django.contrib.auth import get_user_model

from regions.models import Contact, Region


def region(number: int) -> Region:
    """One of the 12 regions seeded by the migration."""
    return Region.objects.get(number=number)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.ma")
    password = factory.django.Password("a-long-test-password")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    region = factory.LazyFunction(lambda: Region.objects.get(number=12))
    kind = Contact.Kind.CRT_MEMBER
    full_name = factory.Faker("name", locale="fr_FR")
    organisation = "CRT"
    role = "Chargé(e) de mission"
    email = factory.Sequence(lambda n: f"contact{n}@crt.ma")


class OfficialFactory(ContactFactory):
    """A CRT member with a portal login: a CRT official of `region`."""

    user = factory.SubFactory(UserFactory)
