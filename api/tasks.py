from celery import shared_task

from api.delivery import webhook_deliveries_due, webhook_delivery_attempt


@shared_task(ignore_result=True)
def webhook_delivery_send(delivery_id: int) -> None:
    """One attempt at a delivery; a failed one waits for its backoff and the sweep."""
    webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def webhook_deliveries_sweep() -> None:
    """Deliveries due again (their backoff ended) or whose task was lost."""
    for delivery_id in webhook_deliveries_due():
        webhook_delivery_send.delay(delivery_id)
