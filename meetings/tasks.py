from celery import shared_task

# The minutes document's tasks, queued by the services: named here for the worker's autodiscovery.
from meetings.document_tasks import make_minutes_document, notify_minutes_validated
from meetings.services import campaigns, consultation
from meetings.services import registration as registration_services

__all__ = [
    "expire_seat_offers",
    "make_minutes_document",
    "notify_minutes_validated",
    "purge_consultation_answers",
    "purge_registrations",
    "send_due_consultations",
    "send_due_reminders",
    "send_follow_ups",
]


@shared_task
def expire_seat_offers() -> int:
    """Beat: end seat offers past their deadline and offer the seats to the next people; safe to run twice."""
    return registration_services.registration_offers_expire()


@shared_task
def purge_registrations() -> int:
    """Beat: erase registrations past the retention period (as `manage.py purge_registrations`); safe to run twice."""
    return registration_services.registrations_purge_expired()


@shared_task
def send_due_reminders() -> int:
    """Beat: queue the messages of the reminders that are due, each reminder once."""
    return campaigns.reminders_send_due()


@shared_task
def send_follow_ups() -> int:
    """Beat: queue the follow-up of every meeting recently marked held, once."""
    return campaigns.follow_ups_send()


@shared_task
def send_due_consultations() -> int:
    """Beat: send the consultation of meetings starting within MEETINGS_CONSULTATION_DAYS_BEFORE days to each
    registrant and invited contact not sent it yet; safe to run twice."""
    return consultation.consultations_send_due()


@shared_task
def purge_consultation_answers() -> int:
    """Beat: erase the consultation answers of meetings past the retention period; safe to run twice."""
    return consultation.consultation_answers_purge_expired()
