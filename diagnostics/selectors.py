"""Reads of a diagnostic for its pages and partials: a fixed number of queries, whatever the data size.

``diagnostic_page`` gathers everything the diagnostic page shows; the partials (one indicator, one
list of findings) read through the same builders, so a refreshed fragment never disagrees with the
page it is part of.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from conventions.models import Convention, Domain
from diagnostics import charts
from diagnostics.choices import FindingKind
from diagnostics.indicators import COMPUTED_DECIMALS, Formula, formula_for
from diagnostics.models import Consultation, Diagnostic, Finding, IndicatorDefinition, IndicatorValue, StagedImport
from partners.choices import OrganisationKind
from partners.models import Organisation

KIND_SLUGS = {"forces": FindingKind.STRENGTH, "faiblesses": FindingKind.WEAKNESS, "besoins": FindingKind.NEED}
SLUG_OF_KIND = {kind: slug for slug, kind in KIND_SLUGS.items()}


def staged_import_for(*, diagnostic: Diagnostic, token: str, user) -> StagedImport | None:
    """The CSV import ``user`` staged for this diagnostic under ``token``, unless it has expired."""
    return (
        StagedImport.objects.select_related("diagnostic__convention")
        .filter(
            diagnostic=diagnostic,
            token=token,
            created_by=user,
            created_at__gte=timezone.now() - StagedImport.LIFETIME,
        )
        .first()
    )


def diagnostic_for(convention: Convention) -> Diagnostic:
    """The convention's diagnostic, or 404 (it is read along with the convention: no query)."""
    try:
        return convention.diagnostic
    except Diagnostic.DoesNotExist:
        raise Http404(_("This convention has no diagnostic yet.")) from None


def format_number(value: Decimal | None, *, decimals: int | None = None) -> str:
    """A number as the active language writes it: « 1 234,5 » in French; "" for no value."""
    if value is None:
        return ""
    return _formatted(value, decimals, get_language())


@lru_cache(maxsize=8192)
def _formatted(value: Decimal, decimals: int | None, _language: str | None) -> str:
    # A pure function of its arguments (the language included): Django's number_format costs ~70 µs,
    # and a diagnostic page formats a few thousand values, mostly the same from one request to the next.
    if decimals is None:
        normalized = Decimal(value).normalize()
        decimals = max(0, -normalized.as_tuple().exponent)
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def communes_of(convention: Convention) -> list[Organisation]:
    return list(Organisation.objects.filter(epci_id=convention.epci_id, kind=OrganisationKind.COMMUNE).order_by("name"))


# --- Indicators -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    title: str
    svg: SafeString


@dataclass
class Cell:
    year: int
    value: Decimal | None
    display: str


@dataclass
class TableRow:
    territory: Organisation
    is_epci: bool
    cells: list[Cell]


@dataclass
class IndicatorTable:
    """One indicator of one diagnostic: its values by territory and year, its charts, its notes."""

    definition: IndicatorDefinition
    formula: Formula | None
    formula_text: str
    years: list[int]
    rows: list[TableRow]
    communes_without_value: list[Organisation]
    comments: list[str]
    value_count: int
    communes_chart: "Chart | None" = None
    years_chart: "Chart | None" = None

    @property
    def is_computed(self) -> bool:
        return self.formula is not None

    @property
    def code(self) -> str:
        return self.definition.code


class _Value(NamedTuple):
    value: Decimal
    comment: str


def _value_index(rows) -> dict[str, dict[tuple[int, int], _Value]]:
    """(code, territory, year, value, comment) rows by code, then by (territory, year)."""
    index: dict[str, dict] = defaultdict(dict)
    for code, territory_id, year, value, comment in rows:
        index[code][(territory_id, year)] = _Value(value, comment)
    return index


