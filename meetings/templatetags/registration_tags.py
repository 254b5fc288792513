from django import template
from django.conf import settings
from django.utils.safestring import mark_safe

from meetings.checkin import checkin_qr_svg
from meetings.forms import registration_form_for
from meetings.models import RegistrationState
from meetings.selectors.registration import registration_seats_taken_by_mode

register = template.Library()


@register.inclusion_tag("meetings/registration_form.html", takes_context=True)
def registration_panel(context):
    """The registration form for `meeting`, using the page's `registration_state` and seats taken (in person,
    online) when given."""
    meeting = context["meeting"]
    seats_taken, online_seats_taken = context.get("seats_taken"), context.get("online_seats_taken")
    if seats_taken is None or (online_seats_taken is None and meeting.offers_online):
        seats = registration_seats_taken_by_mode(meeting_id=meeting.pk)
    else:
        seats = {"seats_taken": seats_taken, "online_seats_taken": online_seats_taken or 0}
    state = context.get("registration_state") or meeting.registration_state(**seats)
    request = context.get("request")
    invitation = request.GET.get("invitation", "") if request is not None else ""
    accepting = state in (RegistrationState.OPEN, RegistrationState.WAITLIST)
    return {
        "meeting": meeting,
        "registration_state": RegistrationState(state),
        "accepting": accepting,
        "form": registration_form_for(meeting, invitation) if accepting else None,
        "seats_left": context.get("seats_left"),
        # Per mode when the meeting is online too: each its own seats and waiting list.
        "mode_seats": meeting.seats_by_mode(**seats) if meeting.offers_online else [],
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }


@register.inclusion_tag("meetings/registration_notice.html")
def privacy_notice():
    """The law 09-08 notice shown beside the consent box."""
    return {
        "CNDP_DECLARATION_NUMBER": settings.CNDP_DECLARATION_NUMBER,
        "PRIVACY_CONTACT_EMAIL": settings.PRIVACY_CONTACT_EMAIL,
    }


@register.simple_tag
def checkin_qr(registration) -> str:
    """An inline SVG QR code of the staff check-in link (useless without a staff login)."""
    # No person's data in the markup: it is generated from the URL alone, so it is safe as is.
    return mark_safe(checkin_qr_svg(registration))
