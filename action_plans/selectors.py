"""Reads of action plans shared by the plan page, the fiche page, the budget summary, the exports and
the PDFs, so that they never disagree.

Three rules are defined here and only here:

- **Lateness** is computed on read, never written: a fiche action is late when its status says so,
  or when its end date has passed while its status is neither done nor abandoned
  (``late_condition``).
- **Progress roll-ups** (an orientation, a domain, the whole plan) come from the fiches' own
  progress (``progress_rollup``): abandoned fiches are left out (they will never progress); the
  others are weighted by their *planned budget* (the sum of their funding lines' amounts, whatever
  the lines' status) when **every** fiche counted has a budget above zero; as soon as one of them
  has none, the roll-up is a simple mean, and says how many fiches lacked a budget.
- **Budget totals**: *planned* is every funding line's amount, *granted* the lines granted or
  paid (money is paid once granted), *paid* the lines paid (``GRANTED_STATUSES``,
  ``PAID_STATUSES``), summed by the database.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.paginator import Paginator
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models import When as CaseWhen
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from action_plans.choices import ActionStatus, FundingStatus
from action_plans.models import (
    Action,
    ActionPlan,
    EvaluationIndicator,
    FundingLine,
    ProgressUpdate,
    StrategicOrientation,
)
from conventions.models import Convention, Domain, Party
from diagnostics.choices import FindingKind
from diagnostics.models import Finding
from partners.choices import OrganisationKind
from partners.models import Organisation

# Statuses that end a fiche action one way or the other: such a fiche can no longer be late.
CLOSED_STATUSES = (ActionStatus.DONE, ActionStatus.ABANDONED)
# Statuses left out of progress roll-ups: an abandoned fiche will never progress.
ROLLUP_EXCLUDED_STATUSES = (ActionStatus.ABANDONED,)
# Money is paid once granted, so "granted" counts paid lines too.
GRANTED_STATUSES = (FundingStatus.GRANTED, FundingStatus.PAID)
PAID_STATUSES = (FundingStatus.PAID,)

AMOUNT_FIELD = DecimalField(max_digits=16, decimal_places=2)
ZERO = Decimal("0.00")


# --- Lateness ---------------------------------------------------------------------------------


def late_condition(today: datetime.date) -> Q:
    """The fiches late on ``today``: the one definition used by pages, filters and exports."""
    return Q(status=ActionStatus.LATE) | (Q(end_date__lt=today) & ~Q(status__in=CLOSED_STATUSES))


def _is_late_expression(today: datetime.date) -> Case:
    return Case(CaseWhen(late_condition(today), then=Value(True)), default=Value(False), output_field=BooleanField())


def _planned_budget_expression() -> Coalesce:
    """Sum of the fiche's funding lines, by a subquery so that joins added by filters cannot double it."""
    lines = (
        FundingLine.objects.filter(action=OuterRef("pk"))
        .order_by()
        .values("action")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(lines, output_field=AMOUNT_FIELD), Value(ZERO), output_field=AMOUNT_FIELD)


def with_monitoring(queryset: QuerySet, *, today: datetime.date | None = None) -> QuerySet:
    """Adds ``planned_budget`` and ``is_late`` to each fiche action of ``queryset``."""
    return queryset.annotate(
        planned_budget=_planned_budget_expression(),
        is_late=_is_late_expression(today or timezone.localdate()),
    )


# --- Fiches actions ---------------------------------------------------------------------------


def plan_of(convention: Convention) -> ActionPlan | None:
    """The convention's action plan, if written (``convention_for_user`` already joined it)."""
    return getattr(convention, "action_plan", None)


def plan_actions(*, plan: ActionPlan, today: datetime.date | None = None) -> QuerySet:
    """Every fiche action of the plan, in plan order, with what the plan page and exports show."""
    partners = Organisation.objects.order_by("name")
    return with_monitoring(
        Action.objects.filter(orientation__plan=plan)
        .select_related("orientation", "domain", "pilot")
        .prefetch_related(Prefetch("partners", queryset=partners))
        .order_by("orientation__position", "position", "code", "pk"),
        today=today,
    )