def _build_table(
    *,
    definition: IndicatorDefinition,
    formula: Formula | None,
    index: dict[str, dict[tuple[int, int], _Value]],
    labels: dict[str, str],
    epci: Organisation,
    communes: list[Organisation],
) -> IndicatorTable:
    if formula is None:
        numbers = {key: value.value for key, value in index.get(definition.code, {}).items()}
        comments = sorted({value.comment for value in index.get(definition.code, {}).values() if value.comment})
        decimals = None
    else:
        # Computed wherever every input has a value for the same territory and year.
        keys = set.intersection(*(set(index.get(code, {})) for code in formula.codes))
        numbers = {}
        for key in keys:
            result = formula.evaluate({code: index[code][key].value for code in formula.codes})
            if result is not None:
                numbers[key] = result
        comments, decimals = [], COMPUTED_DECIMALS
    years = sorted({year for _territory, year in numbers})
    territories_with_values = {territory_id for territory_id, _year in numbers}
    rows = []
    for territory in [epci, *communes]:
        if territory.pk != epci.pk and territory.pk not in territories_with_values:
            continue
        cells = []
        for year in years:
            number = numbers.get((territory.pk, year))
            cells.append(Cell(year=year, value=number, display=format_number(number, decimals=decimals)))
        rows.append(TableRow(territory=territory, is_epci=territory.pk == epci.pk, cells=cells))
    table = IndicatorTable(
        definition=definition,
        formula=formula,
        formula_text=formula.describe(labels) if formula else "",
        years=years,
        rows=rows,
        communes_without_value=[commune for commune in communes if commune.pk not in territories_with_values],
        comments=comments,
        value_count=len(numbers),
    )
    table.communes_chart, table.years_chart = _charts(table, decimals=decimals)
    return table


def _charts(table: IndicatorTable, *, decimals: int | None) -> tuple[Chart | None, Chart | None]:
    unit = table.definition.unit
    label = table.definition.label
    communes_chart = years_chart = None
    commune_rows = [row for row in table.rows if not row.is_epci]
    # Communes compared in the latest year for which at least two of them have a value.
    for index in range(len(table.years) - 1, -1, -1):
        bars = [(row.territory.display_name, row.cells[index].value) for row in commune_rows]
        bars = [(name, value) for name, value in bars if value is not None]
        if len(bars) >= 2:
            title = _("Communes compared in %(year)s") % {"year": table.years[index]}
            svg = _chart_svg(
                "bars",
                f"{label} — {title}",
                tuple(sorted(bars, key=lambda bar: bar[1], reverse=True)),
                unit,
                decimals,
                get_language(),
            )
            communes_chart = Chart(title=title, svg=svg)
            break
    epci_row = next((row for row in table.rows if row.is_epci), None)
    if epci_row is not None:
        columns = [(str(cell.year), cell.value) for cell in epci_row.cells if cell.value is not None]
        if len(columns) >= 2:
            title = _("%(territory)s, year by year") % {"territory": epci_row.territory.display_name}
            svg = _chart_svg("columns", f"{label} — {title}", tuple(columns), unit, decimals, get_language())
            years_chart = Chart(title=title, svg=svg)
    return communes_chart, years_chart


@lru_cache(maxsize=1024)
def _chart_svg(
    kind: str, title: str, items: tuple, unit: str, decimals: int | None, language: str | None
) -> SafeString:
    """A chart is a pure function of what it shows (and the language its numbers are written in):
    drawn once per worker process, not on every request of the page."""

    def formatter(value: Decimal) -> str:
        return _formatted(value, decimals, language)

    if kind == "bars":
        return charts.horizontal_bars(title=title, bars=list(items), unit=unit, formatter=formatter)
    return charts.columns(title=title, columns=list(items), unit=unit, formatter=formatter)


def indicator_tables(
    *, diagnostic: Diagnostic, convention: Convention, communes: list[Organisation], only: set[str] | None = None
) -> tuple[list[IndicatorTable], list[IndicatorDefinition]]:
    """The indicators with values (typed in or computed) and the collected ones still without value.

    Two queries: the definitions, and the diagnostic's values. ``only`` keeps these codes, even empty.
    """
    definitions = sorted(
        IndicatorDefinition.objects.select_related("domain"),
        # Indicators of the whole territory (no domain) first, on every database.
        key=lambda d: (d.domain is not None, d.domain.position if d.domain else 0, d.label.lower()),
    )
    labels = {definition.code: definition.label for definition in definitions}
    # Tuples rather than model instances: a diagnostic holds thousands of values.
    values = IndicatorValue.objects.filter(diagnostic=diagnostic).values_list(
        "indicator__code", "territory_id", "year", "value", "comment"
    )
    index = _value_index(values)
    tables, without_values = [], []
    for definition in definitions:
        formula = formula_for(definition)
        if only is not None and definition.code not in only:
            continue
        if formula is None and definition.code not in index:
            without_values.append(definition)
            continue
        table = _build_table(
            definition=definition,
            formula=formula,
            index=index,
            labels=labels,
            epci=convention.epci,
            communes=communes,
        )
        if table.value_count or only is not None:
            tables.append(table)
    return tables, without_values


