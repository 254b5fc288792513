"""The monthly report as files (a PDF in French, one in Arabic, an XLSX workbook), and the work of its task
(roadmap.report_tasks): make them, store them on private storage, e-mail the report to its recipients once.

The figures are read once (`roadmap.selectors.monthly_report_content`) and written into each file. The PDFs
are laid out by WeasyPrint (core.pdf) like the minutes. This module sits below the services that queue the
task (report_services → report_tasks → here), as `meetings.documents` does. A report row is written under
its own lock only, and its messages are queued in the transaction that marks it ready.
"""

import io
import logging
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from core.pdf import pdf_from_template
from meetings.documents import DATABASE_ERRORS
from messaging.links import absolute_url
from messaging.models import OutboundMessage
from messaging.services import MessageDraft, messages_queue
from roadmap.models import MonthlyReport
from roadmap.selectors import MonthlyReportContent, monthly_report_content

logger = logging.getLogger(__name__)

PDF_LANGUAGES = ("fr", "ar")
# What each file of a report is stored in, and how it is named when downloaded.
REPORT_FILES = {"pdf_fr": "pdf", "pdf_ar": "pdf", "xlsx": "xlsx"}
AMOUNT_FORMAT = "#,##0.00"


def monthly_report_filename(*, report: MonthlyReport, part: str) -> str:
    language = part.removeprefix("pdf_") if part.startswith("pdf_") else "fr"
    return f"rapport-mensuel-{report.period:%Y-%m}-{language}.{REPORT_FILES[part]}"


def monthly_report_pdf(*, content: MonthlyReportContent, language: str) -> bytes:
    return pdf_from_template(
        template="roadmap/monthly_report_pdf.html",
        context={"report": content, "made_at": timezone.localdate()},
        language=language,
    )


def _sheet(workbook: Workbook, title: str, header: list[str], rows: Iterable[list]) -> None:
    """A sheet with a frozen header row and filters; amounts (Decimal) as numbers with centimes, text as text."""
    sheet = workbook.create_sheet(title[:31])
    header = [str(name) for name in header]
    widths = [len(name) for name in header]
    sheet.append(header)
    for row in rows:
        sheet.append(row)
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=sheet.max_row, column=column)
            if isinstance(value, str):
                # A title typed as "=…" stays text, never a formula.
                cell.data_type = "s"
            elif isinstance(value, Decimal):
                cell.number_format = AMOUNT_FORMAT
            widths[column - 1] = max(widths[column - 1], len(str(value if value is not None else "")))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 60)


