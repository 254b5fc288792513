"""The monthly report's task: thin, idempotent, taking the report's id.

Queued by `roadmap.report_services` after commit; the work is in `roadmap.reports`. Apart from `roadmap.tasks`
(whose beat job calls the services) so that the services can queue it without an import cycle; `roadmap.tasks`
names it, for the worker's autodiscovery.
"""

from celery import shared_task

from roadmap import reports


@shared_task
def make_monthly_report(report_id: int) -> None:
    """Make, store and e-mail one monthly report; nothing to do once it is ready or failed."""
    reports.monthly_report_render(report_id=report_id)