# What the plan page shows of a fiche (``rows.plan_rows_html``): not its long texts, nor the pilot's
# or partners' addresses.
PAGE_COLUMNS = (
    "id",
    "orientation_id",
    "orientation__position",
    "code",
    "title",
    "domain__name",
    "pilot__name",
    "pilot__short_name",
    "start_date",
    "end_date",
    "priority",
    "status",
    "progress",
)


def plan_page_actions(*, plan: ActionPlan, today: datetime.date | None = None) -> QuerySet:
    """``plan_actions`` with only the columns the plan page shows."""
    partners = Organisation.objects.only("id", "name", "short_name").order_by("name")
    return (
        plan_actions(plan=plan, today=today)
        .only(*PAGE_COLUMNS)
        .prefetch_related(None)
        .prefetch_related(Prefetch("partners", queryset=partners))
    )


def plan_filter_choices(*, plan: ActionPlan, orientations: list, progress: "PlanProgress") -> dict:
    """The options of the plan page's filters, as ``ActionFilter`` offers them, from what the page has
    already read (orientations, the domains of the roll-ups) and one query each for pilots and partners."""
    plan_actions_ = Action.objects.filter(orientation__plan=plan)
    pilots = Organisation.objects.filter(pk__in=plan_actions_.values("pilot_id")).order_by("name")
    partners = Organisation.objects.filter(
        pk__in=Action.partners.through.objects.filter(action__orientation__plan=plan).values("organisation_id")
    ).order_by("name")
    return {
        "orientation": [(item.pk, f"{item.position}. {item.title}") for item in orientations],
        # Roll-ups list the domains in the filter's order (position, name).
        "domain": [(domain.pk, domain.name) for domain, _rollup in progress.by_domain],
        "pilot": [(pk, short or name) for pk, name, short in pilots.values_list("pk", "name", "short_name")],
        "partner": [(pk, short or name) for pk, name, short in partners.values_list("pk", "name", "short_name")],
    }


# What the exports write of a fiche (``exports``): the page's columns, the orientation's title and
# the fiche's texts; not the pilot's or partners' addresses.
EXPORT_COLUMNS = (*PAGE_COLUMNS, "orientation__title", "objectives", "target_public")


def plan_actions_for_export(*, plan: ActionPlan, actions: QuerySet | None = None, lines: bool = True) -> QuerySet:
    """``actions`` (by default the whole plan) with their needs and, if ``lines``, their funding lines
    and indicators (the CSV has one row per fiche and needs neither)."""
    actions = plan_actions(plan=plan) if actions is None else actions
    # Only the columns the exports write: a plan of 600 fiches brings thousands of related rows.
    partners = Organisation.objects.only("id", "name", "short_name").order_by("name")
    needs = Finding.objects.only("pk", "title").order_by("domain__position", "position", "id")
    actions = (
        actions.only(*EXPORT_COLUMNS)
        .prefetch_related(None)
        .prefetch_related(Prefetch("partners", queryset=partners), Prefetch("answered_needs", queryset=needs))
    )
    if not lines:
        return actions
    funding_lines = (
        FundingLine.objects.select_related("funder")
        .only("pk", "action_id", "year", "amount", "scheme", "status", "funder__name", "funder__short_name")
        .order_by("year", "funder__name", "id")
    )
    indicators = EvaluationIndicator.objects.only(
        "pk", "action_id", "label", "unit", "baseline", "target", "current_value"
    )
    return actions.prefetch_related(
        Prefetch("funding_lines", queryset=funding_lines), Prefetch("evaluation_indicators", queryset=indicators)
    )


def action_for_page(*, convention: Convention, pk: int) -> Action:
    """One fiche action of the convention with everything its page shows, or 404."""
    plan = plan_of(convention)
    if plan is None:
        return get_object_or_404(Action.objects.none(), pk=pk)
    updates = ProgressUpdate.objects.select_related("author").order_by("-reported_on", "-created_at", "-pk")
    needs = Finding.objects.select_related("domain").order_by("domain__position", "position", "id")
    return get_object_or_404(
        plan_actions(plan=plan).prefetch_related(
            Prefetch("answered_needs", queryset=needs),
            Prefetch(
                "funding_lines",
                queryset=FundingLine.objects.select_related("funder").order_by("year", "funder__name", "scheme", "id"),
            ),
            "evaluation_indicators",
            Prefetch("progress_updates", queryset=updates),
        ),
        pk=pk,
    )


