from django import template

from meetings.calendar import WebCalendarLinks, web_calendar_links
from meetings.models import Meeting, ModeSeats, RegistrationState

register = template.Library()


@register.filter
def registration_state(meeting: Meeting) -> RegistrationState:
    """The registration state of a meeting annotated with `seats_taken` and `online_seats_taken` (see
    meetings.selectors)."""
    return meeting.registration_state(seats_taken=meeting.seats_taken, online_seats_taken=meeting.online_seats_taken)


@register.filter
def seats_by_mode(meeting: Meeting) -> list[ModeSeats]:
    """Seats left per mode of a meeting annotated as for `registration_state`."""
    return meeting.seats_by_mode(seats_taken=meeting.seats_taken, online_seats_taken=meeting.online_seats_taken)


@register.simple_tag
def calendar_links(meeting: Meeting) -> WebCalendarLinks:
    return web_calendar_links(meeting)
