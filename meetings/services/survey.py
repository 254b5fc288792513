from django.db import transaction

from meetings.models import SurveyResponse


@transaction.atomic
def survey_response_save(*, registration, rating: int, comment: str = "") -> SurveyResponse:
    """Record (or replace) a registrant's answer to the satisfaction survey."""
    response, _created = SurveyResponse.objects.update_or_create(
        registration=registration,
        defaults={"meeting_id": registration.meeting_id, "rating": rating, "comment": comment.strip()},
    )
    return response