def action_heading(*, convention: Convention, pk: int) -> Action:
    """One fiche action of the convention with what its page's title and breadcrumb show, or 404."""
    plan = plan_of(convention)
    actions = Action.objects.none() if plan is None else Action.objects.filter(orientation__plan=plan)
    return get_object_or_404(actions.only("id", "orientation_id", "code", "title"), pk=pk)


def action_for_monitoring(*, convention: Convention, pk: int) -> Action:
    """One fiche action of the convention, light, for a monitoring write and its partial, or 404.

    Its relations up to the convention are selected, so the services reach the convention (and
    its abilities) without a query.
    """
    plan = plan_of(convention)
    if plan is None:
        return get_object_or_404(Action.objects.none(), pk=pk)
    return get_object_or_404(
        with_monitoring(Action.objects.filter(orientation__plan=plan).select_related("orientation__plan__convention")),
        pk=pk,
    )


def funding_line_for_monitoring(*, convention: Convention, pk: int) -> FundingLine:
    return get_object_or_404(
        FundingLine.objects.select_related("funder", "action__orientation__plan__convention"),
        pk=pk,
        action__orientation__plan__convention=convention,
    )


def indicator_for_monitoring(*, convention: Convention, pk: int) -> EvaluationIndicator:
    return get_object_or_404(
        EvaluationIndicator.objects.select_related("action__orientation__plan__convention"),
        pk=pk,
        action__orientation__plan__convention=convention,
    )


def orientations_of(*, plan: ActionPlan) -> list[StrategicOrientation]:
    return list(StrategicOrientation.objects.filter(plan=plan).order_by("position", "pk"))


@dataclass
class OrientationNode:
    """An orientation of the plan page with its (filtered) fiches and its roll-up."""

    orientation: StrategicOrientation
    actions: list
    rollup: "Rollup"


def plan_tree(
    *,
    orientations: list[StrategicOrientation],
    actions: Iterable[Action],
    progress: "PlanProgress",
    filtered: bool,
    before_position: int | None = None,
    after_position: int | None = None,
) -> list[OrientationNode]:
    """Orientations in order, each with its fiches among ``actions``.

    When the page is filtered, orientations without a matching fiche are left out; otherwise an
    empty orientation stays visible (it still has to be written). On one page of a long plan
    (``plan_page``), an empty orientation shows on the page whose fiches surround its number:
    ``after_position`` (inclusive) and ``before_position`` (exclusive) bound it.
    """
    by_orientation = defaultdict(list)
    for action in actions:
        by_orientation[action.orientation_id].append(action)

    def shown(orientation) -> bool:
        if by_orientation[orientation.pk]:
            return True
        if filtered:
            return False
        return (after_position is None or orientation.position >= after_position) and (
            before_position is None or orientation.position < before_position
        )

    return [
        OrientationNode(orientation, by_orientation[orientation.pk], progress.for_orientation(orientation.pk))
        for orientation in orientations
        if shown(orientation)
    ]


# A plan page shows this many fiches at most; typical CTGs (20 to 60 fiches) fit on one page, and a
# plan of several hundred stays quick to load and to read, page by page.
ACTIONS_PER_PAGE = 100


