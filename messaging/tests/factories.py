import factory

from meetings.tests.factories import MeetingFactory
from messaging.models import OutboundMessage, Reminder


class OutboundMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboundMessage

    kind = OutboundMessage.Kind.INVITATION
    idempotency_key = factory.Sequence(lambda n: f"test:{n}")
    recipient_email = factory.Sequence(lambda n: f"person{n}@example.ma")
    recipient_name = "Amina Alaoui"
    subject = "Invitation"
    body_text = "Bonjour"
    body_html = "<p>Bonjour</p>"


class ReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reminder

    meeting = factory.SubFactory(MeetingFactory)
    offset = Reminder.DEFAULT_OFFSET
