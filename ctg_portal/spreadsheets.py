"""Spreadsheet safety shared by every import and export (CSV, XLSX)."""

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


def looks_like_formula(text: str) -> bool:
    """True for imported text that a spreadsheet would run as a formula, e.g. ``=HYPERLINK(...)``."""
    return text.strip().startswith(("=", "+", "@")) or text.strip().startswith("-=")
