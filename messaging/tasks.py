from celery import shared_task

from messaging import services


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def send_message(self, message_id: int) -> bool:
    """Send one OutboundMessage by id; safe to run twice."""
    return services.message_send(message_id=message_id)
