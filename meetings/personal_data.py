"""What the meetings app keeps about a person who registered, entered in the register of core.personal_data.

The registration itself (what the person typed, their dates), their satisfaction-survey and consultation answers
and the admin's history of their registration (Django writes the person's name in it).
"""

from collections.abc import Sequence

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from core.models import ERASED_EMAIL_DOMAIN
from core.personal_data import PersonalData, personal_data_register
from meetings.models import ConsultationAnswer, Registration, SurveyResponse, new_manage_secret
from meetings.selectors.registration import registration_personal_data
from meetings.services.consultation import consultation_answers_anonymise

# What the person typed, or chose, on the form: blanked on erasure.
REGISTRATION_FIELDS = ("full_name", "organisation", "job_title", "email", "phone", "city", "message", "invited_contact")


def _registration_export(registration_ids: Sequence[int]) -> dict:
    registration = Registration.objects.select_related("meeting__region").get(pk=registration_ids[0])
    return registration_personal_data(registration=registration)


def registrations_anonymise(registration_ids: Sequence[int]) -> int:
    """Blank every personal field and revoke the personal link; status and dates stay for the counts."""
    registrations = list(Registration.objects.filter(pk__in=registration_ids))
    now = timezone.now()
    for registration in registrations:
        registration.updated_at = now
        registration.full_name = "—"
        registration.organisation = registration.job_title = registration.phone = ""
        registration.city = registration.message = ""
        registration.email = f"efface-{registration.public_id}{ERASED_EMAIL_DOMAIN}"
        registration.invited_contact = None
        registration.manage_secret = new_manage_secret()
    Registration.objects.bulk_update(registrations, [*REGISTRATION_FIELDS, "manage_secret", "updated_at"])
    return len(registrations)


def _survey_export(registration_ids: Sequence[int]) -> list[dict]:
    answers = SurveyResponse.objects.filter(registration_id__in=registration_ids).order_by("created_at")
    return [
        {"rating": answer.rating, "comment": answer.comment, "answered_at": answer.updated_at.isoformat()}
        for answer in answers
    ]


def _survey_erase(registration_ids: Sequence[int]) -> int:
    # The rating stays, anonymous, in the meeting's average; the words are the person's and go.
    return SurveyResponse.objects.filter(registration_id__in=registration_ids).update(comment="")


def _admin_history(registration_ids: Sequence[int]):
    content_type = ContentType.objects.get_for_model(Registration)
    return LogEntry.objects.filter(content_type=content_type, object_id__in=[str(pk) for pk in registration_ids])


def _admin_history_export(registration_ids: Sequence[int]) -> list[dict]:
    return [
        {"at": entry.action_time.isoformat(), "change": entry.get_change_message()}
        for entry in _admin_history(registration_ids).order_by("action_time")
    ]


def _admin_history_erase(registration_ids: Sequence[int]) -> int:
    # The admin writes str(registration), the person's name, in each line of its history.
    return _admin_history(registration_ids).update(
        object_repr=Concat(Value("Inscription effacée "), Cast("object_id", CharField())), change_message=""
    )


def register_personal_data() -> None:
    personal_data_register(
        PersonalData(
            model="meetings.registration",
            fields=(*REGISTRATION_FIELDS, "manage_secret"),
            section="",
            export=_registration_export,
            erase=registrations_anonymise,
            erase_order=10,
        )
    )
    personal_data_register(
        PersonalData(
            model="meetings.surveyresponse",
            fields=("comment",),
            section="survey",
            export=_survey_export,
            erase=_survey_erase,
        )
    )
    personal_data_register(
        PersonalData(
            model="meetings.consultationanswer",
            fields=("full_name", "email", "obstacle_other", "proposal", "secret"),
            section="consultation",
            export=_consultation_export,
            erase=_consultation_erase,
        )
    )
    personal_data_register(
        PersonalData(
            model="admin.logentry",
            fields=("object_repr", "change_message"),
            section="staff_history",
            export=_admin_history_export,
            erase=_admin_history_erase,
        )
    )


def _consultation_export(registration_ids: Sequence[int]) -> list[dict]:
    answers = (
        ConsultationAnswer.objects.filter(registration_id__in=registration_ids, answered_at__isnull=False)
        .select_related("meeting")
        .prefetch_related("markets")
        .order_by("answered_at")
    )
    return [
        {
            "meeting": answer.meeting.title,
            "markets": [market.name for market in answer.markets.all()],
            "product_lines": answer.product_lines,
            "obstacles": answer.obstacles,
            "obstacle_other": answer.obstacle_other,
            "proposal": answer.proposal,
            "consent_at": answer.consent_at.isoformat(),
            "consent_version": answer.consent_version,
            "answered_at": answer.answered_at.isoformat(),
            "outcome_emails": answer.outcome_emails,
        }
        for answer in answers
    ]


def _consultation_erase(registration_ids: Sequence[int]) -> int:
    return consultation_answers_anonymise(registration_ids=registration_ids)
