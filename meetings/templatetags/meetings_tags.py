from django import template

from meetings.models import Meeting, RegistrationState

register = template.Library()


@register.filter
def registration_state(meeting: Meeting) -> RegistrationState:
    """The registration state of a meeting annotated with `seats_taken` (see meetings.selectors)."""
    return meeting.registration_state(seats_taken=meeting.seats_taken)
