"""The reads shared by the plan pages and exports: roll-ups, lateness and budget totals."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from action_plans import selectors
from action_plans.choices import ActionStatus, FundingStatus
from action_plans.models import Action
from action_plans.selectors import RollupMethod, budget_summary, plan_progress, progress_rollup
from tests.action_plans.factories import (
    ActionFactory,
    ActionPlanFactory,
    FundingLineFactory,
    StrategicOrientationFactory,
    populated_plan,
)
from tests.conventions.factories import ConventionFactory, domain
from tests.partners.factories import OrganisationFactory

TODAY = datetime.date(2025, 6, 15)


def fiche(progress, budget=None, status=ActionStatus.IN_PROGRESS):
    return SimpleNamespace(progress=progress, planned_budget=Decimal(budget or 0), status=status)


# --- Roll-up rules (pure) -----------------------------------------------------------------------


def test_rollup_is_weighted_by_planned_budget_when_every_fiche_has_one():
    rollup = progress_rollup([fiche(100, 300), fiche(0, 100)])
    assert rollup.method == RollupMethod.BUDGET
    assert rollup.progress == Decimal(75)
    assert rollup.planned_budget == Decimal(400)


def test_rollup_is_a_simple_mean_when_no_fiche_has_a_budget():
    rollup = progress_rollup([fiche(100), fiche(0), fiche(50)])
    assert rollup.method == RollupMethod.SIMPLE
    assert rollup.progress == Decimal(50)
    assert rollup.unbudgeted == rollup.counted == 3


def test_rollup_is_a_simple_mean_as_soon_as_one_fiche_has_no_budget():
    rollup = progress_rollup([fiche(100, 900), fiche(0, 100), fiche(20)])
    assert rollup.method == RollupMethod.SIMPLE
    assert rollup.progress == Decimal(40)
    assert rollup.unbudgeted == 1


def test_a_zero_budget_counts_as_no_budget():
    rollup = progress_rollup([fiche(100, 1000), fiche(0, "0.00")])
    assert rollup.method == RollupMethod.SIMPLE
    assert rollup.percent == 50


def test_abandoned_fiches_are_left_out_of_the_rollup():
    rollup = progress_rollup([fiche(80, 100), fiche(0, 10_000, status=ActionStatus.ABANDONED)])
    assert rollup.method == RollupMethod.BUDGET
    assert rollup.progress == Decimal(80)
    assert (rollup.counted, rollup.abandoned) == (1, 1)


def test_a_group_of_abandoned_fiches_has_nothing_to_measure():
    rollup = progress_rollup([fiche(30, 100, status=ActionStatus.ABANDONED)])
    assert rollup.method == RollupMethod.NONE
    assert rollup.progress is None
    assert rollup.percent is None


def test_an_empty_group_has_nothing_to_measure():
    assert progress_rollup([]).method == RollupMethod.NONE


def test_percent_rounds_half_up():
    assert progress_rollup([fiche(25), fiche(100)]).percent == 63  # 62.5
    assert progress_rollup([fiche(1, 1), fiche(2, 2)]).percent == 2  # 1.666…


# --- Roll-ups from the database -----------------------------------------------------------------


@pytest.mark.django_db
def test_planned_budget_sums_every_funding_line_whatever_its_status():
    action = ActionFactory()
    FundingLineFactory(action=action, amount=Decimal("100.00"), status=FundingStatus.PLANNED)
    FundingLineFactory(action=action, amount=Decimal("300.50"), status=FundingStatus.PAID, year=2025)
    annotated = selectors.plan_actions(plan=action.orientation.plan).get()
    assert annotated.planned_budget == Decimal("400.50")


@pytest.mark.django_db
def test_a_fiche_without_funding_line_has_a_zero_budget():
    action = ActionFactory()
    assert selectors.plan_actions(plan=action.orientation.plan).get().planned_budget == Decimal("0")


@pytest.mark.django_db
def test_plan_progress_rolls_up_orientations_domains_and_plan_by_budget(django_assert_num_queries):
    first = StrategicOrientationFactory()
    second = StrategicOrientationFactory(plan=first.plan)
    childhood = ActionFactory(orientation=first, progress=100, domain=domain("petite-enfance"))
    youth = ActionFactory(orientation=first, progress=0, domain=domain("jeunesse"))
    other = ActionFactory(orientation=second, progress=50, domain=domain("jeunesse"))
    FundingLineFactory(action=childhood, amount=Decimal("3000"))
    FundingLineFactory(action=youth, amount=Decimal("1000"))
    FundingLineFactory(action=other, amount=Decimal("4000"))

    with django_assert_num_queries(1):
        progress = plan_progress(plan=first.plan, today=TODAY)

    assert progress.for_orientation(first.pk).progress == Decimal(75)
    assert progress.for_orientation(second.pk).progress == Decimal(50)
    # (100 × 3000 + 0 × 1000 + 50 × 4000) / 8000
    assert progress.overall.progress == Decimal("62.5")
    assert progress.overall.percent == 63
    by_domain = {d.code: rollup for d, rollup in progress.by_domain}
    assert by_domain["petite-enfance"].progress == Decimal(100)
    assert by_domain["jeunesse"].progress == Decimal(40)  # (0 × 1000 + 50 × 4000) / 5000
    assert progress.action_count == 3


@pytest.mark.django_db
def test_plan_progress_of_a_missing_plan_is_empty():
    progress = plan_progress(plan=None)
    assert progress.action_count == 0
    assert progress.overall.method == RollupMethod.NONE


# --- Lateness -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "end_date", "late"),
    [
        (ActionStatus.IN_PROGRESS, datetime.date(2025, 6, 14), True),
        (ActionStatus.UPCOMING, datetime.date(2025, 1, 1), True),
        (ActionStatus.SUSPENDED, datetime.date(2025, 1, 1), True),
        (ActionStatus.DONE, datetime.date(2025, 1, 1), False),
        (ActionStatus.ABANDONED, datetime.date(2025, 1, 1), False),
        (ActionStatus.IN_PROGRESS, TODAY, False),  # due today is not late yet
        (ActionStatus.IN_PROGRESS, datetime.date(2026, 1, 1), False),
        (ActionStatus.LATE, datetime.date(2026, 1, 1), True),  # said late by whoever follows it
    ],
)
def test_lateness_is_computed_from_end_date_and_status(status, end_date, late):
    action = ActionFactory(status=status, start_date=datetime.date(2024, 1, 1), end_date=end_date)
    plan = action.orientation.plan
    assert selectors.plan_actions(plan=plan, today=TODAY).get().is_late is late
    assert plan_progress(plan=plan, today=TODAY).late_count == int(late)


@pytest.mark.django_db
def test_reading_lateness_never_writes_a_status():
    action = ActionFactory(status=ActionStatus.IN_PROGRESS, end_date=datetime.date(2024, 12, 31))
    history_before = action.history.count()
    assert plan_progress(plan=action.orientation.plan, today=TODAY).late_count == 1
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS
    assert action.history.count() == history_before


# --- Budget -------------------------------------------------------------------------------------


@pytest.fixture
def budget_plan(db):
    """Two funders, two years, two domains, every funding status."""
    plan = ActionPlanFactory()
    orientation = StrategicOrientationFactory(plan=plan)
    caf, commune = OrganisationFactory(caf=True, short_name="CAF"), OrganisationFactory(name="Commune A")
    childhood = ActionFactory(orientation=orientation, domain=domain("petite-enfance"))
    youth = ActionFactory(orientation=orientation, domain=domain("jeunesse"))
    FundingLineFactory(action=childhood, funder=caf, year=2024, amount=Decimal("1000.00"), status=FundingStatus.PAID)
    FundingLineFactory(action=childhood, funder=caf, year=2025, amount=Decimal("2000.00"), status=FundingStatus.GRANTED)
    FundingLineFactory(
        action=childhood, funder=commune, year=2024, amount=Decimal("500.50"), status=FundingStatus.REQUESTED
    )
    FundingLineFactory(action=youth, funder=caf, year=2024, amount=Decimal("300.00"), status=FundingStatus.PLANNED)
    FundingLineFactory(action=youth, funder=commune, year=2025, amount=Decimal("700.00"), status=FundingStatus.PAID)
    # Another plan's money never counts.
    FundingLineFactory(amount=Decimal("99999.00"))
    return plan


def test_budget_measures_follow_their_definitions(budget_plan):
    total = budget_summary(plan=budget_plan).total
    assert total.planned == Decimal("4500.50")  # every line
    assert total.granted == Decimal("3700.00")  # granted or paid
    assert total.paid == Decimal("1700.00")  # paid


def test_budget_tables_add_up_both_ways_and_agree_with_each_other(budget_plan):
    summary = budget_summary(plan=budget_plan)
    assert summary.years == [2024, 2025]
    for table in (summary.by_funder, summary.by_domain):
        for row in table.rows:
            assert sum(row.cells, selectors.Amounts()) == row.total
        for index, column_total in enumerate(table.column_totals):
            assert sum((row.cells[index] for row in table.rows), selectors.Amounts()) == column_total
        assert sum((row.total for row in table.rows), selectors.Amounts()) == table.total
        assert sum(table.column_totals, selectors.Amounts()) == table.total
        assert table.total == summary.total


def test_budget_per_funder_and_year(budget_plan):
    table = budget_summary(plan=budget_plan).by_funder
    rows = {row.label: row for row in table.rows}
    assert list(rows) == ["CAF", "Commune A"]
    caf_2024, caf_2025 = rows["CAF"].cells
    assert (caf_2024.planned, caf_2024.granted, caf_2024.paid) == (Decimal("1300"), Decimal("1000"), Decimal("1000"))
    assert (caf_2025.planned, caf_2025.granted, caf_2025.paid) == (Decimal("2000"), Decimal("2000"), Decimal("0"))
    assert rows["Commune A"].total.planned == Decimal("1200.50")


def test_budget_per_domain_follows_domain_order(budget_plan):
    table = budget_summary(plan=budget_plan).by_domain
    assert [row.label for row in table.rows] == ["Petite enfance", "Jeunesse"]
    assert table.rows[0].total.planned == Decimal("3500.50")
    assert table.rows[1].total.paid == Decimal("700.00")


def test_crosstab_of_one_measure(budget_plan):
    crosstab = budget_summary(plan=budget_plan).by_funder.crosstab("granted")
    assert crosstab.rows[0] == ("CAF", [Decimal("1000.00"), Decimal("2000.00")], Decimal("3000.00"))
    assert crosstab.column_totals == [Decimal("1000.00"), Decimal("2700.00")]
    assert crosstab.total == Decimal("3700.00")


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 30])
def test_budget_summary_costs_three_queries_whatever_the_size(size, django_assert_num_queries):
    plan, _actions = populated_plan(ConventionFactory(), size=size)
    with django_assert_num_queries(3):
        summary = budget_summary(plan=plan)
    assert summary.line_count == size * 2


@pytest.mark.django_db
def test_budget_summary_of_a_plan_without_lines():
    summary = budget_summary(plan=ActionPlanFactory())
    assert summary.total == selectors.Amounts()
    assert summary.by_funder.rows == []


@pytest.mark.django_db
def test_plan_actions_keeps_plan_order():
    orientation = StrategicOrientationFactory(position=2)
    first = StrategicOrientationFactory(plan=orientation.plan, position=1)
    later = ActionFactory(orientation=orientation, code="2.1")
    earlier = ActionFactory(orientation=first, code="1.2", position=2)
    earliest = ActionFactory(orientation=first, code="1.1", position=1)
    assert list(selectors.plan_actions(plan=orientation.plan)) == [earliest, earlier, later]
    assert Action.objects.count() == 3


# --- Pages of a long plan -------------------------------------------------------------------------


@pytest.fixture
def long_plan(db):
    """Orientation 1 with 3 fiches, an empty orientation 2, orientation 3 with 4 fiches."""
    first = StrategicOrientationFactory(position=1)
    plan = first.plan
    StrategicOrientationFactory(plan=plan, position=2)
    third = StrategicOrientationFactory(plan=plan, position=3)
    for position in range(3):
        ActionFactory(orientation=first, code=f"1.{position + 1}", position=position)
    for position in range(4):
        ActionFactory(orientation=third, code=f"3.{position + 1}", position=position)
    return plan


def _page(plan, number, per_page):
    actions = selectors.plan_actions(plan=plan)
    return selectors.plan_page(
        orientations=selectors.orientations_of(plan=plan),
        actions=actions,
        progress=selectors.plan_progress(plan=plan),
        filtered=False,
        page_number=number,
        per_page=per_page,
    )


def _shown(tree):
    return [(node.orientation.position, [action.code for action in node.actions]) for node in tree]


def test_a_plan_that_fits_on_one_page_shows_every_orientation(long_plan):
    page, tree = _page(long_plan, 1, per_page=100)
    assert not page.has_other_pages()
    assert _shown(tree) == [(1, ["1.1", "1.2", "1.3"]), (2, []), (3, ["3.1", "3.2", "3.3", "3.4"])]


def test_an_orientation_straddling_two_pages_heads_its_part_on_each(long_plan):
    _, first_page = _page(long_plan, 1, per_page=5)
    _, second_page = _page(long_plan, 2, per_page=5)
    assert _shown(first_page) == [(1, ["1.1", "1.2", "1.3"]), (2, []), (3, ["3.1", "3.2"])]
    assert _shown(second_page) == [(3, ["3.3", "3.4"])]


def test_an_empty_orientation_shows_on_the_page_where_its_number_falls(long_plan):
    pages = [_shown(_page(long_plan, number, per_page=3)[1]) for number in (1, 2, 3)]
    assert pages == [
        [(1, ["1.1", "1.2", "1.3"]), (2, [])],
        [(3, ["3.1", "3.2", "3.3"])],
        [(3, ["3.4"])],
    ]


def test_a_page_number_out_of_range_shows_the_last_page(long_plan):
    page, tree = _page(long_plan, 99, per_page=5)
    assert page.number == 2
    assert _shown(tree) == [(3, ["3.3", "3.4"])]


# --- The unfiltered plan page in one read ---------------------------------------------------------


def _content_of_separate_reads(plan, number, per_page):
    """What the filtered path reads (roll-ups, the page's fiches, the filters' choices, each by its own
    query), asked for the whole plan."""
    orientations = selectors.orientations_of(plan=plan)
    progress = selectors.plan_progress(plan=plan)
    page, tree = selectors.plan_page(
        orientations=orientations,
        actions=selectors.plan_actions(plan=plan),
        progress=progress,
        filtered=False,
        page_number=number,
        per_page=per_page,
    )
    return progress, page, tree, selectors.plan_filter_choices(plan=plan, orientations=orientations, progress=progress)


@pytest.mark.django_db
@pytest.mark.parametrize("number", [1, 2, 3])
def test_the_whole_plan_read_at_once_gives_what_the_separate_reads_give(number, django_assert_num_queries):
    plan, actions = populated_plan(ConventionFactory(), size=7)
    actions[0].domain = domain("jeunesse")
    actions[0].status = ActionStatus.ABANDONED
    actions[0].save()
    actions[3].pilot = OrganisationFactory(name="Autre pilote", short_name="AP")
    actions[3].save()
    FundingLineFactory(action=actions[2], amount=Decimal("123.45"), status=FundingStatus.PAID)
    progress, page, tree, choices = _content_of_separate_reads(plan, number, per_page=3)

    with django_assert_num_queries(3):  # orientations, fiches, partners
        content = selectors.plan_page_content(
            plan=plan, actions=selectors.plan_actions(plan=plan), filtered=False, page_number=number, per_page=3
        )

    assert content.progress == progress
    # Domains in their order (position, name), not in the order of their first fiche.
    domains = [domain for domain, _rollup in content.progress.by_domain]
    assert domains == sorted(domains, key=lambda domain: (domain.position, domain.name))
    assert domains[-1] == domain("jeunesse")
    assert [domain.code for domain, _rollup in content.progress.by_domain] == [
        domain.code for domain, _rollup in progress.by_domain
    ]
    assert list(content.page.object_list) == list(page.object_list)
    assert (content.page.number, content.page.paginator.count) == (page.number, page.paginator.count)
    assert content.tree == tree
    assert content.filter_choices == choices
    assert len(choices["pilot"]) == 2 and len(choices["partner"]) == 8