def plan_page(
    *,
    orientations: list[StrategicOrientation],
    actions: QuerySet,
    progress: "PlanProgress",
    filtered: bool,
    page_number,
    per_page: int | None = None,
):
    """One page of the plan tree: ``(page, tree)``; ``actions`` must be in plan order.

    Only the page's fiches are loaded (with their prefetched relations). An orientation whose fiches
    straddle two pages heads its part on each of them. Roll-ups always cover the whole plan.
    """
    page = Paginator(actions, per_page or ACTIONS_PER_PAGE).get_page(page_number)
    if page.has_next():
        # The next page's first fiche comes in the same query as this page's (its orientation says whether
        # the last one goes on): the same number of queries whatever the plan's size.
        loaded = list(actions[page.start_index() - 1 : page.end_index() + 1])
        page_actions, before_position = loaded[:-1], loaded[-1].orientation.position
    else:
        page_actions, before_position = list(page.object_list), None
    after_position = page_actions[0].orientation.position if page_actions and page.has_previous() else None
    tree = plan_tree(
        orientations=orientations,
        actions=page_actions,
        progress=progress,
        filtered=filtered,
        before_position=before_position,
        after_position=after_position,
    )
    return page, tree


# --- Progress roll-ups ------------------------------------------------------------------------


class RollupMethod:
    BUDGET = "budget"  # weighted by the planned budget of each fiche
    SIMPLE = "simple"  # simple mean: at least one fiche counted has no planned budget
    NONE = "none"  # nothing to measure: no fiche, or only abandoned ones


@dataclass(frozen=True)
class Rollup:
    """The progress of a group of fiches actions, and how it was computed."""

    progress: Decimal | None
    method: str
    counted: int = 0  # fiches counted (abandoned ones are not)
    abandoned: int = 0
    unbudgeted: int = 0  # counted fiches without a planned budget
    planned_budget: Decimal = ZERO  # of the counted fiches

    @property
    def percent(self) -> int | None:
        """Progress rounded half up to a whole percentage, as pages and exports show it."""
        if self.progress is None:
            return None
        return int(self.progress.quantize(Decimal("1"), rounding=ROUND_HALF_UP))

    @property
    def is_weighted(self) -> bool:
        return self.method == RollupMethod.BUDGET


def progress_rollup(actions: Iterable) -> Rollup:
    """The roll-up of fiches having ``status``, ``progress`` and ``planned_budget`` (see the module doc)."""
    actions = list(actions)
    counted = [action for action in actions if action.status not in ROLLUP_EXCLUDED_STATUSES]
    abandoned = len(actions) - len(counted)
    if not counted:
        return Rollup(progress=None, method=RollupMethod.NONE, abandoned=abandoned)
    budgets = [action.planned_budget or ZERO for action in counted]
    total_budget = sum(budgets, ZERO)
    unbudgeted = sum(1 for budget in budgets if budget <= 0)
    if unbudgeted == 0:
        weighted = sum(
            (Decimal(action.progress) * budget for action, budget in zip(counted, budgets, strict=True)), ZERO
        )
        progress = weighted / total_budget
        method = RollupMethod.BUDGET
    else:
        progress = Decimal(sum(action.progress for action in counted)) / len(counted)
        method = RollupMethod.SIMPLE
    return Rollup(
        progress=progress,
        method=method,
        counted=len(counted),
        abandoned=abandoned,
        unbudgeted=unbudgeted,
        planned_budget=total_budget,
    )


@dataclass
class PlanProgress:
    """Roll-ups of the whole plan, of each orientation and of each domain, and the late fiches."""

    overall: Rollup
    by_orientation: dict[int, Rollup]
    by_domain: list[tuple[Domain, Rollup]]
    action_count: int
    late_count: int

    def for_orientation(self, orientation_id: int) -> Rollup:
        return self.by_orientation.get(orientation_id) or progress_rollup([])


def plan_progress(*, plan: ActionPlan | None, today: datetime.date | None = None) -> PlanProgress:
    """Roll-ups over the whole plan (page filters never change them), in one query."""
    if plan is None:
        return PlanProgress(progress_rollup([]), {}, [], 0, 0)
    actions = list(
        with_monitoring(
            Action.objects.filter(orientation__plan=plan)
            .select_related("domain")
            .only("id", "orientation_id", "status", "progress", "end_date", "domain__id", "domain__name")
            .order_by("domain__position", "domain__name", "pk"),
            today=today,
        )
    )
    by_orientation = defaultdict(list)
    by_domain = defaultdict(list)
    domains = {}
    for action in actions:
        by_orientation[action.orientation_id].append(action)
        by_domain[action.domain_id].append(action)
        domains[action.domain_id] = action.domain
    return PlanProgress(
        overall=progress_rollup(actions),
        by_orientation={pk: progress_rollup(group) for pk, group in by_orientation.items()},
        by_domain=[(domains[pk], progress_rollup(group)) for pk, group in by_domain.items()],
        action_count=len(actions),
        late_count=sum(1 for action in actions if action.is_late),
    )


