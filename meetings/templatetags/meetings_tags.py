from django import template

from meetings.calendar import WebCalendarLinks, web_calendar_links
from meetings.models import Meeting, RegistrationState

register = template.Library()


@register.filter
def registration_state(meeting: Meeting) -> RegistrationState:
    """The registration state of a meeting annotated with `seats_taken` (see meetings.selectors)."""
    return meeting.registration_state(seats_taken=meeting.seats_taken)


@register.simple_tag
def calendar_links(meeting: Meeting) -> WebCalendarLinks:
    return web_calendar_links(meeting)
