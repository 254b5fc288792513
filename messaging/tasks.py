from celery import shared_task

from messaging import campaigns, services


@shared_task(bind=True, max_retries=8, acks_late=True)
def send_batch(self, message_ids: list[int]) -> None:
    """Send messages by id over one SMTP connection; safe to run twice, retries what is left."""
    left = services.messages_send_batch(message_ids=message_ids)
    if left and self.request.retries < self.max_retries:
        raise self.retry(args=[left], countdown=services.retry_countdown(retries=self.request.retries))
    # Out of retries: the rows stay queued and the sweep dispatches them again later.


@shared_task
def sweep_messages() -> int:
    return services.messages_sweep()


@shared_task
def send_due_reminders() -> int:
    return campaigns.reminders_send_due()


@shared_task
def send_follow_ups() -> int:
    return campaigns.follow_ups_send()
