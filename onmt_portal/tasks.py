from celery import shared_task

from onmt_portal import password_reset_email


@shared_task(acks_late=True)
def send_password_reset_email(*, email: str, language: str | None = None) -> None:
    """Send the reset e-mail to the accounts with this address (none: nothing is sent)."""
    password_reset_email.password_reset_email_send(email=email, language=language)