@dataclass
class IndicatorGroup:
    domain: Domain | None
    tables: list[IndicatorTable]


def group_by_domain(tables: list[IndicatorTable]) -> list[IndicatorGroup]:
    groups: list[IndicatorGroup] = []
    for table in tables:
        domain = table.definition.domain
        if not groups or groups[-1].domain != domain:
            groups.append(IndicatorGroup(domain=domain, tables=[]))
        groups[-1].tables.append(table)
    return groups


# --- Findings ---------------------------------------------------------------------------------------


def findings_queryset() -> QuerySet:
    return Finding.objects.order_by("position", "id")


class Answer(NamedTuple):
    """A fiche action answering a need: what the page writes of it (hundreds of them on a large plan)."""

    pk: int
    code: str
    title: str


def with_answers(findings: list[Finding]) -> list[Finding]:
    """Gives each finding ``answers`` (the fiches answering it, in the plan's order) and ``answer_count``,
    in one query of tuples rather than a prefetch of model instances.

    The relation is declared by the action plan (the app above this one), so it is reached through the
    field rather than by importing its model.
    """
    through = Finding._meta.get_field("answering_actions").through
    rows = (
        through.objects.filter(finding__in=[finding.pk for finding in findings])
        .order_by("action__orientation__position", "action__position", "action__code", "action_id")
        .values_list("finding_id", "action_id", "action__code", "action__title")
    )
    by_finding: dict[int, list[Answer]] = defaultdict(list)
    for finding_id, *answer in rows:
        by_finding[finding_id].append(Answer(*answer))
    for finding in findings:
        finding.answers = by_finding.get(finding.pk, [])
        finding.answer_count = len(finding.answers)
    return findings


@dataclass
class FindingList:
    """One list of the page: the strengths, weaknesses or needs of one domain."""

    domain: Domain
    kind: str
    findings: list[Finding]
    # Findings are added only to the convention's domains; older ones elsewhere stay editable.
    can_add: bool = True

    @property
    def slug(self) -> str:
        return SLUG_OF_KIND[self.kind]

    @property
    def dom_id(self) -> str:
        return f"findings-{self.domain.pk}-{self.slug}"

    @property
    def title(self) -> str:
        return {
            FindingKind.STRENGTH: _("Strengths"),
            FindingKind.WEAKNESS: _("Weaknesses"),
            FindingKind.NEED: _("Needs"),
        }[self.kind]


@dataclass
class DomainFindings:
    domain: Domain
    in_convention: bool
    lists: list[FindingList]
    needs_without_action: int = 0


# A need lists this many of the fiches answering it; the others load on demand (``answering_actions``):
# a plan of 600 fiches answers 18 needs some 900 times, which made the page four times heavier.
ANSWERS_SHOWN = 4


def need_with_answers(*, diagnostic: Diagnostic, pk: int) -> Finding:
    """One need of the diagnostic with every fiche answering it, or 404."""
    need = get_object_or_404(findings_queryset(), diagnostic=diagnostic, kind=FindingKind.NEED, pk=pk)
    return with_answers([need])[0]


def finding_list(*, diagnostic: Diagnostic, domain: Domain, kind: str) -> FindingList:
    findings = with_answers(list(findings_queryset().filter(diagnostic=diagnostic, domain=domain, kind=kind)))
    can_add = diagnostic.convention.domains.filter(pk=domain.pk).exists()
    return FindingList(domain=domain, kind=kind, findings=findings, can_add=can_add)


