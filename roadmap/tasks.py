"""The roadmap's beat jobs: thin, idempotent (each message has its unique key in the outbox, each month one
report)."""

from celery import shared_task

from roadmap import notifications, proposals, report_services
from roadmap.report_tasks import make_monthly_report

# Named for the worker's autodiscovery, which reads this module only.
__all__ = [
    "make_last_month_report",
    "make_monthly_report",
    "send_proposal_outcomes",
    "send_roadmap_digests",
    "send_roadmap_due_reminders",
]


@shared_task
def send_roadmap_digests() -> int:
    """Beat: queue the officials' digests that are due and not yet sent, each once."""
    return notifications.digests_send()


@shared_task
def send_roadmap_due_reminders() -> int:
    """Beat: queue the due-date and overdue reminders of the staff answering for items, each once."""
    return notifications.due_reminders_send()


@shared_task
def make_last_month_report() -> bool:
    """Beat: ask for the report of the month just ended; made once, the first time a month's run finds it missing."""
    _report, queued = report_services.monthly_report_request_last_month()
    return queued


@shared_task
def send_proposal_outcomes() -> int:
    """Beat: tell each consultation proposal's author the new status of its item, once per status."""
    return proposals.proposal_outcomes_send()
