"""Staff pages of the tour: Django's admin autodiscovery imports this package, which registers them all."""

from meetings.admin import meeting, messages, registration

__all__ = ["meeting", "messages", "registration"]
