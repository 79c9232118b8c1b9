"""Indicator cards: values by territory and year, charts, the tools to type values in."""

from functools import lru_cache

from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ctg_portal.fast_html import html_format
from diagnostics.choices import IndicatorSource
from diagnostics.fragments.common import Labels, Urls, counted
from diagnostics.selectors import DiagnosticPage, IndicatorTable

_SOURCES = dict(IndicatorSource.choices)


@lru_cache(maxsize=8192)
def _value_cell(display: str) -> str:
    # A formatted number, escaped once per distinct value rather than once per cell of every page.
    return html_format("<td>{}</td>", display)


def _table_body(table: IndicatorTable, labels: Labels) -> str:
    """The rows of an indicator's table: the intercommunality first (marked), then each commune."""
    no_value = html_format(
        '<td><span aria-hidden="true">—</span><span class="visually-hidden">{}</span></td>', labels.no_value
    )
    epci_mark = html_format(' <span class="small fw-normal text-body-secondary">({})</span>', labels.intercommunality)
    lines = []
    for row in table.rows:
        cells = "".join(_value_cell(cell.display) if cell.display else no_value for cell in row.cells)
        lines.append(
            html_format(
                '<tr{}><th scope="row">{}{}</th>{}</tr>',
                SafeString(' class="epci-row"') if row.is_epci else "",
                row.territory.display_name,
                epci_mark if row.is_epci else "",
                SafeString(cells),
            )
        )
    return "".join(lines)


def _chart(chart) -> str:
    if chart is None:
        return ""
    return html_format(
        '<figure class="chart-figure"><figcaption class="small fw-semibold mb-2">{}</figcaption>{}</figure>',
        chart.title,
        chart.svg,
    )


def _values_html(table: IndicatorTable, labels: Labels) -> str:
    definition = table.definition
    if not table.years:
        return html_format(
            '<p class="text-body-secondary small mb-0">{}</p>',
            labels.not_computable if table.is_computed else labels.no_value_yet,
        )
    years = "".join(f'<th scope="col" class="text-end">{year}</th>' for year in table.years)
    comments = "".join(
        html_format(
            '<p class="small text-body-secondary mb-1"><i class="bi bi-info-circle" aria-hidden="true"></i> {}</p>',
            comment,
        )
        for comment in table.comments
    )
    without = ""
    if table.communes_without_value:
        without = html_format(
            '<details class="small text-body-secondary mt-2"><summary>{}</summary><p class="mb-0">{}</p></details>',
            counted(
                ngettext(
                    "%(counter)s commune without value",
                    "%(counter)s communes without value",
                    len(table.communes_without_value),
                ),
                len(table.communes_without_value),
            ),
            ", ".join(commune.display_name for commune in table.communes_without_value),
        )
    charts = ""
    if table.communes_chart or table.years_chart:
        charts = html_format(
            '<div class="col-xl-6">{}{}</div>', _chart(table.communes_chart), _chart(table.years_chart)
        )
    return html_format(
        '<div class="row g-4"><div class="col-xl-6"><div class="table-responsive">'
        '<table class="table table-sm indicator-table mb-2"><caption class="visually-hidden">{caption}</caption>'
        '<thead><tr><th scope="col">{territory}</th>{years}</tr></thead><tbody>{body}</tbody></table></div>'
        "{comments}{without}</div>{charts}</div>",
        caption=_("%(label)s: values by territory and year") % {"label": definition.label},
        territory=labels.territory,
        years=SafeString(years),
        body=SafeString(_table_body(table, labels)),
        comments=SafeString(comments),
        without=without,
        charts=charts,
    )


