from django.db.models import Avg, Count, Q, QuerySet

from core.models import ERASED_EMAIL_DOMAIN
from meetings.models import MeetingMessageStats, Registration
from messaging.models import OutboundMessage


def survey_registration_get(*, registration_id: int) -> Registration | None:
    """The registration a survey link belongs to, if it may still answer (it came to or missed the meeting).

    Not once erased: the link then shows nothing, as every personal link of an erased person.
    """
    return (
        Registration.objects.select_related("meeting", "meeting__region", "survey_response")
        .filter(pk=registration_id, status__in=[Registration.Status.ATTENDED, Registration.Status.CONFIRMED])
        .exclude(email__endswith=ERASED_EMAIL_DOMAIN)
        .first()
    )


def meetings_with_message_counts() -> QuerySet[MeetingMessageStats]:
    """Meetings with their message counts by status and survey results, in one query."""
    status = OutboundMessage.Status
    return MeetingMessageStats.objects.select_related("region").annotate(
        queued=Count("messages", filter=Q(messages__status=status.QUEUED), distinct=True),
        sent=Count("messages", filter=Q(messages__status=status.SENT), distinct=True),
        failed=Count("messages", filter=Q(messages__status=status.FAILED), distinct=True),
        responses=Count("survey_responses", distinct=True),
        average_rating=Avg("survey_responses__rating"),
    )
