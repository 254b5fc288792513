"""Spreadsheet exports of every app: CSV that French-locale Excel opens as it is, formula-like cells neutralised."""

from typing import TextIO

from defusedcsv import csv


def excel_csv_writer(stream: TextIO):
    """A `;`-separated writer on `stream`, after a UTF-8 BOM (defusedcsv escapes cells that look like formulas)."""
    stream.write("\ufeff")
    return csv.writer(stream, delimiter=";")
