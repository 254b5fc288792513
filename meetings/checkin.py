"""The check-in code of a registration: a QR code of the staff scan link, on the pages and in the e-mails.

The link opens a staff page: without a staff login it is useless, and it carries no personal data.
"""

import io

import segno
from django.conf import settings
from django.urls import reverse

from meetings.models import AttendanceMode
from messaging.models import OutboundMessage

CHECKIN_QR_CONTENT_ID = "checkin-qr"
# Messages a registrant keeps to show at the door: they carry the code as an inline image.
MESSAGES_WITH_THE_CODE = (OutboundMessage.Kind.CONFIRMATION, OutboundMessage.Kind.REMINDER)


def checkin_url(registration) -> str:
    return settings.SITE_URL + reverse("admin:meetings_registration_scan", args=[registration.public_id])


def checkin_qr_svg(registration) -> str:
    return segno.make(checkin_url(registration), error="m").svg_inline(scale=4, border=2)


def checkin_qr_png(registration) -> bytes:
    buffer = io.BytesIO()
    segno.make(checkin_url(registration), error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


def message_inline_images(message: OutboundMessage) -> list[tuple[str, bytes]]:
    """The images a message shows in its text (settings.MESSAGING_INLINE_IMAGES names this for the outbox):
    the check-in code in a confirmed registrant's confirmation and reminders."""
    registration = message.registration
    if message.kind not in MESSAGES_WITH_THE_CODE or registration is None:
        return []
    # An online registrant has a join link instead: no door to show a code at.
    if registration.status != registration.Status.CONFIRMED or registration.mode != AttendanceMode.IN_PERSON:
        return []
    return [(CHECKIN_QR_CONTENT_ID, checkin_qr_png(registration))]