def indicator_card_html(
    table: IndicatorTable, *, can_edit: bool, urls: Urls, labels: Labels, saved: str = "", oob: bool = False
) -> SafeString:
    """One indicator: its values by territory and year, its charts; the card htmx swaps after an edit."""
    definition = table.definition
    code = definition.code
    unit = (
        html_format(' <span class="fw-normal text-body-secondary">({})</span>', definition.unit)
        if definition.unit
        else ""
    )
    computed = (
        html_format(
            ' · <span class="badge computed-badge"><i class="bi bi-calculator" aria-hidden="true"></i> {}</span>',
            labels.computed,
        )
        if table.is_computed
        else ""
    )
    edit = ""
    if can_edit and not table.is_computed:
        edit = html_format(
            '<a class="btn btn-sm btn-outline-primary no-print" href="{url}" hx-get="{url}" '
            'hx-target="#indicator-{code}" hx-swap="outerHTML"><i class="bi bi-pencil" aria-hidden="true"></i> {label} '
            '<span class="visually-hidden">: {name}</span></a>',
            url=urls.indicator_edit(code),
            code=code,
            label=labels.edit_values,
            name=definition.label,
        )
    notes = []
    if saved:
        notes.append(
            html_format(
                '<div class="alert alert-success py-2 small" role="status">'
                '<i class="bi bi-check-circle" aria-hidden="true"></i> {}</div>',
                saved,
            )
        )
    if definition.description:
        notes.append(html_format('<p class="small mb-2">{}</p>', definition.description))
    if table.is_computed:
        notes.append(
            html_format(
                '<p class="formula small mb-3"><strong>{}</strong> {} <span class="text-body-secondary">{}</span></p>',
                labels.computed_as,
                table.formula_text,
                labels.where_every_input,
            )
        )
    return html_format(
        '<article id="indicator-{code}" class="card indicator-card mb-4" aria-labelledby="indicator-{code}-title"{oob}>'
        '<div class="card-header d-flex flex-wrap justify-content-between align-items-start gap-2"><div>'
        '<h4 id="indicator-{code}-title" class="h6 mb-1">{label}{unit}</h4>'
        '<p class="small text-body-secondary mb-0">{code_label} <code>{code}</code> · {source_label} {source}'
        "{computed}</p>"
        '</div>{edit}</div><div class="card-body">{notes}{values}</div></article>',
        code=code,
        oob=SafeString(' hx-swap-oob="true"') if oob else "",
        label=definition.label,
        unit=unit,
        code_label=labels.code,
        source_label=labels.source,
        source=_SOURCES.get(definition.source, definition.source),
        computed=computed,
        edit=edit,
        notes=SafeString("".join(notes)),
        values=_values_html(table, labels),
    )


def indicators_section_html(page: DiagnosticPage, *, can_edit: bool, urls: Urls, labels: Labels) -> str:
    parts = [
        html_format(
            '<section id="indicators" class="mb-5" aria-labelledby="indicators-title">'
            '<h2 id="indicators-title" class="h4 section-title">{}</h2><p class="text-body-secondary small">{}</p>',
            _("Indicators"),
            _("Values for the whole intercommunality, then for each commune that has one, year by year."),
        )
    ]
    if can_edit:
        picker = ""
        if page.indicators_without_values:
            options = "".join(
                html_format(
                    '<option value="{}">{}{}</option>',
                    definition.code,
                    definition.label,
                    f" ({definition.unit})" if definition.unit else "",
                )
                for definition in page.indicators_without_values
            )
            picker = html_format(
                '<form method="get" action="{}" class="d-flex flex-wrap gap-2 align-items-end"><div>'
                '<label for="indicator-picker" class="form-label small mb-1">{}</label>'
                '<select id="indicator-picker" name="indicator" class="form-select">{}</select></div>'
                '<button type="submit" class="btn btn-outline-secondary">{}</button></form>',
                reverse("diagnostics:indicator_choose", kwargs={"convention_pk": urls.convention_pk}),
                _("Type in the values of another indicator"),
                SafeString(options),
                _("Type in"),
            )
        parts.append(
            html_format(
                '<div class="d-flex flex-wrap gap-3 align-items-end mb-4 no-print indicator-tools">'
                '<a class="btn btn-outline-primary" href="{}"><i class="bi bi-upload" aria-hidden="true"></i> {}</a>'
                "{}</div>",
                reverse("diagnostics:import_upload", kwargs={"convention_pk": urls.convention_pk}),
                _("Import a CSV file"),
                picker,
            )
        )
    for group in page.indicator_groups:
        parts.append(
            html_format(
                '<h3 class="h5 mt-4 mb-3 indicator-group-title">{}</h3>',
                group.domain.name if group.domain else _("The territory"),
            )
        )
        parts.extend(indicator_card_html(table, can_edit=can_edit, urls=urls, labels=labels) for table in group.tables)
    if not page.indicator_groups:
        parts.append(html_format('<p class="text-body-secondary">{}</p>', _("No indicator value yet.")))
    parts.append("</section>")
    return "".join(parts)
