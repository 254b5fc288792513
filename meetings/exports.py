"""Registrations and consultation answers as CSV and Excel files for staff, in Moroccan local time."""

import io

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exports import excel_csv_writer, xlsx_sheet

EXPORT_COLUMNS = [
    (_("Rencontre"), lambda r: r.meeting.title),
    (_("Région"), lambda r: r.meeting.region.name_fr),
    (_("Nom complet"), lambda r: r.full_name),
    (_("Organisme"), lambda r: r.organisation),
    (_("Fonction"), lambda r: r.job_title),
    (_("Secteur"), lambda r: r.get_sector_display()),
    (_("E-mail"), lambda r: r.email),
    (_("Téléphone"), lambda r: r.phone),
    (_("Ville"), lambda r: r.city),
    (_("Statut"), lambda r: r.get_status_display()),
    (_("Inscrit(e) le"), lambda r: r.created_at),
    (_("Présent(e) le"), lambda r: r.attended_at),
    (_("Message"), lambda r: r.message),
    (_("Participation"), lambda r: r.get_mode_display()),
    (_("Connecté(e) en ligne le"), lambda r: r.joined_at),
]


def _local(value):
    """Exports show Moroccan local time, without an offset spreadsheets cannot read."""
    return timezone.localtime(value).replace(tzinfo=None) if value is not None else None


def _export_rows(columns, records):
    yield [str(title) for title, _value in columns]
    for record in records:
        row = []
        for _title, value in columns:
            cell = value(record)
            row.append(_local(cell) if hasattr(cell, "tzinfo") else cell)
        yield row


def _csv_cell(value) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y %H:%M") if hasattr(value, "strftime") else value


def _csv(rows) -> bytes:
    """UTF-8 with a BOM and `;` so French-locale Excel opens it as is; formula-like cells neutralised."""
    buffer = io.StringIO()
    writer = excel_csv_writer(buffer)
    for row in rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")


def registrations_csv(registrations) -> bytes:
    return _csv(_export_rows(EXPORT_COLUMNS, registrations))


def registrations_xlsx(registrations) -> bytes:
    """One sheet of the registrations (core.exports.xlsx_sheet: what people typed stays text)."""
    return xlsx_sheet(_export_rows(EXPORT_COLUMNS, registrations), title=str(_("Inscriptions")))


CONSULTATION_COLUMNS = [
    (_("Rencontre"), lambda a: a.meeting.title),
    (_("Région"), lambda a: a.meeting.region.name_fr),
    (_("Nom"), lambda a: a.full_name),
    (_("E-mail"), lambda a: a.email),
    (_("Marchés prioritaires"), lambda a: ", ".join(market.name for market in a.markets.all())),
    (_("Filières"), lambda a: ", ".join(a.product_line_labels)),
    (_("Principaux freins"), lambda a: ", ".join(a.obstacle_labels)),
    (_("Autre frein"), lambda a: a.obstacle_other),
    (_("Propositions"), lambda a: a.proposal),
    (_("Répondu le"), lambda a: a.answered_at),
]


def consultation_csv(answers) -> bytes:
    """The answers staff read (markets prefetched), one per line."""
    return _csv(_export_rows(CONSULTATION_COLUMNS, answers))


def consultation_xlsx(answers) -> bytes:
    return xlsx_sheet(_export_rows(CONSULTATION_COLUMNS, answers), title=str(_("Consultation")))
