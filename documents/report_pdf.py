"""The report of a committee meeting as a PDF: the action plan as of the meeting's date.

A copil meeting's report is a copil report, a cotech meeting's a cotech report (``Meeting.report_kind``),
titled « Compte rendu du comité technique ».

What it shows and how the past is read is ``report_selectors``' business; this module lays it out
(``templates/pdf/copil_report.html`` on B's ``templates/pdf/base.html``), renders it with WeasyPrint
and signs it with the portal's certificate (PAdES) like every document the portal issues. Its metadata
keywords (``ctg-reference=…; ctg-meeting=<pk>; ctg-kind=copil_report`` or ``cotech_report``) name the
meeting, so the verification page can say which report a copy claims to be.
"""

import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import override, pgettext

from conventions.choices import DocumentKind
from conventions.models import Meeting
from diagnostics import charts
from diagnostics.selectors import format_number
from documents.convention_pdf import CHART_STYLE, lay_out
from documents.pdf_signature import sign_pdf
from documents.report_selectors import CopilReport, IndicatorState, copil_report_data

# Past this many indicators with figures, the charts stop (the table lists them all).
MAX_INDICATOR_CHARTS = 12


def report_keywords(meeting: Meeting) -> str:
    """The PDF keywords that identify the meeting a report shows (read back by the verification)."""
    reference = meeting.body.convention.reference
    return f"ctg-reference={reference}; ctg-meeting={meeting.pk}; ctg-kind={DocumentKind(meeting.report_kind).value}"


def _chart(svg) -> str:
    head, _sep, rest = str(svg).partition(">")
    return mark_safe(f"{head}>{CHART_STYLE}{rest}")  # the chart's own escaped markup, plus a constant


def _indicator_chart(state: IndicatorState) -> str | None:
    values = [  # short labels: three columns fit a third of the page
        (pgettext("indicator chart", "Start"), state.baseline),
        (pgettext("indicator chart", "Now"), state.current),
        (pgettext("indicator chart", "Target"), state.target),
    ]
    values = [(label, value) for label, value in values if value is not None]
    if len(values) < 2:
        return None
    indicator = state.indicator
    unit = indicator.unit or ""
    title = f"{indicator.action.code} — {indicator.label}"
    return _chart(charts.columns(title=title, columns=values, unit=unit, formatter=format_number))


def _report_title(meeting: Meeting) -> str:
    """The document's title: a copil's report as before; a cotech's says it is the technical committee's."""
    date = formats.date_format(meeting.held_on, "j F Y")
    if meeting.report_kind == DocumentKind.COTECH_REPORT:
        return _("Technical committee report — %(body)s, %(date)s") % {"body": meeting.body.name, "date": date}
    return _("Report — %(body)s, %(date)s") % {"body": meeting.body.name, "date": date}


def _context(report: CopilReport) -> dict:
    meeting = report.meeting
    convention = meeting.body.convention
    # A chart says something once the current value is known: baseline, current and target side by side.
    charted = [state for state in report.indicators if state.current is not None]
    indicator_charts = []
    for state in charted[:MAX_INDICATOR_CHARTS]:
        svg = _indicator_chart(state)
        if svg:
            indicator_charts.append((state, svg))
    return {
        "report": report,
        "meeting": meeting,
        "convention": convention,
        "indicator_charts": indicator_charts,
        "more_indicators": max(0, len(charted) - MAX_INDICATOR_CHARTS),
        "keywords": report_keywords(meeting),
        "created": timezone.now().astimezone(datetime.UTC).replace(microsecond=0).isoformat(),
        "issued_on": timezone.localdate(),
        "as_of_label": formats.date_format(report.as_of, "j F Y"),
        "title": _report_title(meeting),
        "is_cotech": meeting.report_kind == DocumentKind.COTECH_REPORT,
        "description": _("Monitoring report of convention %(reference)s as of %(date)s")
        % {"reference": convention.reference, "date": formats.date_format(report.as_of, "j F Y")},
    }


def build_copil_report_html(meeting: Meeting, *, today: datetime.date | None = None) -> str:
    """The HTML of the report of ``meeting`` (as of its date; ``today`` for tests)."""
    with override(settings.LANGUAGE_CODE):
        report = copil_report_data(meeting, today=today)
        return render_to_string("pdf/copil_report.html", _context(report))


def render_copil_report_pdf(meeting: Meeting, *, today: datetime.date | None = None) -> bytes:
    """The issued PDF of the report of ``meeting``: laid out by WeasyPrint, then signed by the portal."""
    html = build_copil_report_html(meeting, today=today)
    return sign_pdf(lay_out(html))  # PDF/A-3a (tagged), as the convention
