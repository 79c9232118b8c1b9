"""The workbook writer of the exports: what it writes, openpyxl reads back the same."""

import datetime
import io
import re
import zipfile
from decimal import Decimal

import pytest
import xlsxwriter
from openpyxl import load_workbook

from action_plans.xlsx_writer import HEADER_FILL, Column, Sheet, workbook_bytes


def test_values_come_back_with_their_types_and_formats():
    columns = [
        Column("Texte", 20),
        Column("Montant (€)", 14, '#,##0.00\\ "€"'),
        Column("Date", 12, "DD/MM/YYYY"),
        Column("Année", 8, "0"),
    ]
    rows = [["a <b> & c\x07", Decimal("1234.50"), datetime.date(2024, 3, 1), 2025], ["", None, None, None]]
    content = workbook_bytes([Sheet("Feuille « une »", columns, rows)], title="T & co", creator="Portail CTG")
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook["Feuille « une »"]
    assert [cell.value for cell in sheet[1]] == ["Texte", "Montant (€)", "Date", "Année"]
    assert all(cell.font.bold for cell in sheet[1])
    text, amount, day, year = sheet[2]
    assert text.value == "a <b> & c"  # the control character, invalid in XML, is dropped
    assert amount.value == 1234.5 and "€" in amount.number_format
    assert day.value == datetime.datetime(2024, 3, 1) and day.is_date
    assert year.value == 2025
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D3"
    assert 20 <= sheet.column_dimensions["A"].width < 21  # Excel adds its padding to the width in characters
    assert workbook.properties.title == "T & co"


def test_text_that_looks_like_a_formula_a_link_or_a_number_stays_text():
    rows = [["=1+2"], ["https://example.org"], ["0042"]]
    content = workbook_bytes([Sheet("S", [Column("Texte", 10)], rows)])
    sheet = load_workbook(io.BytesIO(content))["S"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == ["=1+2", "https://example.org", "0042"]
    assert {cell.data_type for cell in cells} == {"s"}
    assert not any(cell.hyperlink for cell in cells)


def test_a_sheet_title_excel_refuses_is_made_acceptable():
    content = workbook_bytes([Sheet("Plan: 2024/2025 [v2]" * 3, [Column("A", 5)], [])])
    (title,) = load_workbook(io.BytesIO(content)).sheetnames
    assert len(title) <= 31 and not set(title) & set("[]:*?/\\")


# --- The same bytes as XlsxWriter's own cell writing ----------------------------------------------


def _stock_workbook(sheets, *, title: str = "", creator: str = "") -> dict[str, bytes]:
    """What ``workbook_bytes`` wrote before its fast worksheet: XlsxWriter's public ``write_*`` calls, one
    per cell, by the value's type."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    workbook.set_properties({"title": title, "author": creator})
    header_format = workbook.add_format({"bold": True, "bg_color": HEADER_FILL, "valign": "vcenter", "text_wrap": True})
    formats = {}
    for sheet in sheets:
        worksheet = workbook.add_worksheet(sheet.title)
        column_formats = []
        for index, column in enumerate(sheet.columns):
            worksheet.set_column(index, index, column.width)
            worksheet.write_string(0, index, column.header, header_format)
            if column.number_format and column.number_format not in formats:
                formats[column.number_format] = workbook.add_format({"num_format": column.number_format})
            column_formats.append(formats.get(column.number_format))
        last_row = 0
        for last_row, values in enumerate(sheet.rows, start=1):
            for index, (value, cell_format) in enumerate(zip(values, column_formats, strict=True)):
                if isinstance(value, str):
                    if value:
                        worksheet.write_string(last_row, index, value.replace("\x07", ""), cell_format)
                elif isinstance(value, bool):
                    worksheet.write_boolean(last_row, index, value, cell_format)
                elif isinstance(value, datetime.datetime):
                    worksheet.write_datetime(last_row, index, value, cell_format)
                elif isinstance(value, datetime.date):
                    worksheet.write_datetime(
                        last_row, index, datetime.datetime.combine(value, datetime.time()), cell_format
                    )
                elif value is not None:
                    worksheet.write_number(last_row, index, float(value), cell_format)
        worksheet.freeze_panes(1, 0)
        if last_row:
            worksheet.autofilter(0, 0, last_row, len(sheet.columns) - 1)
    workbook.close()
    return _parts(output.getvalue())


def _parts(content: bytes) -> dict[str, bytes]:
    """The files of a workbook, but its creation time."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["docProps/core.xml"] = re.sub(rb"<dcterms:(created|modified)[^<]*<", b"", parts["docProps/core.xml"])
    return parts


def _sample_sheets():
    """Every kind of value in columns with and without formats, a column empty but for its header, more
    than 16 rows (the spans of the rows go by blocks of 16), texts shared between sheets, a text too long."""
    columns = [
        Column("Texte", 20),
        Column("Montant (€)", 14, '#,##0.00\\ "€"'),
        Column("Date", 12, "DD/MM/YYYY"),
        Column("Année", 8, "0"),
        Column("Vide", 8, "0.00"),
        Column("Oui", 6),
        Column("Horodatage", 16, "DD/MM/YYYY HH:MM"),
    ]
    rows = [
        [
            f"ligne {index % 7} <&> « é »" if index % 5 else "",
            Decimal(index) / 3 if index % 4 else None,
            datetime.date(2024, 1 + index % 12, 1 + index % 28),
            2020 + index,
            None,
            index % 2 == 0,
            datetime.datetime(2025, 5, 4, index % 24, 30),
        ]
        for index in range(40)
    ]
    rows.append(["a\x07b", 1e20, None, -3, None, None, None])
    second = [Column("Texte", 30), Column("Nombre", 10, "#,##0.###")]
    return [
        Sheet("Première", columns, rows),
        # A text longer than a cell holds (32 767 UTF-16 units) is cut as XlsxWriter cuts it.
        Sheet("Deuxième", second, [["ligne 3 <&> « é »", 0.1], ["autre", 12345678.125], ["é😀" * 12_000, 1]]),
        Sheet("Vide", [Column("Seul", 10)], []),
    ]


def test_the_workbook_is_the_one_xlsxwriter_writes_cell_by_cell():
    fast = _parts(workbook_bytes(_sample_sheets(), title="Plan", creator="Portail CTG"))
    stock = _stock_workbook(_sample_sheets(), title="Plan", creator="Portail CTG")
    assert fast.keys() == stock.keys()
    for name in stock:
        assert fast[name] == stock[name], name


def test_a_row_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="2 values for 1 columns"):
        workbook_bytes([Sheet("S", [Column("A", 5)], [["a", "b"]])])
