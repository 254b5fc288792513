import factory

from messaging.models import OutboundMessage


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
