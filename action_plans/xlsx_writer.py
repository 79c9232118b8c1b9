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
import xlsxwriter.worksheet
from xlsxwriter.utility import _utf16_len, _utf16_truncate, xl_col_to_name

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


class _RowsWorksheet(xlsxwriter.worksheet.Worksheet):
    """A worksheet taking whole rows, whose cells' XML is written as they come.

    XlsxWriter keeps a cell object per cell, then at ``close()`` writes each through a generic path
    (attribute lists, escaping checks, type dispatch by class name): about 4.5 µs a cell, most of the
    workbook's CPU. Here each cell becomes its ``<c>`` element at once (text through the shared string
    table, in the same order), and ``<sheetData>`` is one join: the same bytes as XlsxWriter writes
    for the same ``write_string``/``write_number``/``write_datetime``/``write_boolean`` calls
    (``tests/action_plans/test_xlsx_writer.py`` compares both), at about a microsecond a cell.
    It leans on XlsxWriter's private parts (the shared strings table, ``_check_dimensions``,
    ``_convert_date_time``, ``_write_sheet_data``, ``utility._utf16_len``): XlsxWriter is pinned by
    ``requirements.txt``, and that test fails if an upgrade changes them.
    """

    def __init__(self):
        super().__init__()
        self._rows_xml: list[tuple[int, int, int, str]] = []  # (row, first column, last column, cells' XML)

    def write_rows(self, first_row: int, rows: Iterable[Sequence], column_formats: Sequence) -> int:
        """Writes ``rows`` from ``first_row`` on, one value per column; returns the last row written."""
        shared_string = self.str_table._get_shared_string_index
        strmax = self.xls_strmax
        names = [xl_col_to_name(column) for column in range(len(column_formats))]
        # The ``s`` attribute of each column's format, looked up at its first cell (XlsxWriter numbers
        # formats in the order cells first use them).
        styles: list[str | None] = [None] * len(column_formats)
        dates: dict[datetime.date, str] = {}  # a plan's fiches share a few dozen dates
        append = self._rows_xml.append
        control_characters = _CONTROL_CHARACTERS
        row = first_row - 1
        for row, values in enumerate(rows, start=first_row):
            if len(values) != len(column_formats):
                raise ValueError(f"Row {row} has {len(values)} values for {len(column_formats)} columns.")
            reference = str(row + 1)
            cells = []
            first = last = None
            for column, value in enumerate(values):
                kind = type(value)
                if kind is str:
                    if not value:
                        continue
                    if not value.isprintable():  # quicker than the substitution on most texts
                        value = control_characters.sub("", value)
                    if len(value) > strmax // 2 and _utf16_len(value) > strmax:
                        value = _utf16_truncate(value, strmax)
                    xml = f'" t="s"><v>{shared_string(value)}</v></c>'
                elif value is None:
                    continue
                elif kind is int or kind is float or kind is Decimal:
                    xml = _number_xml(value)
                elif kind is datetime.date:
                    xml = dates.get(value)
                    if xml is None:
                        xml = dates[value] = _number_xml(
                            self._convert_date_time(datetime.datetime.combine(value, datetime.time()))
                        )
                elif kind is bool:
                    xml = f'" t="b"><v>{int(value)}</v></c>'
                elif kind is datetime.datetime:
                    xml = _number_xml(self._convert_date_time(value.replace(tzinfo=None)))
                elif isinstance(value, (int, float, Decimal)):  # subclasses (IntEnum…)
                    xml = _number_xml(value)
                else:
                    text = control_characters.sub("", str(value))
                    if not text:
                        continue
                    xml = f'" t="s"><v>{shared_string(text)}</v></c>'
                style = styles[column]
                if style is None:
                    cell_format = column_formats[column]
                    style = styles[column] = f'" s="{cell_format._get_xf_index()}' if cell_format else ""
                cells.append(f'<c r="{names[column]}{reference}{style}{xml}')
                if first is None:
                    first = column
                last = column
            if cells and row < self.xls_rowmax:  # XlsxWriter drops cells beyond Excel's last row
                self._check_dimensions(row, first)
                self._check_dimensions(row, last)
                append((row, first, last, "".join(cells)))
        return row

    def _write_sheet_data(self) -> None:
        if not self._rows_xml:
            self._xml_empty_tag("sheetData")
            return
        # Rows carry the span of the columns used in their block of 16 rows, as XlsxWriter computes it.
        spans: dict[int, list[int]] = {}
        for row, first, last, _xml in self._rows_xml:
            block = spans.setdefault(row // 16, [first, last])
            block[0], block[1] = min(block[0], first), max(block[1], last)
        parts = ["<sheetData>"]
        parts.extend(
            f'<row r="{row + 1}" spans="{spans[row // 16][0] + 1}:{spans[row // 16][1] + 1}">{xml}</row>'
            for row, _first, _last, xml in self._rows_xml
        )
        parts.append("</sheetData>")
        self.fh.write("".join(parts))


def _number_xml(value) -> str:
    number = float(value)
    if number - number != 0:  # NaN or infinity: XlsxWriter refuses them too
        raise TypeError("NAN/INF not supported in a workbook")
    return f'"><v>{number:.16G}</v></c>'


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
        worksheet = workbook.add_worksheet(_sheet_title(sheet.title), worksheet_class=_RowsWorksheet)
        column_formats = []
        for index, column in enumerate(sheet.columns):
            worksheet.set_column(index, index, column.width)
            if column.number_format and column.number_format not in formats:
                formats[column.number_format] = workbook.add_format({"num_format": column.number_format})
            column_formats.append(formats.get(column.number_format))
        worksheet.write_rows(0, [[column.header for column in sheet.columns]], [header_format] * len(sheet.columns))
        last_row = worksheet.write_rows(1, sheet.rows, column_formats)
        worksheet.freeze_panes(1, 0)
        if last_row:
            worksheet.autofilter(0, 0, last_row, len(sheet.columns) - 1)
    workbook.close()
    return output.getvalue()
