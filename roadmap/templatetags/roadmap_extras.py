from django import template

from roadmap import changes

register = template.Library()


@register.filter
def person(user) -> str:
    """A user's full name, else username; "—" for no one (a deleted account, or the demo loader)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


@register.filter
def change_rows(fields) -> list:
    """A stored change's fields as label, before and after, in the active language (the reader's)."""
    return changes.change_rows(fields)
