"""The monthly report: asked for by the beat on the first days of a month or by staff, tried again when it failed.

One report per month (the period's unique index): two beats or two clicks at once find the same row, and only
the one that created it queues its task (after commit). The files are made by that task (roadmap.report_tasks)
while the admin shows the report's state.
"""

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from core.storage import private_storage
from roadmap import report_tasks
from roadmap.models import MonthlyReport
from roadmap.reports import REPORT_FILES, monthly_report_reset
from roadmap.selectors import last_month

# Rendering takes seconds; a report pending for longer lost its task (broker down, worker killed) and is
# queued again by the next request for it (the beat's, every five minutes, or a person's).
PENDING_REQUEUE_AFTER = timedelta(minutes=10)


def _make_after_commit(report_id: int) -> None:
    transaction.on_commit(lambda: report_tasks.make_monthly_report.delay(report_id))


@transaction.atomic
def monthly_report_request(*, period: date) -> tuple[MonthlyReport, bool]:
    """The report of the month of `period`: the one already asked for, or a new pending one whose task is
    queued on commit; a pending one whose task was lost is queued again. Returns (report, queued now)."""
    # get_or_create reads the row again when a concurrent request inserted it first: only the creator queues.
    report, created = MonthlyReport.objects.get_or_create(period=period.replace(day=1))
    if created:
        _make_after_commit(report.pk)
        return report, True
    stale = MonthlyReport.objects.filter(
        pk=report.pk, state=MonthlyReport.State.PENDING, updated_at__lt=timezone.now() - PENDING_REQUEUE_AFTER
    ).update(updated_at=timezone.now())
    if stale:
        _make_after_commit(report.pk)
    return report, bool(stale)


def monthly_report_request_last_month() -> tuple[MonthlyReport, bool]:
    """The report of the month just ended (Moroccan date): what the beat and the admin's button ask for."""
    return monthly_report_request(period=last_month(today=timezone.localdate()))


@transaction.atomic
def monthly_report_retry(*, report_id: int) -> MonthlyReport | None:
    """Try a failed report again, its task queued on commit; a report that is not failed is left as it is."""
    report = monthly_report_reset(report_id=report_id)
    if report is not None:
        _make_after_commit(report.pk)
    return report


@transaction.atomic
def monthly_report_lost(*, report: MonthlyReport) -> None:
    """A ready report whose files have gone from private storage is made again (pending, its task queued on
    commit); its recipients are not e-mailed again (the outbox's keys)."""
    remade = MonthlyReport.objects.filter(pk=report.pk, state=MonthlyReport.State.READY).update(
        state=MonthlyReport.State.PENDING, pdf_fr="", pdf_ar="", xlsx="", updated_at=timezone.now()
    )
    if remade:
        _make_after_commit(report.pk)


@transaction.atomic
def monthly_reports_delete(*, report_ids: Iterable[int]) -> int:
    """Delete these reports and, once that commits, their files; asked for again, a month's report is made anew
    (and sent again: it is another report). Returns how many were deleted."""
    reports = list(MonthlyReport.objects.select_for_update().filter(pk__in=list(report_ids)))
    names = [getattr(report, part).name for report in reports for part in REPORT_FILES if getattr(report, part)]
    MonthlyReport.objects.filter(pk__in=[report.pk for report in reports]).delete()
    storage = private_storage()
    transaction.on_commit(lambda: [storage.delete(name) for name in names])
    return len(reports)
