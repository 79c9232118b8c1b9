"""The administration's lists stay fast with all of France loaded: each orders by indexed columns of
its own table, counts once, and costs the same number of queries whatever its number of rows."""

import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ctg_portal.admin_lists import EstimatedCountPaginator, LargeListAdmin
from tests.action_plans.factories import ActionFactory, FundingLineFactory, StrategicOrientationFactory
from tests.conventions.factories import ConventionFactory, GovernanceMemberFactory, PartyFactory
from tests.diagnostics.factories import FindingFactory, IndicatorValueFactory
from tests.partners.factories import MembershipFactory, RepresentativeFactory, UserFactory

MODEL_ADMINS = sorted(
    (model._meta.app_label, model._meta.model_name, model._meta.db_table)
    for model in admin.site._registry
    if model._meta.app_label in {"partners", "conventions", "diagnostics", "action_plans"}
)
# Session, user, savepoints, the page, its count, the filters' choices and the history's: whatever the rows.
CHANGELIST_MAX_QUERIES = 14
# Tables small by nature (a national list of domains, of indicators): their model's order is fine.
SMALL_TABLES = {"conventions_domain", "diagnostics_indicatordefinition"}


@pytest.fixture
def admin_client(client, db):
    FundingLineFactory()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def _page_query(queries, db_table: str) -> str:
    """The changelist's rows: the first ordered SELECT from the model's table."""
    pages = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT") and f'FROM "{db_table}"' in q["sql"] and "ORDER BY" in q["sql"]
    ]
    assert pages, f"no page query on {db_table}"
    return pages[0]


@pytest.mark.parametrize(("app_label", "model_name", "db_table"), MODEL_ADMINS)
def test_changelist_orders_by_its_own_table_and_counts_once(admin_client, app_label, model_name, db_table):
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(url).status_code == 200
    assert len(queries) <= CHANGELIST_MAX_QUERIES
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == len(set(counts)), "the same COUNT(*) twice"
    if db_table in SMALL_TABLES:
        return
    model_admin = admin.site._registry[next(m for m in admin.site._registry if m._meta.db_table == db_table)]
    assert isinstance(model_admin, LargeListAdmin)
    order_by = _page_query(queries, db_table).split("ORDER BY", 1)[1]
    tables = set(re.findall(r'"(\w+)"\.', order_by))
    assert tables <= {db_table}, f"ordering through {tables - {db_table}}"


@pytest.mark.parametrize(
    ("url_name", "make_one"),
    [
        ("admin:action_plans_action_changelist", lambda orientation: ActionFactory(orientation=orientation)),
        ("admin:conventions_convention_changelist", lambda _orientation: ConventionFactory()),
        ("admin:conventions_party_changelist", lambda _orientation: PartyFactory()),
        ("admin:action_plans_fundingline_changelist", lambda orientation: FundingLineFactory()),
        ("admin:conventions_governancemember_changelist", lambda _orientation: GovernanceMemberFactory()),
        ("admin:partners_representative_changelist", lambda _orientation: RepresentativeFactory()),
        ("admin:partners_membership_changelist", lambda _orientation: MembershipFactory()),
        ("admin:diagnostics_finding_changelist", lambda _orientation: FindingFactory()),
        ("admin:diagnostics_indicatorvalue_changelist", lambda _orientation: IndicatorValueFactory()),
    ],
)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, url_name, make_one):
    orientation = StrategicOrientationFactory()
    counts = []
    for added in (1, 6):
        for _ in range(added):
            make_one(orientation)
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(reverse(url_name)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_large_unfiltered_table_is_counted_from_the_statistics(admin_client, monkeypatch):
    from action_plans.models import Action

    monkeypatch.setattr("ctg_portal.admin_lists.estimated_row_count", lambda queryset: 250_000)
    assert EstimatedCountPaginator(Action.objects.order_by("pk"), 100).count == 250_000
    # Filtered, or small by the estimate: counted exactly.
    assert EstimatedCountPaginator(Action.objects.filter(code="X").order_by("pk"), 100).count == 0
    monkeypatch.setattr("ctg_portal.admin_lists.estimated_row_count", lambda queryset: 1_000)
    assert EstimatedCountPaginator(Action.objects.order_by("pk"), 100).count == Action.objects.count()


@pytest.mark.django_db
def test_the_estimate_is_postgresql_s_own():
    from action_plans.models import Action
    from ctg_portal.admin_lists import estimated_row_count

    if connection.vendor != "postgresql":
        assert estimated_row_count(Action.objects.all()) is None
        return
    ActionFactory()
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Action._meta.db_table}")
    assert estimated_row_count(Action.objects.all()) == 1


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:diagnostics_indicatorvalue_changelist",
        "admin:action_plans_fundingline_changelist",
        "admin:partners_organisation_changelist",
    ],
)
def test_filters_of_the_largest_tables_do_not_read_every_row(admin_client, url_name):
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(reverse(url_name)).status_code == 200
    assert not [q["sql"] for q in queries if q["sql"].startswith("SELECT DISTINCT") and " WHERE " not in q["sql"]]


def test_the_year_and_departement_filters_still_filter(admin_client):
    from django.utils import timezone

    from action_plans.models import FundingLine
    from tests.partners.factories import OrganisationFactory

    line = FundingLine.objects.get()
    this_year = timezone.localdate().year
    FundingLine.objects.filter(pk=line.pk).update(year=this_year)
    url = reverse("admin:action_plans_fundingline_changelist")
    assert admin_client.get(url, {"year": this_year}).context["cl"].result_count == 1
    assert admin_client.get(url, {"year": this_year - 1}).context["cl"].result_count == 0
    OrganisationFactory(caf=True, department_code="46")
    OrganisationFactory(intercommunality=True, department_code="46", name="Grand Cahors")
    response = admin_client.get(reverse("admin:partners_organisation_changelist"), {"department_code": "46"})
    assert {str(o) for o in response.context["cl"].result_list} >= {"Grand Cahors"}
    assert all(o.department_code == "46" for o in response.context["cl"].result_list)
