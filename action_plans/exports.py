"""Exports of an action plan: an XLSX workbook (fiches, funding lines, indicators) and a CSV of the
fiches for French Excel (UTF-8 with a BOM, ``;`` separator, decimal commas).

Rows come from ``selectors.plan_export_rows``, the same reads as the pages. Every text cell
goes through ``neutralise_formula``: a title such as ``=HYPERLINK(...)`` stays text.
"""

import csv
import datetime
import io
import re
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from action_plans.choices import ActionStatus, FundingStatus
from action_plans.xlsx_writer import Column, Sheet, workbook_bytes
from ctg_portal.spreadsheets import neutralise_formula
from diagnostics.choices import Priority

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

EURO_FORMAT = '#,##0.00\\ "€"'
DATE_FORMAT = "DD/MM/YYYY"
DECIMAL_FORMAT = "#,##0.###"


def export_filename(*, convention, extension: str, today: datetime.date | None = None) -> str:
    """``plan-actions-CTG-GRAND-CAHORS-2020-2026-05-04.xlsx``: the reference, then the date."""
    reference = re.sub(r"[^A-Za-z0-9_-]+", "-", convention.reference).strip("-") or "convention"
    return f"plan-actions-{reference}-{(today or timezone.localdate()).isoformat()}.{extension}"


# --- Columns ----------------------------------------------------------------------------------
# Each column: header, width, number format (None for text), value getter.


def _labels(choices) -> dict:
    """Each choice's label translated once per export, rather than ``get_FOO_display()`` per row."""
    return {value: str(label) for value, label in choices}


def _action_columns():
    statuses, priorities = _labels(ActionStatus.choices), _labels(Priority.choices)
    yes, no = _("Yes"), _("No")
    return [
        (_("Orientation"), 40, None, lambda a: f"{a.orientation_position}. {a.orientation_title}"),
        (_("Code"), 8, None, lambda a: a.code),
        (_("Fiche action"), 50, None, lambda a: a.title),
        (_("Domain"), 24, None, lambda a: a.domain_name),
        (_("Pilot"), 24, None, lambda a: a.pilot_name),
        (_("Partners"), 40, None, lambda a: ", ".join(a.partner_names)),
        (_("Start date"), 12, DATE_FORMAT, lambda a: a.start_date),
        (_("End date"), 12, DATE_FORMAT, lambda a: a.end_date),
        (_("Status"), 14, None, lambda a: statuses.get(a.status, a.status)),
        (_("Late"), 10, None, lambda a: yes if a.is_late else no),
        (_("Progress (%)"), 13, "0", lambda a: a.progress),
        (_("Priority"), 11, None, lambda a: priorities.get(a.priority, a.priority)),
        (_("Planned budget (€)"), 18, EURO_FORMAT, lambda a: a.planned_budget),
        (_("Needs answered"), 50, None, lambda a: " ; ".join(a.need_titles)),
        (_("Objectives"), 60, None, lambda a: a.objectives),
        (_("Target public"), 40, None, lambda a: a.target_public),
    ]


def _funding_columns():
    statuses = _labels(FundingStatus.choices)
    return [
        (_("Code"), 8, None, lambda row: row[0].code),
        (_("Fiche action"), 50, None, lambda row: row[0].title),
        (_("Domain"), 24, None, lambda row: row[0].domain_name),
        (_("Funder"), 30, None, lambda row: row[1].funder_name),
        (_("Scheme"), 40, None, lambda row: row[1].scheme),
        (_("Year"), 8, "0", lambda row: row[1].year),
        (_("Amount (€)"), 16, EURO_FORMAT, lambda row: row[1].amount),
        (_("Funding status"), 14, None, lambda row: statuses.get(row[1].status, row[1].status)),
    ]


def _indicator_columns():
    return [
        (_("Code"), 8, None, lambda row: row[0].code),
        (_("Fiche action"), 50, None, lambda row: row[0].title),
        (_("Indicator"), 50, None, lambda row: row[1].label),
        (_("Unit"), 14, None, lambda row: row[1].unit),
        (_("Baseline"), 12, DECIMAL_FORMAT, lambda row: row[1].baseline),
        (_("Target"), 12, DECIMAL_FORMAT, lambda row: row[1].target),
        (_("Current value"), 14, DECIMAL_FORMAT, lambda row: row[1].current_value),
    ]


# --- XLSX -------------------------------------------------------------------------------------


def _cell_value(value):
    """Text neutralised; numbers, Decimals and dates kept as such so that the sheet can compute."""
    return neutralise_formula(value) if isinstance(value, str) else value


def _sheet(title: str, columns, rows) -> Sheet:
    getters = [getter for *_rest, getter in columns]
    return Sheet(
        title=title,
        columns=[Column(str(header), width, number_format) for header, width, number_format, _getter in columns],
        rows=([_cell_value(getter(row)) for getter in getters] for row in rows),
    )


def plan_xlsx(*, convention, actions) -> bytes:
    """The workbook of ``actions`` (``selectors.plan_export_rows``), as bytes: bold frozen
    headers with a filter, column widths, euros, dates and decimals formatted (``xlsx_writer``)."""
    actions = list(actions)
    sheets = [
        _sheet(_("Fiches actions"), _action_columns(), actions),
        _sheet(
            _("Funding"),
            _funding_columns(),
            ((action, line) for action in actions for line in action.funding_lines),
        ),
        _sheet(
            _("Indicators"),
            _indicator_columns(),
            ((action, indicator) for action in actions for indicator in action.indicators),
        ),
    ]
    return workbook_bytes(
        sheets,
        title=_("Action plan of %(convention)s") % {"convention": convention.reference},
        creator="Portail CTG",
    )


# --- CSV --------------------------------------------------------------------------------------


def _csv_value(value) -> str:
    """French Excel's reading: dates dd/mm/yyyy, decimal commas, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, int):
        return str(value)
    return neutralise_formula(str(value))


def plan_csv(*, actions) -> bytes:
    """One row per fiche action, the same columns as the workbook's first sheet."""
    columns = _action_columns()
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise_formula(str(header)) for header, *_rest in columns])
    for action in actions:
        writer.writerow([_csv_value(getter(action)) for *_rest, getter in columns])
    return ("\ufeff" + output.getvalue()).encode("utf-8")
