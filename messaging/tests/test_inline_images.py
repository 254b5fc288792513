"""The check-in code travels inside the confirmation e-mail as an inline image, as a real SMTP server receives it."""

import pytest

from meetings.checkin import checkin_url
from meetings.models import Registration
from meetings.services import registration as registration_services
from meetings.tests.factories import MeetingFactory
from messaging import sending
from messaging.models import OutboundMessage

pytestmark = pytest.mark.django_db

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _register(meeting, email):
    return registration_services.registration_create(
        meeting_id=meeting.pk,
        full_name="Nadia Benali",
        organisation="Dakhla Attitude",
        sector=Registration.Sector.LODGING,
        email=email,
        phone="+212612345678",
    ).registration


def _html_and_images(received):
    html = next(part for part in received.walk() if part.get_content_type() == "text/html")
    images = [part for part in received.walk() if part.get_content_maintype() == "image"]
    return html.get_payload(decode=True).decode(), images


def test_a_confirmed_registrant_receives_the_check_in_code_inline(smtp, django_capture_on_commit_callbacks):
    meeting = MeetingFactory(capacity=1)
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = _register(meeting, "nadia@example.ma")
        waiting = _register(meeting, "karim@example.ma")
    assert sending.messages_send_batch(message_ids=list(OutboundMessage.objects.values_list("pk", flat=True))) == []
    assert (confirmed.status, waiting.status) == (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED)
    by_recipient = {received["To"].rpartition("<")[2].rstrip(">"): received for received in smtp.received}

    html, images = _html_and_images(by_recipient["nadia@example.ma"])
    assert 'src="cid:checkin-qr"' in html
    (image,) = images
    assert image["Content-ID"] == "<checkin-qr>" and image.get_content_disposition() == "inline"
    png = image.get_payload(decode=True)
    assert png.startswith(PNG_SIGNATURE) and len(png) > 200
    # The code is the staff scan link of this registration, nothing personal.
    assert checkin_url(confirmed).endswith(f"/{confirmed.public_id}/")
    # On the waiting list there is no seat yet, hence no code.
    html, images = _html_and_images(by_recipient["karim@example.ma"])
    assert "cid:checkin-qr" not in html and not images
