"""The CSV reader and the import plan: every kind of bad input, refused with a clear message."""

import io
import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from diagnostics.csv_import import (
    MAX_BYTES,
    CsvImportError,
    RawRow,
    RowAction,
    parse_decimal,
    parse_year,
    plan_indicator_import,
    read_indicator_csv,
    territory_key,
)
from tests.diagnostics.factories import IndicatorValueFactory
from tests.partners.factories import OrganisationFactory

HEADER = "indicateur;territoire;annee;valeur\n"

# Messages are checked in English (their msgid); the pages show them in French.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def read(content: str | bytes, encoding: str = "utf-8", **kwargs):
    data = content.encode(encoding) if isinstance(content, str) else content
    return read_indicator_csv(io.BytesIO(data), **kwargs)


def refused(content, **kwargs) -> str:
    with pytest.raises(CsvImportError) as error:
        read(content, **kwargs)
    return str(error.value)


# --- Reading the file ------------------------------------------------------------------------------


def test_semicolon_file_with_a_french_number():
    parsed = read(HEADER + "population;46042;2023;1 234,5\n")
    assert parsed.delimiter == ";"
    assert parsed.rows == [RawRow(2, "population", "46042", "2023", "1 234,5")]


def test_comma_file_with_a_quoted_decimal_comma():
    parsed = read('indicateur,territoire,annee,valeur\npopulation,46042,2023,"1 234,5"\n')
    assert parsed.delimiter == ","
    assert parsed.rows[0].value == "1 234,5"


def test_tab_separated_file():
    assert read("indicateur\tterritoire\tannee\tvaleur\npopulation\t46042\t2023\t12\n").delimiter == "\t"


def test_a_utf8_bom_is_ignored():
    parsed = read("\ufeff" + HEADER + "population;46042;2023;12\n")
    assert parsed.encoding == "utf-8"
    assert parsed.rows[0].indicator == "population"


def test_windows_1252_file_is_read_and_flagged():
    parsed = read("indicateur;territoire;année;valeur;commentaire\npopulation;46042;2023;12;Données Insee\n", "cp1252")
    assert parsed.read_as_windows_1252
    assert parsed.rows[0].comment == "Données Insee"


def test_a_file_neither_utf8_nor_windows_1252_is_refused():
    assert "CSV UTF-8" in refused((HEADER + "population;46042;2023;12\n").encode() + b"\x81\x8d\xe9\n")


def test_headers_ignore_case_accents_order_and_unknown_columns():
    parsed = read("Valeur;Libellé;ANNÉE;Territoire;Indicateur\n12;Population;2023;46042;population\n")
    assert parsed.rows[0] == RawRow(2, "population", "46042", "2023", "12")
    assert parsed.ignored_columns == ["Libellé"]
    assert not parsed.has_comment_column


def test_blank_lines_are_skipped_and_line_numbers_are_the_file_s():
    parsed = read("\n" + HEADER + "population;46042;2023;12\n;;;\n\npopulation;46042;2022;11\n")
    assert [row.line for row in parsed.rows] == [3, 6]


@pytest.mark.parametrize("content", ["", "\n\n  \n", "\ufeff"])
def test_an_empty_file_is_refused(content):
    assert refused(content) == "The file is empty."


def test_a_header_without_rows_is_refused():
    assert refused(HEADER) == "The file has a header but no data row."


def test_missing_columns_are_named():
    message = refused("indicateur;territoire\npopulation;46042\n")
    assert "Missing columns: annee, valeur" in message
    assert "indicateur;territoire;annee;valeur" in message


def test_a_column_given_twice_is_refused():
    assert "annee" in refused("indicateur;territoire;annee;valeur;Année\npopulation;46042;2023;12;2022\n")


def test_an_excel_workbook_is_refused_with_advice():
    assert "CSV UTF-8" in refused(b"PK\x03\x04\x14\x00\x06\x00 rest of a zip")


def test_a_utf16_file_is_refused_with_advice():
    assert "UTF-16" in refused((HEADER + "population;46042;2023;12\n").encode("utf-16"))


def test_more_rows_than_the_limit_are_refused():
    assert "more than 3 rows" in refused(HEADER + "population;46042;2023;12\n" * 4, max_rows=3)


def test_exactly_the_limit_is_accepted():
    assert len(read(HEADER + "population;46042;2023;12\n" * 3, max_rows=3).rows) == 3


