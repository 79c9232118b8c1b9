"""The plan, fiche and budget pages: who reaches them, what they show, what they cost in queries."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from action_plans import selectors
from action_plans.choices import ActionStatus, FundingStatus
from conventions.choices import ConventionStatus
from tests.action_plans.factories import (
    ActionFactory,
    ActionPlanFactory,
    EvaluationIndicatorFactory,
    FundingLineFactory,
    ProgressUpdateFactory,
    StrategicOrientationFactory,
    populated_plan,
)
from tests.conventions.factories import ConventionFactory, domain, force_status
from tests.diagnostics.factories import FindingFactory
from tests.partners.factories import MembershipFactory, OrganisationFactory
from tests.roles import EXPECTED, ROLES

pytestmark = pytest.mark.django_db

PAGES = ["plan", "budget", "export_xlsx", "export_csv"]
# Counted on SQLite and PostgreSQL alike (session, user, savepoints of ATOMIC_REQUESTS included);
# what matters most is that they do not grow with the number of fiches, lines, indicators, updates.
MAX_QUERIES = {"plan": 12, "action_detail": 15, "budget": 12, "export_xlsx": 13, "export_csv": 11}


def url(name, convention, **kwargs):
    return reverse(f"action_plans:{name}", kwargs={"convention_pk": convention.pk, **kwargs})


def staff_of(convention):
    return MembershipFactory(organisation=convention.epci).user


@pytest.fixture
def plan_world(world):
    """The ``world`` convention with a small plan: one late fiche, one funding line, one indicator."""
    convention, users = world
    action = ActionFactory(
        orientation__plan__convention=convention,
        code="1.1",
        title="Relais petite enfance itinérant",
        status=ActionStatus.IN_PROGRESS,
        progress=40,
        end_date=datetime.date(2024, 12, 31),
    )
    FundingLineFactory(action=action, amount=Decimal("12345.60"))
    EvaluationIndicatorFactory(action=action, current_value=Decimal("17"))
    ProgressUpdateFactory(action=action, comment="Premier bilan d’étape.")
    return convention, users, action


# --- Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page_name", [*PAGES, "action_detail"])
def test_pages_answer_to_whoever_sees_the_convention_and_404_to_others(client, plan_world, role, page_name):
    convention, users, action = plan_world
    client.force_login(users[role])
    kwargs = {"pk": action.pk} if page_name == "action_detail" else {}
    response = client.get(url(page_name, convention, **kwargs))
    can_view = EXPECTED[role][0]
    assert response.status_code == (200 if can_view else 404)


@pytest.mark.parametrize("page_name", PAGES)
def test_anonymous_users_are_sent_to_login(client, plan_world, page_name):
    convention, _users, _action = plan_world
    response = client.get(url(page_name, convention))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_fiche_of_another_convention_answers_404(client, plan_world):
    convention, users, _action = plan_world
    elsewhere = ActionFactory()
    client.force_login(users["epci_staff"])
    assert client.get(url("action_detail", convention, pk=elsewhere.pk)).status_code == 404


@pytest.mark.parametrize("role", [role for role in ROLES if EXPECTED[role][0] and role != "epci_staff"])
def test_readers_see_no_edit_control(client, plan_world, role):
    convention, users, action = plan_world
    client.force_login(users[role])
    for page_name, kwargs in (("plan", {}), ("action_detail", {"pk": action.pk})):
        content = client.get(url(page_name, convention, **kwargs)).content.decode()
        assert "hx-get" not in content and "hx-post" not in content
        assert reverse("action_plans:action_quick_edit", args=[convention.pk, action.pk]) not in content
        assert "Ajouter un point d’étape" not in content and "Lecture seule" in content


def test_staff_see_quick_edits_and_follow_up_forms(client, plan_world):
    convention, users, action = plan_world
    client.force_login(users["epci_staff"])
    plan_page = client.get(url("plan", convention)).content.decode()
    assert reverse("action_plans:action_quick_edit", args=[convention.pk, action.pk]) in plan_page
    fiche = client.get(url("action_detail", convention, pk=action.pk)).content.decode()
    assert reverse("action_plans:progress_update_create", args=[convention.pk, action.pk]) in fiche
    line, indicator = action.funding_lines.get(), action.evaluation_indicators.get()
    assert reverse("action_plans:funding_status_edit", args=[convention.pk, line.pk]) in fiche
    assert reverse("action_plans:indicator_value_edit", args=[convention.pk, indicator.pk]) in fiche


def test_editing_links_only_while_the_content_may_be_edited(client, plan_world):
    convention, users, action = plan_world
    client.force_login(users["epci_staff"])
    edit_url = reverse("action_plans:action_edit", args=[convention.pk, action.pk])
    create_url = reverse("action_plans:orientation_create", args=[convention.pk])
    assert edit_url in client.get(url("action_detail", convention, pk=action.pk)).content.decode()
    assert create_url in client.get(url("plan", convention)).content.decode()
    force_status(convention, ConventionStatus.SIGNED)
    assert edit_url not in client.get(url("action_detail", convention, pk=action.pk)).content.decode()
    plan_page = client.get(url("plan", convention)).content.decode()
    assert create_url not in plan_page
    # Monitoring stays open on a signed convention.
    assert reverse("action_plans:action_quick_edit", args=[convention.pk, action.pk]) in plan_page


def test_a_convention_without_plan_says_so(client):
    convention = ConventionFactory()
    client.force_login(staff_of(convention))
    for page_name in ("plan", "budget"):
        response = client.get(url(page_name, convention))
        assert response.status_code == 200
    assert "pas encore été rédigé" in client.get(url("plan", convention)).content.decode()


# --- Plan page ----------------------------------------------------------------------------------


def test_plan_page_shows_the_tree_with_every_fiche_field(client, plan_world):
    convention, users, action = plan_world
    partner = OrganisationFactory(name="Association Les Petits Pas")
    action.partners.set([partner])
    client.force_login(users["caf_officer"])
    content = client.get(url("plan", convention)).content.decode()
    assert f"Orientation {action.orientation.position}" in content
    for text in ("1.1", "Relais petite enfance itinérant", "Petite enfance", action.pilot.display_name):
        assert text in content
    assert "Association Les Petits Pas" in content
    assert "01/01/2024" in content and "31/12/2024" in content
    assert "Moyenne" in content  # priority
    assert "En cours" in content  # status badge
    assert 'aria-valuenow="40"' in content
    assert reverse("action_plans:action_detail", args=[convention.pk, action.pk]) in content


def test_late_fiches_are_flagged_and_counted(client, plan_world):
    convention, users, action = plan_world
    ActionFactory(orientation=action.orientation, status=ActionStatus.DONE, end_date=datetime.date(2024, 6, 30))
    client.force_login(users["epci_staff"])
    content = client.get(url("plan", convention)).content.decode()
    assert "1 en retard" in content
    assert content.count("late-badge") == 1
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS  # read, never written


def test_rollups_say_how_they_were_computed(client, plan_world):
    convention, users, action = plan_world
    client.force_login(users["epci_staff"])
    content = client.get(url("plan", convention)).content.decode()
    assert "pondéré par le budget prévu" in content
    ActionFactory(orientation=action.orientation, progress=80)  # no budget
    content = client.get(url("plan", convention)).content.decode()
    assert "moyenne simple\xa0: 1 fiche sans budget prévu" in content
    assert 'aria-valuenow="60"' in content  # (40 + 80) / 2


def test_rollups_without_any_budget_say_so(client):
    action = ActionFactory(progress=30)
    convention = action.orientation.plan.convention
    client.force_login(staff_of(convention))
    assert "moyenne simple\xa0: aucun budget renseigné" in client.get(url("plan", convention)).content.decode()


@pytest.fixture
def filter_plan(db):
    convention = ConventionFactory()
    first = StrategicOrientationFactory(plan=ActionPlanFactory(convention=convention), position=1)
    second = StrategicOrientationFactory(plan=first.plan, position=2)
    partner = OrganisationFactory(name="Centre social du Lac")
    pilot = OrganisationFactory(name="Mairie pilote")
    youth = ActionFactory(
        orientation=first,
        code="1.1",
        title="Conseil des jeunes",
        domain=domain("jeunesse"),
        pilot=pilot,
        end_date=datetime.date(2099, 12, 31),
    )
    youth.partners.set([partner])
    ActionFactory(
        orientation=first, code="1.2", title="Crèche", domain=domain("petite-enfance"), status=ActionStatus.DONE
    )  # ended, but done: not late
    ActionFactory(
        orientation=second,
        code="2.1",
        title="Guide des parents",
        objectives="Publier un annuaire de la parentalité",
        domain=domain("parentalite"),
        end_date=datetime.date(2020, 12, 31),
        start_date=datetime.date(2020, 1, 1),
    )
    client_user = staff_of(convention)
    return convention, client_user, {"partner": partner, "pilot": pilot, "first": first, "second": second}


def codes_on_page(content: str) -> list[str]:
    return re.findall(r'<td class="action-code fw-semibold"[^>]*>([^<]+)</td>', content)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["1.1", "1.2", "2.1"]),
        ({"domain": "jeunesse"}, ["1.1"]),
        ({"status": ActionStatus.DONE}, ["1.2"]),
        ({"q": "crèche"}, ["1.2"]),
        ({"q": "ANNUAIRE"}, ["2.1"]),  # objectives, case-insensitive
        ({"q": "2.1"}, ["2.1"]),  # code
        ({"late": "on"}, ["2.1"]),
        ({"pilot": "pilot"}, ["1.1"]),
        ({"partner": "partner"}, ["1.1"]),
        ({"orientation": "second"}, ["2.1"]),
        ({"status": ActionStatus.UPCOMING, "domain": "jeunesse"}, ["1.1"]),
    ],
)
def test_filters_keep_the_tree_and_count_matches(client, filter_plan, params, expected):
    convention, user, objects = filter_plan
    query = {}
    for key, value in params.items():
        if key == "domain":
            value = domain(value).pk
        elif value in objects:
            value = objects[value].pk
        query[key] = value
    client.force_login(user)
    content = client.get(url("plan", convention), query).content.decode()
    assert codes_on_page(content) == expected
    if params:
        assert f"{len(expected)} fiche" in content and "sur 3" in content
    # Only orientations holding a match are listed when filtering.
    second_heading = f'id="orientation-{objects["second"].pk}-title"'
    assert (second_heading in content) == any(code.startswith("2.") for code in expected)


def test_filters_never_change_rollups(client, filter_plan):
    convention, user, _objects = filter_plan
    client.force_login(user)
    unfiltered = client.get(url("plan", convention)).content.decode()
    filtered = client.get(url("plan", convention), {"domain": domain("jeunesse").pk}).content.decode()

    def overall(content):
        return re.search(r'id="plan-summary".*?aria-valuenow="(\d+)"', content, re.S).group(1)

    assert overall(unfiltered) == overall(filtered)


def test_an_invalid_filter_value_says_so_without_failing(client, filter_plan):
    convention, user, _objects = filter_plan
    client.force_login(user)
    response = client.get(url("plan", convention), {"domain": "999999", "status": "nope"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Sélectionnez une option de la liste." in content
    assert codes_on_page(content) == ["1.1", "1.2", "2.1"]


def test_filter_choices_come_from_the_plan(client, filter_plan):
    convention, user, _objects = filter_plan
    OrganisationFactory(name="Organisation sans fiche")
    client.force_login(user)
    content = client.get(url("plan", convention)).content.decode()
    assert "Centre social du Lac" in content
    assert "Organisation sans fiche" not in content


def test_export_links_carry_the_filters(client, filter_plan):
    convention, user, _objects = filter_plan
    client.force_login(user)
    content = client.get(url("plan", convention), {"q": "crèche"}).content.decode()
    assert f"{url('export_xlsx', convention)}?q=cr%C3%A8che" in content


# --- Fiche page ---------------------------------------------------------------------------------


def test_fiche_page_shows_definition_funding_indicators_and_timeline(client, plan_world):
    convention, users, action = plan_world
    need = FindingFactory(diagnostic__convention=convention, title="Manque de places en crèche")
    action.answered_needs.set([need])
    action.objectives = "Ouvrir deux permanences."
    action.target_public = "Familles des communes rurales."
    action.save()
    ProgressUpdateFactory(action=action, reported_on=datetime.date(2024, 10, 1), progress=40, comment="Plus récent.")
    client.force_login(users["copil_member"])
    content = client.get(url("action_detail", convention, pk=action.pk)).content.decode()
    for text in (
        "Relais petite enfance itinérant",
        "Ouvrir deux permanences.",
        "Familles des communes rurales.",
        "Manque de places en crèche",
        "12\xa0345,60&nbsp;€",
        "Nombre de familles accompagnées",
        "Premier bilan d’étape.",
    ):
        assert text in content, text
    assert reverse("diagnostics:detail", args=[convention.pk]) + f"#finding-{need.pk}" in content
    # Timeline: newest first.
    assert content.index("Plus récent.") < content.index("Premier bilan d’étape.")


def test_fiche_funding_totals_follow_the_definitions(client, plan_world):
    convention, users, action = plan_world
    FundingLineFactory(action=action, year=2025, amount=Decimal("100.00"), status=FundingStatus.PAID)
    FundingLineFactory(action=action, year=2026, amount=Decimal("50.00"), status=FundingStatus.GRANTED)
    client.force_login(users["epci_staff"])
    content = client.get(url("action_detail", convention, pk=action.pk)).content.decode()
    totals = re.search(r'<dl id="funding-totals".*?</dl>', content, re.S).group(0)
    assert "12\xa0495,60&nbsp;€" in totals  # planned
    assert "150,00&nbsp;€" in totals  # granted (granted + paid)
    assert "100,00&nbsp;€" in totals  # paid


# --- Budget page --------------------------------------------------------------------------------


def test_budget_page_shows_totals_per_funder_and_domain(client, plan_world):
    convention, users, action = plan_world
    commune = OrganisationFactory(name="Commune de Test")
    FundingLineFactory(action=action, funder=commune, year=2025, amount=Decimal("1000.00"), status=FundingStatus.PAID)
    client.force_login(users["caf_officer"])
    content = client.get(url("budget", convention)).content.decode()
    assert "Commune de Test" in content
    assert "13\xa0345,60&nbsp;€" in content  # grand total planned
    assert "Prévu\xa0: toutes les lignes de financement" in content
    for table_id in ("funder-totals", "domain-totals", "funder-planned-table", "domain-paid-table"):
        assert f'id="{table_id}"' in content


# --- Query guards -------------------------------------------------------------------------------


def count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("page_name", [*PAGES, "action_detail"])
def test_query_count_does_not_grow_with_the_plan(client, page_name, django_assert_max_num_queries):
    counts = []
    for size in (3, 30):
        convention = ConventionFactory()
        _plan, actions = populated_plan(convention, size=size)
        if page_name == "action_detail":
            # The fiche's own lines, indicators and updates grow too.
            for extra in range(size):
                FundingLineFactory(action=actions[0], year=2030 + extra)
                EvaluationIndicatorFactory(action=actions[0])
                ProgressUpdateFactory(action=actions[0])
        client.force_login(staff_of(convention))
        kwargs = {"pk": actions[0].pk} if page_name == "action_detail" else {}
        path = url(page_name, convention, **kwargs)
        with django_assert_max_num_queries(MAX_QUERIES[page_name]):
            counts.append(count_queries(client, path))
    assert counts[0] == counts[1]


def test_filtered_plan_query_count_does_not_grow(client, django_assert_max_num_queries):
    counts = []
    for size in (3, 30):
        convention = ConventionFactory()
        _plan, actions = populated_plan(convention, size=size)
        client.force_login(staff_of(convention))
        partner = actions[0].partners.first()
        path = f"{url('plan', convention)}?q=Fiche&domain={domain('petite-enfance').pk}&partner={partner.pk}&late=on"
        with django_assert_max_num_queries(MAX_QUERIES["plan"] + 6):
            counts.append(count_queries(client, path))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("page_name", ["plan", "budget", "action_detail"])
def test_pages_render_in_english_too(client, plan_world, page_name):
    convention, users, action = plan_world
    client.force_login(users["epci_staff"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    kwargs = {"pk": action.pk} if page_name == "action_detail" else {}
    content = client.get(url(page_name, convention, **kwargs)).content.decode()
    assert '<html lang="en">' in content
    assert "Action plan" in content


def test_a_long_plan_is_shown_page_by_page_keeping_the_filters(client, filter_plan, monkeypatch):
    monkeypatch.setattr(selectors, "ACTIONS_PER_PAGE", 2)
    convention, user, _ = filter_plan
    client.force_login(user)
    first = client.get(url("plan", convention)).content.decode()
    assert codes_on_page(first) == ["1.1", "1.2"]
    assert "Fiches 1 à 2 sur 3" in first
    assert "?page=2" in first
    assert 'name="direction"' not in first  # no reordering on a partial view
    second = client.get(url("plan", convention), {"page": 2}).content.decode()
    assert codes_on_page(second) == ["2.1"]
    filtered = client.get(url("plan", convention), {"q": "e", "page": 1}).content.decode()
    assert "?q=e&amp;page=2" in filtered
