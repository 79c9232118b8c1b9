"""Reading a CSV file of indicator values, then checking it against a diagnostic before importing it.

Two steps, so that a preview and the final import can never disagree:

1. ``read_indicator_csv`` reads the file itself (size, encoding, separator, header, row count) and
   returns its raw rows. It streams: a file above ``MAX_ROWS`` rows is refused as soon as its
   first extra row is read, never loaded whole.
2. ``plan_indicator_import`` checks every raw row against the database (indicator codes, the
   territories of the convention's EPCI, numbers, years, duplicates, formulas) and says for each one
   whether it creates a value, updates one, changes nothing or is in error. The preview shows this
   plan; the import service computes it again on confirmation and writes only if it has no error.

The file format is documented to users on the import page (``import_upload.html``):

- columns ``indicateur;territoire;annee;valeur`` and an optional ``commentaire``, in any order, with
  headers in any case, accents optional; other columns are ignored;
- ``territoire``: the INSEE code of one of the EPCI's communes, or the EPCI's SIREN;
- separator ``;`` or ``,`` (or a tab), detected from the header line;
- UTF-8 with or without BOM; a file that is not UTF-8 is read as Windows-1252 (what French Excel
  writes for « CSV (séparateur : point-virgule) ») and the preview says so;
- numbers as French Excel writes them: ``1 234,5`` (spaces or non-breaking spaces between
  thousands, decimal comma) or ``1234.5``;
- at most ``MAX_ROWS`` rows and ``MAX_BYTES`` bytes.
"""

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ctg_portal.errors import PortalError
from ctg_portal.spreadsheets import looks_like_formula
from diagnostics.indicators import formula_source_for
from diagnostics.models import MAX_YEAR, MIN_YEAR, IndicatorDefinition, IndicatorValue
from partners.choices import OrganisationKind
from partners.models import Organisation

MAX_ROWS = 5_000
MAX_BYTES = 2 * 1024 * 1024
MAX_CELL_LENGTH = 255
# Values are stored with 14 digits, 3 of them decimals.
MAX_ABSOLUTE_VALUE = Decimal("99999999999.999")

REQUIRED_COLUMNS = ("indicateur", "territoire", "annee", "valeur")
OPTIONAL_COLUMNS = ("commentaire",)
DELIMITERS = (";", ",", "\t")

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]+")
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


class CsvImportError(PortalError):
    """The file as a whole cannot be read; ``str(error)`` says why and what to do, in French."""


@dataclass(frozen=True)
class RawRow:
    """One data row as read from the file: cell texts, stripped, and its line number."""

    line: int
    indicator: str
    territory: str
    year: str
    value: str
    comment: str = ""
    # Cells that would run as a formula in a spreadsheet (from any column, ignored ones included).
    formula_cells: tuple[str, ...] = ()
    too_long: bool = False

    def as_list(self) -> list:
        return [
            self.line,
            self.indicator,
            self.territory,
            self.year,
            self.value,
            self.comment,
            list(self.formula_cells),
            self.too_long,
        ]

    @classmethod
    def from_list(cls, data: list) -> "RawRow":
        line, indicator, territory, year, value, comment, formula_cells, too_long = data
        return cls(int(line), indicator, territory, year, value, comment, tuple(formula_cells), bool(too_long))


@dataclass
class ParsedFile:
    rows: list[RawRow]
    encoding: str
    delimiter: str
    has_comment_column: bool
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def read_as_windows_1252(self) -> bool:
        return self.encoding == "cp1252"


# --- Reading the file ------------------------------------------------------------------------------


def read_indicator_csv(binary_file, *, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES) -> ParsedFile:
    """Reads an uploaded file (a binary, seekable file object); raises ``CsvImportError``."""
    size = getattr(binary_file, "size", None)
    if size is not None and size > max_bytes:
        raise CsvImportError(_too_big_message(max_bytes))
    binary_file.seek(0)
    head = binary_file.read(4096)
    _refuse_binary_formats(head)
    for encoding in ("utf-8-sig", "cp1252"):
        binary_file.seek(0)
        try:
            return _read_text(binary_file, encoding=encoding, max_rows=max_rows, max_bytes=max_bytes)
        except UnicodeDecodeError:
            continue
    raise CsvImportError(_("The file's encoding could not be read. Save it as “CSV UTF-8” and import it again."))


