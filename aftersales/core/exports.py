"""Every CSV and XLSX the product writes goes through here, so no cell becomes a formula.

A customer can type their name as ``=HYPERLINK("http://…","点我")``; a spreadsheet program that
opens an export would run it (CSV injection, OWASP "CSV Injection"). In CSV, a text cell that
starts with ``= + - @``, a tab or a carriage return is prefixed with an apostrophe, which
spreadsheets show as text and our importer strips again (``unneutralize``). In XLSX every text
cell is written as a string cell, never as a formula, so the text stays exactly as typed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: Any) -> Any:
    """The CSV form of one cell: text that a spreadsheet would read as a formula gets a leading
    apostrophe; numbers and dates stay as they are (``-5`` as a number is no formula)."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def unneutralize(value: str) -> str:
    """What ``neutralize`` wrote, read back: the importer takes its own exports unchanged."""
    if value.startswith("'") and value[1:2] and value[1:].startswith(TRIGGERS):
        return value[1:]
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so spreadsheet programs open Chinese text as UTF-8
    yield writer.writerow([neutralize(h) for h in header])
    for row in rows:
        yield writer.writerow([neutralize(v) for v in row])


def xlsx_bytes(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")

    def cells(values: Iterable[Any]) -> list[Any]:
        out = []
        for value in values:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # text, even when it starts with "="
                out.append(cell)
            else:
                out.append(value)
        return out

    sheet.append(cells(header))
    for row in rows:
        sheet.append(cells(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
