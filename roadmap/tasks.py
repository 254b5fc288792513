"""The roadmap's beat jobs: thin, idempotent (each message has its unique key in the outbox)."""

from celery import shared_task

from roadmap import notifications, proposals


@shared_task
def send_roadmap_digests() -> int:
    """Beat: queue the officials' digests that are due and not yet sent, each once."""
    return notifications.digests_send()


@shared_task
def send_roadmap_due_reminders() -> int:
    """Beat: queue the due-date and overdue reminders of the staff answering for items, each once."""
    return notifications.due_reminders_send()


@shared_task
def send_proposal_outcomes() -> int:
    """Beat: tell each consultation proposal's author the new status of its item, once per status."""
    return proposals.proposal_outcomes_send()
