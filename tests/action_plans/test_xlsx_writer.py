"""The workbook writer of the exports: what it writes, openpyxl reads back the same."""

import datetime
import io
from decimal import Decimal

from openpyxl import load_workbook

from action_plans.xlsx_writer import Column, Sheet, workbook_bytes


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