class CountingFile(io.BytesIO):
    """Remembers how far the reader went into the file."""

    furthest = 0

    def read(self, size=-1):
        data = super().read(size)
        self.furthest = max(self.furthest, self.tell())
        return data

    def readinto(self, buffer):
        count = super().readinto(buffer)
        self.furthest = max(self.furthest, self.tell())
        return count


def test_100_000_rows_are_refused_fast_without_reading_the_whole_file():
    data = (HEADER + "a;1;2;3\n" * 100_000).encode()
    assert len(data) < MAX_BYTES  # the row limit, not the size limit, refuses it
    upload = CountingFile(data)
    started = time.perf_counter()
    with pytest.raises(CsvImportError, match="more than 5"):
        read_indicator_csv(upload)
    assert time.perf_counter() - started < 1
    assert upload.furthest < len(data) / 5


def test_a_file_above_the_size_limit_is_refused_before_reading():
    upload = SimpleUploadedFile("big.csv", b"x" * 10, content_type="text/csv")
    upload.size = MAX_BYTES + 1
    with pytest.raises(CsvImportError, match="too large"):
        read_indicator_csv(upload)


def test_a_stream_longer_than_the_size_limit_is_refused_while_reading():
    assert "too large" in refused(HEADER + "population;46042;2023;12\n" * 50, max_bytes=200)


def test_formula_cells_are_flagged_whatever_their_column():
    parsed = read('indicateur;territoire;annee;valeur;note\npopulation;46042;2023;12;=HYPERLINK("http://x")\n')
    assert parsed.rows[0].formula_cells == ('=HYPERLINK("http://x")',)


# --- Values ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,5", "1234.5"),
        ("1\u00a0234,5", "1234.5"),  # non-breaking space, as French Excel writes it
        ("1\u202f234,5", "1234.5"),  # narrow non-breaking space
        ("1234.5", "1234.5"),
        ("-12", "-12"),
        (" 42 ", "42"),
        ("0,1234", "0.123"),
    ],
)
def test_numbers_are_read_the_french_way(text, expected):
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["abc", "1,2,3", "1.234,5", "12,", ",5", "12 %", "1e5", "NaN", "100000000000000"])
def test_what_is_not_a_number_is_refused(text):
    with pytest.raises(ValueError):
        parse_decimal(text)


@pytest.mark.parametrize("text", ["1949", "2101", "23", "deux mille", "2023.5", "0"])
def test_years_out_of_range_or_not_years_are_refused(text):
    with pytest.raises(ValueError):
        parse_year(text)


def test_territory_codes_are_cleaned():
    assert territory_key(" 200 023 737 ") == "200023737"
    assert territory_key("1224") == "01224"
    assert territory_key("2a004") == "2A004"


# --- The plan --------------------------------------------------------------------------------------


def rows(*lines: str, comment_column=False):
    header = HEADER.strip() + (";commentaire" if comment_column else "") + "\n"
    return read(header + "\n".join(lines) + "\n").rows


def plan(territory, *lines, comment_column=False):
    return plan_indicator_import(
        diagnostic=territory.diagnostic,
        rows=rows(*lines, comment_column=comment_column),
        has_comment_column=comment_column,
    )


def test_new_values_for_communes_and_the_epci_are_created(territory):
    result = plan(
        territory, "enfants-moins-3-ans;46042;2023;540", f"enfants-moins-3-ans;{territory.epci.siren};2023;1 050"
    )
    assert [row.action for row in result.rows] == [RowAction.CREATE, RowAction.CREATE]
    assert [row.territory for row in result.rows] == [territory.communes[0], territory.epci]
    assert result.rows[1].value == Decimal(1050)
    assert not result.has_errors


def test_an_existing_value_is_updated_and_an_equal_one_unchanged(territory):
    IndicatorValueFactory(diagnostic=territory.diagnostic, indicator=territory.children, year=2023, value=1000)
    IndicatorValueFactory(
        diagnostic=territory.diagnostic,
        indicator=territory.children,
        territory=territory.communes[0],
        year=2023,
        value=540,
    )
    result = plan(
        territory, f"enfants-moins-3-ans;{territory.epci.siren};2023;1 050", "enfants-moins-3-ans;46042;2023;540"
    )
    assert [row.action for row in result.rows] == [RowAction.UPDATE, RowAction.UNCHANGED]
    assert result.rows[0].previous_value == Decimal(1000)


