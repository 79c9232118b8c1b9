"""The administration's lists stay fast with all of France loaded: each orders by indexed columns of
its own table, counts once, costs the same number of queries whatever its number of rows, and shows
50 rows a page (a changelist's processor time goes by the row it shows)."""

import datetime
import math
import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from action_plans.models import Action
from ctg_portal.admin_lists import EstimatedCountPaginator, LargeListAdmin
from tests.action_plans.factories import (
    ActionFactory,
    EvaluationIndicatorFactory,
    FundingLineFactory,
    ProgressUpdateFactory,
    StrategicOrientationFactory,
)
from tests.conventions.factories import ConventionFactory, GovernanceMemberFactory, PartyFactory
from tests.diagnostics.factories import ConsultationFactory, FindingFactory, IndicatorValueFactory
from tests.partners.factories import MembershipFactory, OrganisationFactory, RepresentativeFactory, UserFactory

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
        ("admin:diagnostics_consultation_changelist", lambda _orientation: ConsultationFactory()),
        (
            "admin:action_plans_evaluationindicator_changelist",
            lambda o: EvaluationIndicatorFactory(action__orientation=o),
        ),
        ("admin:action_plans_progressupdate_changelist", lambda o: ProgressUpdateFactory(action__orientation=o)),
        ("admin:partners_organisation_changelist", lambda _orientation: OrganisationFactory(commune=True)),
        ("admin:auth_user_changelist", lambda _orientation: UserFactory()),
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


# --- 50 rows a page -------------------------------------------------------------------------------

LARGE_LISTS_PAGE_SIZE = 50


def test_every_large_list_shows_fifty_rows_a_page():
    large = [model_admin for model_admin in admin.site._registry.values() if isinstance(model_admin, LargeListAdmin)]
    assert len(large) >= 20  # the 27 lists of the portal's apps, and the accounts'
    assert {type(model_admin).__name__: model_admin.list_per_page for model_admin in large} == {
        type(model_admin).__name__: LARGE_LISTS_PAGE_SIZE for model_admin in large
    }
    # Ten thousand accounts with all France: Django's own user administration is a large list too.
    assert isinstance(admin.site._registry[get_user_model()], LargeListAdmin)


@pytest.mark.parametrize(
    ("url_name", "make_rows"),
    [
        (
            "admin:action_plans_action_changelist",
            lambda count: ActionFactory.create_batch(count, orientation=StrategicOrientationFactory()),
        ),
        ("admin:partners_organisation_changelist", lambda count: OrganisationFactory.create_batch(count)),
        ("admin:auth_user_changelist", lambda count: UserFactory.create_batch(count)),
    ],
)
def test_a_large_list_pages_through_every_row_fifty_at_a_time(admin_client, url_name, make_rows):
    make_rows(LARGE_LISTS_PAGE_SIZE + 7)
    url = reverse(url_name)
    first = admin_client.get(url)
    changelist = first.context["cl"]
    assert changelist.result_count > LARGE_LISTS_PAGE_SIZE
    assert len(changelist.result_list) == LARGE_LISTS_PAGE_SIZE
    assert first.content.decode().count('name="_selected_action"') == LARGE_LISTS_PAGE_SIZE
    pages = math.ceil(changelist.result_count / LARGE_LISTS_PAGE_SIZE)
    assert changelist.paginator.num_pages == pages
    seen = []
    for number in range(1, pages + 1):
        response = admin_client.get(url, {"p": number})
        assert response.status_code == 200
        seen += [row.pk for row in response.context["cl"].result_list]
    assert len(seen) == len(set(seen)) == changelist.result_count
    assert set(seen) == set(changelist.root_queryset.values_list("pk", flat=True))


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.django_db
def test_the_rows_checkbox_is_django_s_own(language):
    """``LargeListAdmin.action_checkbox`` writes the HTML Django's widget renders, escaping included."""
    action = ActionFactory(code="1.2", title='Accueil <b>"l\'été"</b> & après')
    model_admin = admin.site._registry[Action]
    with translation.override(language):
        ours = model_admin.action_checkbox(action)
        django_s = admin.ModelAdmin.action_checkbox(model_admin, action)
    assert ours == django_s
    assert "&lt;b&gt;&quot;l&#x27;été&quot;&lt;/b&gt; &amp; après" in ours


def test_a_large_unfiltered_table_is_counted_from_the_statistics(admin_client, monkeypatch):
    from action_plans.models import Action

    monkeypatch.setattr("ctg_portal.admin_lists.estimated_row_count", lambda queryset: 250_000)
    assert EstimatedCountPaginator(Action.objects.order_by("pk"), 100).count == 250_000
    # Filtered, or small by the estimate: counted exactly.
    assert EstimatedCountPaginator(Action.objects.filter(code="X").order_by("pk"), 100).count == 0
    monkeypatch.setattr("ctg_portal.admin_lists.estimated_row_count", lambda queryset: 1_000)
    assert EstimatedCountPaginator(Action.objects.order_by("pk"), 100).count == Action.objects.count()


def test_the_fiches_of_all_france_are_counted_from_the_statistics(admin_client, monkeypatch):
    """Counting the 62 588 fiches of the national database read the whole table at each display of their
    list (10 to 17 ms of the database's processor)."""
    monkeypatch.setattr("ctg_portal.admin_lists.estimated_row_count", lambda queryset: 62_588)
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("admin:action_plans_action_changelist"))
    assert response.context["cl"].result_count == 62_588
    assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and 'FROM "action_plans_action"' in q["sql"]]
    assert Action.objects.exists()


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
        "admin:action_plans_progressupdate_changelist",
    ],
)
def test_filters_of_the_largest_tables_do_not_read_every_row(admin_client, url_name):
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(reverse(url_name)).status_code == 200
    whole_table_reads = [
        q["sql"]
        for q in queries
        if (q["sql"].startswith("SELECT DISTINCT") or "MIN(" in q["sql"] or "MAX(" in q["sql"])
        and " WHERE " not in q["sql"]
    ]
    assert not whole_table_reads


def test_progress_updates_filter_by_year(admin_client):
    this_year = timezone.localdate().year
    ProgressUpdateFactory(reported_on=datetime.date(this_year, 3, 1))
    ProgressUpdateFactory(reported_on=datetime.date(this_year - 2, 3, 1))
    url = reverse("admin:action_plans_progressupdate_changelist")
    assert admin_client.get(url).context["cl"].result_count == 2
    filtered = admin_client.get(url, {"reported_on__year": this_year}).context["cl"]
    assert [update.reported_on.year for update in filtered.result_list] == [this_year]


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
