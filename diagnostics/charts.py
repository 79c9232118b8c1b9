"""Small server-rendered SVG charts for the diagnostic: horizontal bars and columns, no JavaScript.

Made to be looked at on a screen as on paper: every bar carries its label and its value (so nothing
relies on colour), numbers are formatted by the caller (French format), the SVG has a ``<title>`` and
a ``<desc>`` listing every value for screen readers, and its width follows the page: horizontal
positions are percentages, so labels keep their size on a phone instead of shrinking with a viewBox.
"""

import hashlib
from collections.abc import Callable
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

Formatter = Callable[[Decimal], str]

BAR_AREA = 78  # % of the width for the longest bar; the rest holds its value label.
ROW_HEIGHT = 38
COLUMN_PLOT_HEIGHT = 110


def _chart_id(kind: str, title: str, items) -> str:
    digest = hashlib.sha1(repr((kind, title, items)).encode(), usedforsecurity=False).hexdigest()[:10]
    return f"chart-{kind}-{digest}"


def _scale(values: list[Decimal]) -> tuple[Decimal, Decimal]:
    low, high = min([Decimal(0), *values]), max([Decimal(0), *values])
    return low, (high - low) or Decimal(1)


def _pct(number: Decimal) -> str:
    # Two decimals at most, without trailing zeros: « 78 », « 75.8 », « 0 » (hundreds per page).
    return f"{float(number):.2f}".rstrip("0").rstrip(".")


def _description(items: list[tuple[str, Decimal]], unit: str, formatter: Formatter) -> str:
    suffix = f" {unit}" if unit else ""
    return " ; ".join(f"{label} : {formatter(value)}{suffix}" for label, value in items)


def horizontal_bars(*, title: str, bars: list[tuple[str, Decimal]], unit: str, formatter: Formatter) -> SafeString:
    """One bar per item, its label above it and its value at its end: for comparing territories."""
    chart_id = _chart_id("bars", title, bars)
    low, span = _scale([value for _label, value in bars])
    zero = -low / span * BAR_AREA
    rows = []
    for position, (label, value) in enumerate(bars):
        top = position * ROW_HEIGHT
        end = (value - low) / span * BAR_AREA
        start, width = min(zero, end), abs(end - zero)
        rows.append(
            format_html(
                "<g>"
                '<text class="chart-label" x="0" y="{}">{}</text>'
                '<rect class="chart-bar" x="{}%" y="{}" width="{}%" height="14"/>'
                '<text class="chart-value" x="{}%" dx="6" y="{}">{}</text>'
                "</g>",
                top + 13,
                label,
                _pct(start),
                top + 18,
                _pct(width),
                _pct(max(end, zero)),
                top + 30,
                formatter(value),
            )
        )
    height = len(bars) * ROW_HEIGHT
    return format_html(
        '<svg class="diagnostic-chart chart-bars" xmlns="http://www.w3.org/2000/svg" width="100%" height="{}" '
        'role="img" aria-labelledby="{}-title {}-desc">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        '<line class="chart-axis" x1="{}%" x2="{}%" y1="16" y2="{}"/>{}</svg>',
        height,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        _description(bars, unit, formatter),
        _pct(zero),
        _pct(zero),
        height,
        format_html_join("", "{}", ((row,) for row in rows)),
    )


def columns(*, title: str, columns: list[tuple[str, Decimal]], unit: str, formatter: Formatter) -> SafeString:
    """One column per item, its value above it and its label (a year) below: for an evolution."""
    chart_id = _chart_id("columns", title, columns)
    low, span = _scale([value for _label, value in columns])
    top_margin, plot = 22, COLUMN_PLOT_HEIGHT

    def y(value: Decimal) -> float:
        return top_margin + float((low + span - value) / span) * plot

    slot = Decimal(100) / len(columns)
    baseline = y(Decimal(0))
    items = []
    for position, (label, value) in enumerate(columns):
        left = slot * position + slot * Decimal("0.2")
        centre = slot * position + slot / 2
        bar_top, bar_bottom = min(y(value), baseline), max(y(value), baseline)
        items.append(
            format_html(
                "<g>"
                '<rect class="chart-bar" x="{}%" y="{}" width="{}%" height="{}"/>'
                '<text class="chart-value" x="{}%" y="{}" text-anchor="middle">{}</text>'
                '<text class="chart-label" x="{}%" y="{}" text-anchor="middle">{}</text>'
                "</g>",
                _pct(left),
                f"{bar_top:.1f}",
                _pct(slot * Decimal("0.6")),
                f"{max(bar_bottom - bar_top, 1):.1f}",
                _pct(centre),
                f"{bar_top - 6:.1f}",
                formatter(value),
                _pct(centre),
                top_margin + plot + 18,
                label,
            )
        )
    height = top_margin + plot + 26
    return format_html(
        '<svg class="diagnostic-chart chart-columns" xmlns="http://www.w3.org/2000/svg" width="100%" height="{}" '
        'role="img" aria-labelledby="{}-title {}-desc">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        '<line class="chart-axis" x1="0" x2="100%" y1="{}" y2="{}"/>{}</svg>',
        height,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        _description(columns, unit, formatter),
        f"{baseline:.1f}",
        f"{baseline:.1f}",
        format_html_join("", "{}", ((item,) for item in items)),
    )
