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
from typing import NamedTuple

from django.core.paginator import Page, Paginator
from django.db import DEFAULT_DB_ALIAS
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


class PlanRow(NamedTuple):
    """A fiche as the plan page shows it (``rows.plan_rows_html``), read as a tuple: a page of a hundred
    fiches built as model instances (the fiche, its orientation, domain, pilot and partners) cost more
    CPU than writing their HTML."""

    pk: int
    orientation_id: int
    orientation_position: int
    code: str
    title: str
    domain_name: str
    pilot_name: str  # the pilot's display name (short name, else name)
    start_date: datetime.date | None
    end_date: datetime.date | None
    priority: int
    status: str
    progress: int
    is_late: bool
    partner_names: tuple[str, ...]  # display names, by name


_PAGE_ROW_FIELDS = (
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
    "is_late",
)


def partner_names_of(action_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """Each fiche's partners' display names, by name (as ``plan_actions`` prefetches them), in one query."""
    names: dict[int, list[str]] = defaultdict(list)
    rows = (
        Action.partners.through.objects.filter(action_id__in=list(action_ids))
        .order_by("organisation__name", "organisation_id")
        .values_list("action_id", "organisation__name", "organisation__short_name")
    )
    for action_id, name, short_name in rows:
        names[action_id].append(short_name or name)
    return {action_id: tuple(group) for action_id, group in names.items()}


def _plan_row(row: tuple, partners: Iterable[str]) -> PlanRow:
    """A ``PlanRow`` from a tuple whose first columns are ``_PAGE_ROW_FIELDS``."""
    (pk, orientation_id, orientation_position, code, title, domain_name, pilot_name, pilot_short_name) = row[:8]
    start_date, end_date, priority, status, progress, is_late = row[8:14]
    return PlanRow(
        pk,
        orientation_id,
        orientation_position,
        code,
        title,
        domain_name,
        pilot_short_name or pilot_name,
        start_date,
        end_date,
        priority,
        status,
        progress,
        is_late,
        tuple(partners),
    )


def plan_rows(actions: QuerySet) -> list[PlanRow]:
    """``actions`` (fiches annotated by ``with_monitoring``, in plan order) as ``PlanRow``: two queries."""
    rows = list(actions.prefetch_related(None).values_list(*_PAGE_ROW_FIELDS))
    partners = partner_names_of(row[0] for row in rows) if rows else {}
    return [_plan_row(row, partners.get(row[0], ())) for row in rows]


def _orientation_choices(orientations: list) -> list[tuple[int, str]]:
    return [(item.pk, f"{item.position}. {item.title}") for item in orientations]


def plan_filter_choices(*, plan: ActionPlan, orientations: list, progress: "PlanProgress") -> dict:
    """The options of the plan page's filters, as ``ActionFilter`` offers them, from what the page has
    already read (orientations, the domains of the roll-ups) and one query each for pilots and partners."""
    plan_actions_ = Action.objects.filter(orientation__plan=plan)
    pilots = Organisation.objects.filter(pk__in=plan_actions_.values("pilot_id")).order_by("name")
    partners = Organisation.objects.filter(
        pk__in=Action.partners.through.objects.filter(action__orientation__plan=plan).values("organisation_id")
    ).order_by("name")
    return {
        "orientation": _orientation_choices(orientations),
        # Roll-ups list the domains in the filter's order (position, name).
        "domain": [(domain.pk, domain.name) for domain, _rollup in progress.by_domain],
        "pilot": [(pk, short or name) for pk, name, short in pilots.values_list("pk", "name", "short_name")],
        "partner": [(pk, short or name) for pk, name, short in partners.values_list("pk", "name", "short_name")],
    }


class ExportFunding(NamedTuple):
    funder_name: str  # display name
    scheme: str
    year: int
    amount: Decimal
    status: str


class ExportIndicator(NamedTuple):
    label: str
    unit: str
    baseline: Decimal | None
    target: Decimal | None
    current_value: Decimal | None


class ExportRow(NamedTuple):
    """A fiche as the exports write it, with its funding lines and indicators, read as tuples: the
    workbook of a plan of 60 fiches built some 800 model instances and a queryset per relation read."""

    pk: int
    orientation_position: int
    orientation_title: str
    code: str
    title: str
    domain_name: str
    pilot_name: str  # display name
    start_date: datetime.date | None
    end_date: datetime.date | None
    status: str
    is_late: bool
    progress: int
    priority: int
    planned_budget: Decimal
    objectives: str
    target_public: str
    partner_names: tuple[str, ...]  # display names, by name
    need_titles: tuple[str, ...]  # in the diagnostic's order
    funding_lines: tuple[ExportFunding, ...]  # by year, funder's name
    indicators: tuple[ExportIndicator, ...]  # in the fiche's order


_EXPORT_ROW_FIELDS = (
    "id",
    "orientation__position",
    "orientation__title",
    "code",
    "title",
    "domain__name",
    "pilot__name",
    "pilot__short_name",
    "start_date",
    "end_date",
    "status",
    "is_late",
    "progress",
    "priority",
    "planned_budget",
    "objectives",
    "target_public",
)


def _grouped(rows, make) -> dict[int, tuple]:
    """``(action_id, *values)`` rows as ``{action_id: (make(*values), …)}``, keeping their order."""
    groups: dict[int, list] = defaultdict(list)
    for action_id, *values in rows:
        groups[action_id].append(make(*values))
    return {action_id: tuple(group) for action_id, group in groups.items()}


def plan_export_rows(*, plan: ActionPlan, actions: QuerySet | None = None, lines: bool = True) -> list[ExportRow]:
    """``actions`` (by default the whole plan; annotated by ``with_monitoring``, in plan order) as
    ``ExportRow``, with their partners, needs and, if ``lines``, funding lines and indicators (the CSV has
    one row per fiche and needs neither): one query per table, tuples rather than model instances."""
    # Related rows of the whole plan by a join rather than a list of ids (each id costs its preparation).
    of_actions = {"action__orientation__plan": plan} if actions is None else None
    actions = plan_actions(plan=plan) if actions is None else actions
    rows = list(actions.prefetch_related(None).values_list(*_EXPORT_ROW_FIELDS))
    if not rows:
        return []
    of_actions = of_actions or {"action_id__in": [row[0] for row in rows]}
    partners = _grouped(
        Action.partners.through.objects.filter(**of_actions)
        .order_by("organisation__name", "organisation_id")
        .values_list("action_id", "organisation__name", "organisation__short_name"),
        lambda name, short_name: short_name or name,
    )
    needs = _grouped(
        Action.answered_needs.through.objects.filter(**of_actions)
        .order_by("finding__domain__position", "finding__position", "finding_id")
        .values_list("action_id", "finding__title"),
        str,
    )
    funding, indicators = {}, {}
    if lines:
        funding = _grouped(
            FundingLine.objects.filter(**of_actions)
            .order_by("year", "funder__name", "id")
            .values_list("action_id", "funder__name", "funder__short_name", "scheme", "year", "amount", "status"),
            lambda name, short_name, *rest: ExportFunding(short_name or name, *rest),
        )
        indicators = _grouped(
            EvaluationIndicator.objects.filter(**of_actions)
            .order_by("action_id", "position", "id")
            .values_list("action_id", "label", "unit", "baseline", "target", "current_value"),
            ExportIndicator,
        )
    return [
        ExportRow(
            pk,
            orientation_position,
            orientation_title,
            code,
            title,
            domain_name,
            pilot_short_name or pilot_name,
            *rest,
            partners.get(pk, ()),
            needs.get(pk, ()),
            funding.get(pk, ()),
            indicators.get(pk, ()),
        )
        for (
            pk,
            orientation_position,
            orientation_title,
            code,
            title,
            domain_name,
            pilot_name,
            pilot_short_name,
            *rest,
        ) in rows
    ]


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
    """One page of the plan tree: ``(page, tree)``; ``actions`` must be in plan order (and annotated by
    ``with_monitoring``), and be the whole plan of ``progress`` unless ``filtered``.

    Only the page's fiches are loaded, as ``PlanRow`` (two queries). An orientation whose fiches
    straddle two pages heads its part on each of them. Roll-ups always cover the whole plan.
    """
    paginator = Paginator(actions, per_page or ACTIONS_PER_PAGE)
    if not filtered:  # every fiche of the plan: the roll-ups have counted them, no COUNT query
        paginator.count = progress.action_count
    page = paginator.get_page(page_number)
    if page.has_next():
        # The next page's first fiche comes in the same query as this page's (its orientation says whether
        # the last one goes on): the same number of queries whatever the plan's size.
        loaded = plan_rows(actions[page.start_index() - 1 : page.end_index() + 1])
        page_actions, next_action = loaded[:-1], loaded[-1]
    else:
        page_actions, next_action = plan_rows(page.object_list), None
    return page, _page_tree(page, page_actions, next_action, orientations, progress, filtered=filtered)


def _page_tree(page: Page, page_actions: list, next_action, orientations, progress, *, filtered: bool):
    """The tree of ``page``, whose fiches become ``page_actions`` (``PlanRow``); ``next_action``: the next
    page's first fiche, if any."""
    page.object_list = page_actions
    tree = plan_tree(
        orientations=orientations,
        actions=page_actions,
        progress=progress,
        filtered=filtered,
        before_position=next_action.orientation_position if next_action else None,
        after_position=page_actions[0].orientation_position if page_actions and page.has_previous() else None,
    )
    return tree


@dataclass
class PlanPage:
    """Everything the plan page's body shows (``plan_page_content``)."""

    progress: "PlanProgress"
    orientations: list[StrategicOrientation]
    page: Page  # of PlanRow
    tree: list[OrientationNode]
    filter_choices: dict


def plan_page_content(
    *, plan: ActionPlan, actions: QuerySet, filtered: bool, page_number, per_page: int | None = None
) -> PlanPage:
    """The plan page's roll-ups, tree, page and filters' choices; ``actions``: the fiches matching the
    filters (``ActionFilter.qs``), unless ``filtered`` is false (the whole plan).

    Unfiltered (the page most read, and rebuilt after each change), the whole plan comes in one query
    whose tuples give the roll-ups, the page's rows and the pilots offered by the filters, plus one for
    every partner: three queries with the orientations. Filtered, the roll-ups still cover the whole
    plan while the page lists the matching fiches (``plan_progress``, ``plan_page``, ``plan_filter_choices``).
    """
    orientations = orientations_of(plan=plan)
    if filtered:
        progress = plan_progress(plan=plan)
        page, tree = plan_page(
            orientations=orientations,
            actions=actions,
            progress=progress,
            filtered=True,
            page_number=page_number,
            per_page=per_page,
        )
        choices = plan_filter_choices(plan=plan, orientations=orientations, progress=progress)
        return PlanPage(progress, orientations, page, tree, choices)

    rows = list(
        with_monitoring(Action.objects.filter(orientation__plan=plan))
        .order_by("orientation__position", "position", "code", "pk")
        .values_list(*_PAGE_ROW_FIELDS, "pilot_id", "planned_budget", *_DOMAIN_COLUMNS)
    )
    partner_rows = (
        Action.partners.through.objects.filter(action__orientation__plan=plan)
        .order_by("organisation__name", "organisation_id")
        .values_list("action_id", "organisation_id", "organisation__name", "organisation__short_name")
    )
    partner_names: dict[int, list[str]] = defaultdict(list)
    partners: dict[int, str] = {}  # the filter's options, by name
    for action_id, organisation_id, name, short_name in partner_rows:
        partner_names[action_id].append(short_name or name)
        partners.setdefault(organisation_id, short_name or name)
    page_rows, measured, pilots = [], [], {}
    for row in rows:
        page_row = _plan_row(row, partner_names.get(row[0], ()))
        page_rows.append(page_row)
        pilot_id, planned_budget = row[14:16]
        measured.append(
            (
                page_row.orientation_id,
                _Measured(page_row.status, page_row.progress, planned_budget, page_row.is_late),
                row[16:],
                page_row.pk,
            )
        )
        pilots[pilot_id] = (row[6], row[7])  # the pilot's name and short name, for the filter's choices
    progress = _progress_of(measured)
    paginator = Paginator(page_rows, per_page or ACTIONS_PER_PAGE)
    page = paginator.get_page(page_number)
    next_action = page_rows[page.end_index()] if page.has_next() else None
    tree = _page_tree(page, list(page.object_list), next_action, orientations, progress, filtered=False)
    choices = {
        "orientation": _orientation_choices(orientations),
        "domain": [(domain.pk, domain.name) for domain, _rollup in progress.by_domain],
        # As ``plan_filter_choices`` orders them: by name.
        "pilot": [
            (pk, short or name) for pk, (name, short) in sorted(pilots.items(), key=lambda item: (item[1][0], item[0]))
        ],
        "partner": list(partners.items()),
    }
    return PlanPage(progress, orientations, page, tree, choices)


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


# Every column of a domain, read along with the fiches: the roll-ups hold whole ``Domain`` instances.
_DOMAIN_FIELDS = [field.attname for field in Domain._meta.concrete_fields]
_DOMAIN_COLUMNS = [f"domain__{name}" for name in _DOMAIN_FIELDS]


class _Measured(NamedTuple):
    """What a roll-up reads of a fiche."""

    status: str
    progress: int
    planned_budget: Decimal
    is_late: bool


def plan_progress(*, plan: ActionPlan | None, today: datetime.date | None = None) -> PlanProgress:
    """Roll-ups over the whole plan (page filters never change them), in one query."""
    if plan is None:
        return PlanProgress(progress_rollup([]), {}, [], 0, 0)
    actions_of_plan = with_monitoring(Action.objects.filter(orientation__plan=plan), today=today)
    rows = actions_of_plan.order_by("domain__position", "domain__name", "pk").values_list(
        "orientation_id", "status", "progress", "planned_budget", "is_late", "pk", *_DOMAIN_COLUMNS
    )
    return _progress_of(
        (orientation_id, _Measured(status, progress, planned_budget, is_late), domain, pk)
        for orientation_id, status, progress, planned_budget, is_late, pk, *domain in rows
    )


def _progress_of(fiches: Iterable[tuple[int, _Measured, tuple, int]]) -> PlanProgress:
    """Roll-ups of ``(orientation id, measured fiche, domain's columns, fiche's id)``: domains in their
    order (position, name), each led by its first fiche; tuples rather than model instances (a plan has
    up to hundreds of fiches, and a few domains)."""
    actions = []
    by_orientation = defaultdict(list)
    by_domain = defaultdict(list)
    domains = {}
    for orientation_id, action, domain, pk in fiches:
        actions.append(action)
        by_orientation[orientation_id].append(action)
        by_domain[domain[0]].append(action)
        if domain[0] not in domains:
            domains[domain[0]] = (Domain.from_db(DEFAULT_DB_ALIAS, _DOMAIN_FIELDS, domain), pk)
        else:
            domains[domain[0]] = (domains[domain[0]][0], min(pk, domains[domain[0]][1]))
    order = sorted(domains, key=lambda pk: (domains[pk][0].position, domains[pk][0].name, domains[pk][1]))
    return PlanProgress(
        overall=progress_rollup(actions),
        by_orientation={pk: progress_rollup(group) for pk, group in by_orientation.items()},
        by_domain=[(domains[pk][0], progress_rollup(by_domain[pk])) for pk in order],
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
