from celery import shared_task

from meetings import registration_services


@shared_task
def expire_seat_offers() -> int:
    """Beat: end seat offers past their deadline and offer the seats to the next people; safe to run twice."""
    return registration_services.registration_offers_expire()


@shared_task
def purge_registrations() -> int:
    """Beat: erase registrations past the retention period (as `manage.py purge_registrations`); safe to run twice."""
    return registration_services.registrations_purge_expired()
