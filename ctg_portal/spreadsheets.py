"""Spreadsheet safety shared by every import and export (CSV, XLSX)."""

import re

# A cell starting with one of these is run as a formula by Excel or LibreOffice ("CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value):
    """Returns ``value`` so that a spreadsheet shows it as text, never runs it as a formula.

    Numbers are returned unchanged (a negative number is data, not a formula); text starting with a
    formula character is prefixed with an apostrophe, as OWASP recommends.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# A negative number as people type it in a CSV file: « -3,5 », « -1 234,5 », « -1234.5 ».
_NEGATIVE_NUMBER = re.compile(r"-\d+(?:[.,]\d+)?")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]+")


def looks_like_formula(text: str) -> bool:
    """True for imported text that a spreadsheet would run as a formula, e.g. ``=HYPERLINK(...)``.

    A leading ``-`` starts a formula too (``-2+3``, ``-SUM(A1)``, ``-cmd|' /C calc'!A0``), unless the
    rest is a plain number: a negative value is data. A lone ``-`` (an empty cell's placeholder) runs
    nothing.
    """
    stripped = text.strip()
    if stripped.startswith(("=", "+", "@")):
        return True
    if stripped.startswith("-") and stripped != "-":
        return not _NEGATIVE_NUMBER.fullmatch(_SPACES.sub("", stripped))
    return False
