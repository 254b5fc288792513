from datetime import timedelta

import factory
from django.utils import timezone

from meetings.tests.factories import MeetingFactory


class OpenMeetingFactory(MeetingFactory):
    """A meeting whose registration is open now, however far ahead the sequence puts its start."""

    registration_opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
