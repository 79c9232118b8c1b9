"""The exports' workbooks: text, numbers and dates in a few fixed formats, a bold header row frozen
with a filter, column widths. Nothing else.

Written with XlsxWriter, row by row (openpyxl builds and serialises an object per cell: about 25 µs a
cell, 0.6 s for a plan of 600 fiches). Every value is written by its type, never through XlsxWriter's
guessing ``write()``: a title such as ``=1+2`` stays text, never a formula, and no string turns into a
link or a number. Control characters XML forbids (pasted from other software) are dropped.
"""

import datetime
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import xlsxwriter

HEADER_FILL = "#DCE4F2"
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
SHEET_TITLE_LENGTH = 31  # Excel's limit
# Characters Excel refuses in a sheet's name.
_FORBIDDEN_IN_SHEET_TITLE = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    number_format: str | None = None


@dataclass
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]


def _writer(worksheet):
    """``write(row, column, value, cell_format)`` by the value's type, with the worksheet's methods bound
    once: a plan's workbook has thousands of cells."""
    write_string, write_number = worksheet.write_string, worksheet.write_number
    write_boolean, write_datetime = worksheet.write_boolean, worksheet.write_datetime
    control_characters = _CONTROL_CHARACTERS

    def write(row: int, column: int, value, cell_format) -> None:
        kind = type(value)
        if kind is str:
            if value:
                write_string(row, column, control_characters.sub("", value), cell_format)
        elif value is None:
            return
        elif kind is bool:
            write_boolean(row, column, value, cell_format)
        elif kind is int or kind is float or kind is Decimal:
            write_number(row, column, float(value), cell_format)
        elif kind is datetime.datetime:
            write_datetime(row, column, value.replace(tzinfo=None), cell_format)
        elif kind is datetime.date:
            write_datetime(row, column, datetime.datetime.combine(value, datetime.time()), cell_format)
        elif isinstance(value, (int, float, Decimal)):  # subclasses (IntEnum…)
            write_number(row, column, float(value), cell_format)
        else:
            text = _CONTROL_CHARACTERS.sub("", str(value))
            if text:
                write_string(row, column, text, cell_format)

    return write


def _sheet_title(title: str) -> str:
    return title.translate(_FORBIDDEN_IN_SHEET_TITLE).strip("'")[:SHEET_TITLE_LENGTH] or "Feuille"


def workbook_bytes(sheets: Sequence[Sheet], *, title: str = "", creator: str = "") -> bytes:
    """The ``.xlsx`` file of ``sheets``: each a title (at most 31 characters), its columns, its rows."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    workbook.set_properties({"title": title, "author": creator})
    header_format = workbook.add_format({"bold": True, "bg_color": HEADER_FILL, "valign": "vcenter", "text_wrap": True})
    formats: dict[str, object] = {}
    for sheet in sheets:
        worksheet = workbook.add_worksheet(_sheet_title(sheet.title))
        column_formats = []
        for index, column in enumerate(sheet.columns):
            worksheet.set_column(index, index, column.width)
            worksheet.write_string(0, index, column.header, header_format)
            if column.number_format and column.number_format not in formats:
                formats[column.number_format] = workbook.add_format({"num_format": column.number_format})
            column_formats.append(formats.get(column.number_format))
        write = _writer(worksheet)
        last_row = 0
        for last_row, values in enumerate(sheet.rows, start=1):
            for index, (value, cell_format) in enumerate(zip(values, column_formats, strict=True)):
                write(last_row, index, value, cell_format)
        worksheet.freeze_panes(1, 0)
        if last_row:
            worksheet.autofilter(0, 0, last_row, len(sheet.columns) - 1)
    workbook.close()
    return output.getvalue()