def test_a_changed_comment_is_an_update_only_when_the_file_has_the_column(territory):
    IndicatorValueFactory(diagnostic=territory.diagnostic, indicator=territory.children, year=2023, value=12)
    line = f"enfants-moins-3-ans;{territory.epci.siren};2023;12"
    assert plan(territory, line).rows[0].action == RowAction.UNCHANGED
    assert plan(territory, line + ";Insee 2023", comment_column=True).rows[0].action == RowAction.UPDATE


def test_a_commune_code_missing_its_leading_zero_is_found(territory):
    assert plan(territory, "places-eaje;1224;2023;42").rows[0].territory == territory.communes[1]


def errors_of(territory, line: str) -> list[str]:
    result = plan(territory, line)
    assert result.rows[0].action == RowAction.ERROR
    return result.rows[0].errors


def test_a_commune_of_another_epci_is_refused(territory):
    OrganisationFactory(commune=True, insee_code="33001", epci=OrganisationFactory(intercommunality=True))
    (message,) = errors_of(territory, "places-eaje;33001;2023;42")
    assert "“33001” is neither the INSEE code of a commune" in message


def test_an_unknown_indicator_is_refused(territory):
    assert errors_of(territory, "places-creche;46042;2023;42") == ["Unknown indicator “places-creche”."]


def test_a_computed_indicator_is_refused(territory):
    (message,) = errors_of(territory, "taux-couverture-accueil-jeune-enfant;46042;2023;42")
    assert "computed by the portal" in message


def test_a_value_that_is_not_a_number_is_refused(territory):
    assert errors_of(territory, "places-eaje;46042;2023;douze") == [
        "“douze” is not a number (write for example 1 234,5)."
    ]


def test_a_year_out_of_range_is_refused(territory):
    assert errors_of(territory, "places-eaje;46042;1899;12") == ["The year 1899 is out of range (1950 to 2100)."]


def test_missing_cells_are_each_reported(territory):
    assert errors_of(territory, "places-eaje;;;") == [
        "The territory is missing (a commune's INSEE code or the EPCI's SIREN).",
        "The year is missing.",
        "The value is missing.",
    ]


def test_a_formula_cell_refuses_its_row(territory):
    (message,) = errors_of(territory, 'places-eaje;46042;2023;=HYPERLINK("http://evil.example")')
    assert message.startswith("A cell starts like a spreadsheet formula (“=HYPERLINK(")


@pytest.mark.parametrize("cell", ["-2+3", "-cmd|' /C calc'!A0", "-SUM(A1)", "-1+SUM(A1)", " -=1"])
def test_a_minus_sign_followed_by_a_formula_refuses_its_row(territory, cell):
    (message,) = errors_of(territory, f"places-eaje;46042;2023;{cell}")
    assert message.startswith(f"A cell starts like a spreadsheet formula (“{cell.strip()}”)")


def test_a_minus_formula_in_the_comment_column_refuses_its_row_too(territory):
    result = plan(territory, "places-eaje;46042;2023;12;-SUM(A1:A9)", comment_column=True)
    assert result.rows[0].errors == [
        "A cell starts like a spreadsheet formula (“-SUM(A1:A9)”): formulas are refused, type the value."
    ]


@pytest.mark.parametrize(
    ("cell", "value"), [("-3,5", "-3.5"), ("-1 234,5", "-1234.5"), ("-1234.5", "-1234.5"), ("-12", "-12")]
)
def test_a_negative_number_is_still_imported_as_a_number(territory, cell, value):
    result = plan(territory, f"places-eaje;46042;2023;{cell};-", comment_column=True)
    assert result.rows[0].errors == []
    assert result.rows[0].action == RowAction.CREATE
    assert result.rows[0].value == Decimal(value)


def test_a_duplicate_row_refers_to_the_first_one(territory):
    result = plan(territory, "places-eaje;46042;2023;12", "places-eaje;46042;2023;13")
    assert result.rows[0].action == RowAction.CREATE
    assert result.rows[1].errors == ["Duplicate of line 2 (same indicator, territory and year)."]
    assert result.error_count == 1


def test_a_cell_too_long_is_refused(territory):
    (message,) = errors_of(territory, "places-eaje;46042;2023;12;" + "x" * 300)
    assert "longer than 255" in message


def test_planning_costs_three_queries_whatever_the_number_of_rows(territory, django_assert_num_queries):
    raw = rows(*[f"places-eaje;46042;{year};12" for year in range(1990, 2090)])
    with django_assert_num_queries(3):
        result = plan_indicator_import(diagnostic=territory.diagnostic, rows=raw, has_comment_column=False)
    assert result.create_count == 100
