"""Spreadsheet exports of every app: CSV that French-locale Excel opens as it is, formula-like cells neutralised."""

import csv
import datetime
import io
import re
from collections.abc import Iterable, Sequence
from typing import TextIO

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

# A cell starting with one of these is read as a formula by Excel or LibreOffice (formula injection)…
FORMULA_TRIGGERS = ("=", "+", "-", "@", "|", "%", "\t", "\r")
# …unless it is a plain number, such as an international phone number (+212661000000) or -2.5:
# a spreadsheet evaluates it to itself, so it is written as typed, without the guarding quote.
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")


def spreadsheet_safe(value):
    """`value` with a leading quote where a spreadsheet would run it as a formula, as the OWASP advice has it."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow([spreadsheet_safe(cell) for cell in row])


def excel_csv_writer(stream: TextIO) -> _SafeWriter:
    """A `;`-separated writer on `stream`, after a UTF-8 BOM, every cell passed through `spreadsheet_safe`."""
    stream.write("\ufeff")
    return _SafeWriter(csv.writer(stream, delimiter=";"))


def xlsx_sheet(rows: Iterable[Sequence], *, title: str) -> bytes:
    """A workbook of one sheet: the first row a frozen header with filters, columns as wide as their content,
    dates and times as such, and every text as a text cell (a formula or a phone number is shown as typed)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]  # Excel refuses longer sheet names.
    widths: dict[int, int] = {}
    for row_number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column, value=value)
            if isinstance(value, str):
                # openpyxl would store "=…" as a formula and a spreadsheet would read "+212…" as a number.
                cell.data_type = "s"
                shown = len(value)
            elif isinstance(value, datetime.datetime):
                cell.number_format = "dd/mm/yyyy hh:mm"
                shown = 16
            elif isinstance(value, datetime.date):
                cell.number_format = "dd/mm/yyyy"
                shown = 10
            else:
                shown = len(str(value if value is not None else ""))
            widths[column] = max(widths.get(column, 0), shown)
    if sheet.max_row:
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 60)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