# --- Budget -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Amounts:
    """Planned, granted and paid amounts (see the module doc for what each one counts)."""

    planned: Decimal = ZERO
    granted: Decimal = ZERO
    paid: Decimal = ZERO

    def __add__(self, other: "Amounts") -> "Amounts":
        return Amounts(self.planned + other.planned, self.granted + other.granted, self.paid + other.paid)

    @property
    def granted_share(self) -> Decimal | None:
        """Granted as a percentage of planned."""
        return self.granted * 100 / self.planned if self.planned else None

    @property
    def paid_share(self) -> Decimal | None:
        return self.paid * 100 / self.planned if self.planned else None


MEASURES = ("planned", "granted", "paid")


def _sums() -> dict:
    return {
        "planned": Coalesce(Sum("amount"), Value(ZERO), output_field=AMOUNT_FIELD),
        "granted": Coalesce(
            Sum("amount", filter=Q(status__in=GRANTED_STATUSES)), Value(ZERO), output_field=AMOUNT_FIELD
        ),
        "paid": Coalesce(Sum("amount", filter=Q(status__in=PAID_STATUSES)), Value(ZERO), output_field=AMOUNT_FIELD),
    }


def _amounts(row: dict) -> Amounts:
    return Amounts(Decimal(row["planned"]), Decimal(row["granted"]), Decimal(row["paid"]))


def funding_totals(lines: Iterable[FundingLine]) -> Amounts:
    """The same totals for a handful of already-loaded lines (one fiche's), without a query."""
    total = Amounts()
    for line in lines:
        total += Amounts(
            line.amount,
            line.amount if line.status in GRANTED_STATUSES else ZERO,
            line.amount if line.status in PAID_STATUSES else ZERO,
        )
    return total


def action_funding_totals(*, action_id: int) -> Amounts:
    """One fiche's totals summed by the database, after a change of one of its lines."""
    return _amounts(FundingLine.objects.filter(action_id=action_id).aggregate(**_sums()))


@dataclass
class BudgetRow:
    label: str
    cells: list[Amounts]  # one per year of the table, in order
    total: Amounts


@dataclass
class CrossTab:
    """One measure of a budget table: rows × years of plain amounts, with their totals."""

    measure: str
    rows: list[tuple[str, list[Decimal], Decimal]]
    column_totals: list[Decimal]
    total: Decimal


@dataclass
class BudgetTable:
    """Rows (funders or domains) × years, each cell with its three amounts; totals both ways."""

    years: list[int]
    rows: list[BudgetRow]
    column_totals: list[Amounts]
    total: Amounts

    def crosstab(self, measure: str) -> CrossTab:
        return CrossTab(
            measure=measure,
            rows=[
                (row.label, [getattr(cell, measure) for cell in row.cells], getattr(row.total, measure))
                for row in self.rows
            ],
            column_totals=[getattr(cell, measure) for cell in self.column_totals],
            total=getattr(self.total, measure),
        )


def _budget_table(groups: list[tuple[tuple, str, int, Amounts]], years: list[int]) -> BudgetTable:
    """Builds a table from ``(row key, row label, year, amounts)`` groups already summed by the database."""
    cells: dict = defaultdict(dict)
    labels = {}
    for key, label, year, amounts in groups:
        labels[key] = label
        cells[key][year] = cells[key].get(year, Amounts()) + amounts
    rows = []
    for key in sorted(labels):
        row_cells = [cells[key].get(year, Amounts()) for year in years]
        rows.append(BudgetRow(labels[key], row_cells, sum(row_cells, Amounts())))
    column_totals = [sum((row.cells[index] for row in rows), Amounts()) for index in range(len(years))]
    return BudgetTable(years, rows, column_totals, sum(column_totals, Amounts()))