def findings_by_domain(*, diagnostic: Diagnostic, domains: list[Domain]) -> list[DomainFindings]:
    """Every domain of the convention, then any other domain that has findings (so nothing is hidden)."""
    findings = with_answers(list(findings_queryset().filter(diagnostic=diagnostic).select_related("domain")))
    by_key: dict[tuple[int, str], list[Finding]] = defaultdict(list)
    extra_domains: dict[int, Domain] = {}
    convention_domain_ids = {domain.pk for domain in domains}
    for finding in findings:
        by_key[(finding.domain_id, finding.kind)].append(finding)
        if finding.domain_id not in convention_domain_ids:
            extra_domains[finding.domain_id] = finding.domain
    result = []
    others = sorted(extra_domains.values(), key=lambda domain: (domain.position, domain.name))
    for domain in [*domains, *others]:
        lists = [
            FindingList(
                domain=domain,
                kind=kind,
                findings=by_key[(domain.pk, kind)],
                can_add=domain.pk in convention_domain_ids,
            )
            for kind in (FindingKind.STRENGTH, FindingKind.WEAKNESS, FindingKind.NEED)
        ]
        needs = lists[2].findings
        result.append(
            DomainFindings(
                domain=domain,
                in_convention=domain.pk in convention_domain_ids,
                lists=lists,
                needs_without_action=sum(1 for need in needs if not need.answer_count),
            )
        )
    return result


def finding_for(*, diagnostic: Diagnostic, pk: int) -> Finding:
    return get_object_or_404(Finding.objects.select_related("domain"), diagnostic=diagnostic, pk=pk)


# --- Consultations ----------------------------------------------------------------------------------


def consultations_of(diagnostic: Diagnostic) -> list[Consultation]:
    """The consultations, each with ``organisation_names``: the display names of the organisations present,
    by name (one query of tuples rather than a prefetch of organisations)."""
    consultations = list(
        Consultation.objects.filter(diagnostic=diagnostic).select_related("domain").order_by("-held_on", "title")
    )
    names: dict[int, list[str]] = defaultdict(list)
    if consultations:
        present = (
            Consultation.organisations.through.objects.filter(consultation__in=[item.pk for item in consultations])
            .order_by("organisation__name", "organisation_id")
            .values_list("consultation_id", "organisation__name", "organisation__short_name")
        )
        for consultation_id, name, short_name in present:
            names[consultation_id].append(short_name or name)
    for consultation in consultations:
        consultation.organisation_names = names.get(consultation.pk, [])
    return consultations


def consultation_for(*, diagnostic: Diagnostic, pk: int) -> Consultation:
    return get_object_or_404(Consultation.objects.select_related("domain"), diagnostic=diagnostic, pk=pk)


def consultation_organisation_choices(*, convention: Convention, consultation: Consultation | None = None):
    """Who may have attended: the convention's parties, the EPCI, its communes, and those already chosen."""
    condition = (
        Q(pk=convention.epci_id)
        | Q(epci_id=convention.epci_id, kind=OrganisationKind.COMMUNE)
        | Q(pk__in=convention.parties.values("organisation_id"))
    )
    if consultation is not None and consultation.pk:
        condition |= Q(pk__in=consultation.organisations.values("pk"))
    return Organisation.objects.filter(condition).order_by("name")


# --- The page ---------------------------------------------------------------------------------------


@dataclass
class DiagnosticPage:
    diagnostic: Diagnostic | None
    domains: list[Domain] = field(default_factory=list)
    indicator_groups: list[IndicatorGroup] = field(default_factory=list)
    indicators_without_values: list[IndicatorDefinition] = field(default_factory=list)
    findings: list[DomainFindings] = field(default_factory=list)
    consultations: list[Consultation] = field(default_factory=list)
    commune_count: int = 0

    @property
    def needs_without_action(self) -> int:
        return sum(entry.needs_without_action for entry in self.findings)

    @property
    def indicator_count(self) -> int:
        return sum(len(group.tables) for group in self.indicator_groups)


def diagnostic_page(*, convention: Convention) -> DiagnosticPage:
    """Everything the diagnostic page shows, in eight queries whatever the sizes."""
    diagnostic = getattr(convention, "diagnostic", None)
    if diagnostic is None:
        return DiagnosticPage(diagnostic=None)
    domains = list(convention.domains.order_by("position", "name"))
    communes = communes_of(convention)
    tables, without_values = indicator_tables(diagnostic=diagnostic, convention=convention, communes=communes)
    return DiagnosticPage(
        diagnostic=diagnostic,
        domains=domains,
        indicator_groups=group_by_domain(tables),
        indicators_without_values=without_values,
        findings=findings_by_domain(diagnostic=diagnostic, domains=domains),
        consultations=consultations_of(diagnostic),
        commune_count=len(communes),
    )