def monthly_report_xlsx(*, content: MonthlyReportContent) -> bytes:
    """The report's figures in French, one sheet per table: regions, budget by region and funder, indicators,
    overdue items, decisions of the month."""
    with translation.override("fr"):
        workbook = Workbook()
        workbook.remove(workbook.active)
        status_labels = [count.label for count in content.national.counts]
        money = [_("Prévu (MAD)"), _("Engagé (MAD)"), _("Dépensé (MAD)")]
        _sheet(
            workbook,
            _("Régions"),
            [_("Région"), *status_labels, _("Total"), _("Réalisé (%)"), _("En retard"), *money],
            [
                [
                    str(region.region.name),
                    *[count.count for count in region.summary.counts],
                    region.summary.total,
                    region.summary.done_share,
                    region.summary.overdue,
                    region.budget.planned,
                    region.budget.committed,
                    region.budget.spent,
                ]
                for region in content.regions
            ]
            + [
                [
                    _("National"),
                    *[count.count for count in content.national.counts],
                    content.national.total,
                    content.national.done_share,
                    content.overdue,
                    content.budget.total.planned,
                    content.budget.total.committed,
                    content.budget.total.spent,
                ]
            ],
        )
        _sheet(
            workbook,
            _("Budget"),
            [_("Région"), _("Financeur"), *money],
            [
                [str(region.region.name), str(row.label), row.planned, row.committed, row.spent]
                for region in content.regions
                for row in region.funders
            ]
            + [
                [_("National"), str(row.label), row.planned, row.committed, row.spent] for row in content.budget.funders
            ],
        )
        _sheet(
            workbook,
            _("Indicateurs"),
            [
                _("Région"),
                _("Action"),
                _("Indicateur"),
                _("Unité"),
                _("Valeur de départ"),
                _("Dernier relevé"),
                _("Date du relevé"),
                _("Cible"),
                _("Atteint (%)"),
            ],
            [
                [
                    str(region.region.name),
                    standing.indicator.item.title,
                    standing.indicator.name,
                    standing.indicator.unit,
                    standing.indicator.baseline,
                    standing.latest.value if standing.latest else None,
                    standing.latest.measured_on if standing.latest else None,
                    standing.indicator.target,
                    standing.percent,
                ]
                for region in content.regions
                for standing in region.indicators
            ],
        )
        _sheet(
            workbook,
            _("Actions en retard"),
            [_("Région"), _("Action"), _("Échéance"), _("Statut"), _("Avancement (%)"), _("Porteur")],
            [
                [
                    str(region.region.name),
                    item.title,
                    item.due_on,
                    str(item.get_status_display()),
                    item.progress,
                    str(item.get_owner_display()),
                ]
                for region in content.regions
                for item in region.overdue_items
            ],
        )
        decisions = [*content.national_decisions, *(d for region in content.regions for d in region.decisions)]
        _sheet(
            workbook,
            _("Décisions du mois"),
            [_("Région"), _("Portée"), _("Décision"), _("Rencontre"), _("Porteur"), _("Échéance"), _("Statut")],
            [
                [
                    str(decision.meeting.region.name),
                    str(decision.get_scope_display()),
                    decision.title,
                    decision.meeting.title,
                    str(decision.get_owner_display()),
                    decision.due_on,
                    str(item.get_status_display()) if (item := getattr(decision, "roadmap_item", None)) else "",
                ]
                for decision in decisions
            ],
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@transaction.atomic
def monthly_report_reset(*, report_id: int) -> MonthlyReport | None:
    """A failed report back to pending, for another attempt; None when it is not failed (any more)."""
    report = MonthlyReport.objects.select_for_update().filter(pk=report_id, state=MonthlyReport.State.FAILED).first()
    if report is None:
        return None
    report.state, report.error = MonthlyReport.State.PENDING, ""
    report.save(update_fields=["state", "error", "updated_at"])
    return report


def monthly_report_render(*, report_id: int) -> MonthlyReport | None:
    """Make the files of a pending report, store them, mark it ready and queue its e-mails; failed, with the
    reason, if they cannot be made.

    Safe to run twice, or on two workers at once: the outcome is recorded under the report's lock, and only
    while it is still pending. A database failure is raised (the report stays pending).
    """
    report = MonthlyReport.objects.filter(pk=report_id).first()
    if report is None or report.state != MonthlyReport.State.PENDING:
        return report
    try:
        content = monthly_report_content(period=report.period)
        files = {
            f"pdf_{language}": monthly_report_pdf(content=content, language=language) for language in PDF_LANGUAGES
        }
        files["xlsx"] = monthly_report_xlsx(content=content)
    except DATABASE_ERRORS:
        raise
    except Exception as error:
        # A fault of the data or of the template (or the task's time ran out): staff see it and try again.
        logger.exception("Monthly report %s could not be made", report_id)
        return _report_finish(report_id, error=str(error) or type(error).__name__)
    return _report_finish(report_id, files=files, content=content)


@transaction.atomic
def _report_finish(report_id: int, *, files: dict | None = None, content=None, error: str = ""):
    report = MonthlyReport.objects.select_for_update().filter(pk=report_id, state=MonthlyReport.State.PENDING).first()
    if report is None:
        # Another worker finished it meanwhile.
        return MonthlyReport.objects.filter(pk=report_id).first()
    if files is None:
        report.state, report.error = MonthlyReport.State.FAILED, error[:4000]
        report.save(update_fields=["state", "error", "updated_at"])
        return report
    for part, data in files.items():
        getattr(report, part).save(monthly_report_filename(report=report, part=part), ContentFile(data), save=False)
    report.state, report.error = MonthlyReport.State.READY, ""
    report.save(update_fields=[*files, "state", "error", "updated_at"])
    monthly_report_messages_queue(report=report, content=content)
    return report


def monthly_report_messages_queue(*, report: MonthlyReport, content: MonthlyReportContent) -> list[int]:
    """E-mail the ready report to ROADMAP_MONTHLY_REPORT_RECIPIENTS, its PDF attached; once per report and
    address (the idempotency key), so safe to call again. Returns the ids of the messages queued by this call."""
    language = settings.ROADMAP_MONTHLY_REPORT_LANGUAGE
    part = f"pdf_{language}"
    with translation.override(language):
        greeting = _("Madame, Monsieur")
    context = {
        "recipient": greeting,
        "report": content,
        "report_url": absolute_url("admin:roadmap_monthlyreport_changelist"),
    }
    addresses = dict.fromkeys(address.strip().lower() for address in settings.ROADMAP_MONTHLY_REPORT_RECIPIENTS)
    return messages_queue(
        drafts=[
            MessageDraft(
                kind=OutboundMessage.Kind.MONTHLY_REPORT,
                idempotency_key=f"monthly_report:{report.pk}:{address}",
                recipient_email=address,
                template="monthly_report",
                context=context,
                language=language,
                attachment=getattr(report, part).name,
                attachment_filename=monthly_report_filename(report=report, part=part),
            )
            for address in addresses
            if address
        ]
    )
