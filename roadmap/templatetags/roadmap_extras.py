from django import template

register = template.Library()


@register.filter
def person(user) -> str:
    """A user's full name, else username; "—" for no one (a deleted account, or the demo loader)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()