@dataclass
class BudgetSummary:
    years: list[int]
    by_funder: BudgetTable
    by_domain: BudgetTable
    total: Amounts  # summed by the database on its own, to check that the tables add up
    line_count: int = 0


def budget_summary(*, plan: ActionPlan | None) -> BudgetSummary:
    """Planned / granted / paid per funder × year and per domain × year, in three aggregate queries."""
    if plan is None:
        empty = BudgetTable([], [], [], Amounts())
        return BudgetSummary([], empty, empty, Amounts())
    lines = FundingLine.objects.filter(action__orientation__plan=plan).order_by()
    per_funder = list(
        lines.values("funder_id", "funder__name", "funder__short_name", "year").annotate(**_sums()).order_by()
    )
    per_domain = list(
        lines.values("action__domain_id", "action__domain__name", "action__domain__position", "year")
        .annotate(**_sums())
        .order_by()
    )
    grand = lines.aggregate(count=Count("id"), **_sums())
    years = sorted({row["year"] for row in per_funder})
    by_funder = _budget_table(
        [
            (
                ((row["funder__short_name"] or row["funder__name"]).lower(), row["funder_id"]),
                row["funder__short_name"] or row["funder__name"],
                row["year"],
                _amounts(row),
            )
            for row in per_funder
        ],
        years,
    )
    by_domain = _budget_table(
        [
            (
                (row["action__domain__position"], row["action__domain__name"], row["action__domain_id"]),
                row["action__domain__name"],
                row["year"],
                _amounts(row),
            )
            for row in per_domain
        ],
        years,
    )
    return BudgetSummary(years, by_funder, by_domain, _amounts(grand), line_count=grand["count"])


# --- What a fiche may point to (offered by the forms, enforced by the services) -------------------


def convention_domains(*, convention: Convention) -> list[Domain]:
    return list(convention.domains.order_by("position", "name"))


def allowed_pilots(*, convention: Convention) -> list[Organisation]:
    """The organisations party to the convention; the intercommunality always is one."""
    parties = Party.objects.filter(convention=convention).values("organisation_id")
    return list(Organisation.objects.filter(Q(pk=convention.epci_id) | Q(pk__in=parties)).order_by("name"))


def allowed_partners(*, convention: Convention, keep: Iterable[int] = ()) -> list[Organisation]:
    """Partners and funders a fiche may name: the parties, the communes of the intercommunalities
    among them, and the other organisations (associations, social centres, services…) of the
    intercommunality's département or of none; plus ``keep``, those a fiche already names."""
    parties = Party.objects.filter(convention=convention).values("organisation_id")
    territories = (OrganisationKind.EPCI, OrganisationKind.COMMUNE)
    local = Q(department_code="")
    if convention.epci.department_code:
        local |= Q(department_code=convention.epci.department_code)
    party_epcis = Party.objects.filter(convention=convention, organisation__kind=OrganisationKind.EPCI).values(
        "organisation_id"
    )
    return list(
        Organisation.objects.filter(
            Q(pk=convention.epci_id)
            | Q(pk__in=parties)
            | Q(epci_id=convention.epci_id)
            | Q(epci_id__in=party_epcis)
            | (~Q(kind__in=territories) & local)
            | Q(pk__in=list(keep))
        ).order_by("name")
    )


def diagnostic_needs(*, convention: Convention) -> list[Finding]:
    """The needs found by the convention's diagnostic, which a fiche action may answer."""
    return list(
        Finding.objects.filter(diagnostic__convention=convention, kind=FindingKind.NEED)
        .select_related("domain")
        .order_by("domain__position", "position", "id")
    )


def code_taken(*, orientation: StrategicOrientation, code: str, exclude_pk: int | None = None) -> bool:
    """Whether another fiche of the orientation already has ``code``."""
    return Action.objects.filter(orientation=orientation, code=code.strip()).exclude(pk=exclude_pk).exists()
