"""Spreadsheet exports of every app: CSV that French-locale Excel opens as it is, formula-like cells neutralised."""

import csv
import re
from typing import TextIO

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