def _too_big_message(max_bytes: int) -> str:
    return _("The file is too large: at most %(size)s MB. Split it into several files.") % {
        "size": max_bytes // (1024 * 1024) or 1
    }


def _refuse_binary_formats(head: bytes) -> None:
    if not head.strip(codecs.BOM_UTF8 + b" \t\r\n"):
        raise CsvImportError(_("The file is empty."))
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise CsvImportError(
            _("This is a spreadsheet workbook, not a CSV file. In your spreadsheet, use “Save as” › “CSV UTF-8”.")
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        raise CsvImportError(
            _("The file is in UTF-16 or is not a text file. Save it as “CSV UTF-8” and import it again.")
        )


class _ByteCounter(io.RawIOBase):
    """Counts the bytes read from the upload, for files that do not tell their size."""

    def __init__(self, raw, max_bytes: int):
        self.raw, self.max_bytes, self.count = raw, max_bytes, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.raw.read(len(buffer))
        self.count += len(data)
        if self.count > self.max_bytes:
            raise CsvImportError(_too_big_message(self.max_bytes))
        buffer[: len(data)] = data
        return len(data)


def _read_text(binary_file, *, encoding: str, max_rows: int, max_bytes: int) -> ParsedFile:
    counted = io.BufferedReader(_ByteCounter(binary_file, max_bytes))
    text = io.TextIOWrapper(counted, encoding=encoding, errors="strict", newline="")
    reader = None
    try:
        header_line, lines_before_data = _header_line(text)
        delimiter, columns, ignored = _header(header_line)
        reader = csv.reader(text, delimiter=delimiter)
        rows: list[RawRow] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= max_rows:
                raise CsvImportError(
                    _("The file has more than %(max)s rows. Split it into files of at most %(max)s rows.")
                    % {"max": f"{max_rows:,}".replace(",", "\u202f")}
                )
            rows.append(_raw_row(cells, columns, line=reader.line_num + lines_before_data))
    except csv.Error as error:
        line = (reader.line_num if reader else 0) + lines_before_data
        raise CsvImportError(
            _("The file cannot be read as CSV near line %(line)s (%(error)s).") % {"line": line, "error": error}
        ) from error
    finally:
        # The upload stays open for a second attempt in another encoding.
        text.detach()
    if not rows:
        raise CsvImportError(_("The file has a header but no data row."))
    return ParsedFile(
        rows=rows,
        encoding="utf-8" if encoding == "utf-8-sig" else encoding,
        delimiter=delimiter,
        has_comment_column="commentaire" in columns,
        ignored_columns=ignored,
    )


def _header_line(text) -> tuple[str, int]:
    """The first non-blank line, and how many lines precede the data rows."""
    for number, line in enumerate(text, start=1):
        if line.strip():
            return line, number
    raise CsvImportError(_("The file is empty."))


def normalise_header(name: str) -> str:
    """« Année » → « annee »: headers compare without case, accents or surrounding spaces."""
    decomposed = unicodedata.normalize("NFKD", name.strip().strip('"').strip())
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def _header(line: str) -> tuple[str, dict[str, int], list[str]]:
    """The separator, the position of each column and the names of ignored columns, from the header."""
    best = None
    for delimiter in DELIMITERS:
        originals = [name.strip() for name in next(csv.reader([line], delimiter=delimiter))]
        names = [normalise_header(name) for name in originals]
        found = [name for name in REQUIRED_COLUMNS if name in names]
        if best is None or len(found) > len(best[2]):
            best = (delimiter, names, found, originals)
    delimiter, names, found, originals = best
    missing = [name for name in REQUIRED_COLUMNS if name not in found]
    if missing:
        raise CsvImportError(
            ngettext(
                "Missing column: %(columns)s. The first line must name the columns %(expected)s.",
                "Missing columns: %(columns)s. The first line must name the columns %(expected)s.",
                len(missing),
            )
            % {"columns": ", ".join(missing), "expected": ";".join(REQUIRED_COLUMNS)}
        )
    duplicates = sorted({name for name in names if name and names.count(name) > 1})
    if duplicates:
        raise CsvImportError(_("Columns appear twice: %(columns)s.") % {"columns": ", ".join(duplicates)})
    known = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    ignored = [original[:40] for original, name in zip(originals, names, strict=True) if name and name not in known]
    return delimiter, {name: index for index, name in enumerate(names) if name}, ignored


def _raw_row(cells: list[str], columns: dict[str, int], *, line: int) -> RawRow:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    return RawRow(
        line=line,
        indicator=cell("indicateur")[:MAX_CELL_LENGTH],
        territory=cell("territoire")[:MAX_CELL_LENGTH],
        year=cell("annee")[:MAX_CELL_LENGTH],
        value=cell("valeur")[:MAX_CELL_LENGTH],
        comment=cell("commentaire")[:MAX_CELL_LENGTH],
        formula_cells=tuple(text.strip()[:40] for text in cells if looks_like_formula(text)),
        too_long=any(len(text) > MAX_CELL_LENGTH for text in cells),
    )


# --- Values ----------------------------------------------------------------------------------------


def parse_decimal(text: str) -> Decimal:
    """« 1 234,5 », « 1234.5 », « -12 » → a Decimal rounded to 3 decimals; ``ValueError`` otherwise."""
    cleaned = _SPACES.sub("", text or "")
    if not _NUMBER.fullmatch(cleaned):
        raise ValueError(_("“%(text)s” is not a number (write for example 1 234,5).") % {"text": text})
    try:
        number = Decimal(cleaned.replace(",", ".")).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    except InvalidOperation as error:
        raise ValueError(_("“%(text)s” is not a number (write for example 1 234,5).") % {"text": text}) from error
    if abs(number) > MAX_ABSOLUTE_VALUE:
        raise ValueError(_("“%(text)s” is too large.") % {"text": text})
    return number


def parse_year(text: str) -> int:
    cleaned = (text or "").strip()
    if not re.fullmatch(r"\d{1,4}", cleaned):
        raise ValueError(_("“%(text)s” is not a year.") % {"text": text})
    year = int(cleaned)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(
            _("The year %(year)s is out of range (%(min)s to %(max)s).")
            % {"year": year, "min": MIN_YEAR, "max": MAX_YEAR}
        )
    return year


def territory_key(text: str) -> str:
    """« 200 023 737 » → « 200023737 »; « 1001 » → « 01001 » (Excel drops a code's leading zero)."""
    cleaned = _SPACES.sub("", text or "").upper()
    if cleaned.isdigit() and len(cleaned) == 4:
        cleaned = "0" + cleaned
    return cleaned


# --- Checking rows against the diagnostic ------------------------------------------------------------


class RowAction:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass
class PlannedRow:
    raw: RawRow
    action: str = RowAction.ERROR
    errors: list[str] = field(default_factory=list)
    indicator: object = None
    territory: object = None
    year: int | None = None
    value: Decimal | None = None
    comment: str = ""
    existing: object = None  # the IndicatorValue it updates

    @property
    def previous_value(self) -> Decimal | None:
        return self.existing.value if self.existing is not None else None


@dataclass
class ImportPlan:
    rows: list[PlannedRow]
    has_comment_column: bool

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def error_count(self) -> int:
        return self.count(RowAction.ERROR)

    @property
    def create_count(self) -> int:
        return self.count(RowAction.CREATE)

    @property
    def update_count(self) -> int:
        return self.count(RowAction.UPDATE)

    @property
    def unchanged_count(self) -> int:
        return self.count(RowAction.UNCHANGED)

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    @property
    def errors(self) -> list[PlannedRow]:
        return [row for row in self.rows if row.action == RowAction.ERROR]


def plan_indicator_import(*, diagnostic, rows: list[RawRow], has_comment_column: bool) -> ImportPlan:
    """What importing ``rows`` into ``diagnostic`` would do, row by row; writes nothing. Three queries."""
    convention = diagnostic.convention
    epci = convention.epci
    definitions = {definition.code.lower(): definition for definition in IndicatorDefinition.objects.all()}
    territories = {epci.siren: epci}
    for commune in Organisation.objects.filter(epci_id=epci.pk, kind=OrganisationKind.COMMUNE):
        territories[commune.insee_code.upper()] = commune
        if commune.siren:
            territories.setdefault(commune.siren, commune)
    existing = {
        (value.indicator_id, value.territory_id, value.year): value
        for value in IndicatorValue.objects.filter(diagnostic=diagnostic)
    }
    seen: dict[tuple, int] = {}
    planned = []
    for raw in rows:
        row = PlannedRow(raw=raw, comment=raw.comment)
        if raw.formula_cells:
            row.errors.append(
                _("A cell starts like a spreadsheet formula (“%(cell)s”): formulas are refused, type the value.")
                % {"cell": raw.formula_cells[0]}
            )
        if raw.too_long:
            row.errors.append(_("A cell is longer than %(max)s characters.") % {"max": MAX_CELL_LENGTH})
        _check_indicator(row, raw, definitions)
        _check_territory(row, raw, territories, epci)
        for attribute, parse, missing in (
            ("year", parse_year, _("The year is missing.")),
            ("value", parse_decimal, _("The value is missing.")),
        ):
            text = getattr(raw, attribute)
            if not text:
                row.errors.append(missing)
                continue
            if looks_like_formula(text):
                continue  # already refused as a formula
            try:
                setattr(row, attribute, parse(text))
            except ValueError as error:
                row.errors.append(str(error))
        if row.indicator is not None and row.territory is not None and row.year is not None:
            key = (row.indicator.pk, row.territory.pk, row.year)
            if key in seen:
                row.errors.append(
                    _("Duplicate of line %(line)s (same indicator, territory and year).") % {"line": seen[key]}
                )
            else:
                seen[key] = raw.line
            row.existing = existing.get(key)
        if row.errors:
            row.action = RowAction.ERROR
        elif row.existing is None:
            row.action = RowAction.CREATE
        elif row.existing.value == row.value and (not has_comment_column or row.existing.comment == row.comment):
            row.action = RowAction.UNCHANGED
        else:
            row.action = RowAction.UPDATE
        planned.append(row)
    return ImportPlan(rows=planned, has_comment_column=has_comment_column)


def _check_indicator(row: PlannedRow, raw: RawRow, definitions: dict) -> None:
    if not raw.indicator:
        row.errors.append(_("The indicator code is missing."))
        return
    definition = definitions.get(raw.indicator.lower())
    if definition is None:
        row.errors.append(_("Unknown indicator “%(code)s”.") % {"code": raw.indicator})
    elif formula_source_for(definition):
        row.errors.append(
            _("“%(code)s” is computed by the portal from other indicators: remove this row.")
            % {"code": definition.code}
        )
    else:
        row.indicator = definition


def _check_territory(row: PlannedRow, raw: RawRow, territories: dict, epci) -> None:
    if not raw.territory:
        row.errors.append(_("The territory is missing (a commune's INSEE code or the EPCI's SIREN)."))
        return
    territory = territories.get(territory_key(raw.territory))
    if territory is None:
        row.errors.append(
            _("“%(code)s” is neither the INSEE code of a commune of %(epci)s nor its SIREN (%(siren)s).")
            % {"code": raw.territory, "epci": epci.display_name, "siren": epci.siren}
        )
    else:
        row.territory = territory
