"""``manage.py build_national_dataset``: its shape for a few EPCIs, its determinism, its refusals.

The national build itself (every EPCI, a few minutes) is ``make bench-national``'s; here the same code
builds three EPCIs, whose conventions are the first three of the national set. On PostgreSQL the build
writes with COPY; a test checks it writes the rows (history included) ``bulk_create`` writes.
"""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from action_plans.models import Action, FundingLine
from bench import national_data, plan_data
from conventions.choices import PartyRole
from conventions.models import Convention, GovernanceMember, Party, ReviewComment, StatusChange
from diagnostics.models import IndicatorValue
from partners.choices import MembershipRole, OrganisationKind
from partners.models import Membership, Organisation, Representative

pytestmark = pytest.mark.django_db(transaction=False)

EPCIS = 3


class _Rollback(Exception):
    pass


def _snapshot(*, history: bool = False) -> dict:
    """What two builds must share: every row's content in id order, ids relative to the first."""

    common = ("history_type", "history_user__username", "history_change_reason", "history_date")

    def relative_sequences():
        # Each table's sequence stands where bulk_create leaves it: on the last id given.
        models = (Organisation, Convention, Action, FundingLine, IndicatorValue, Action.history.model)
        with connection.cursor() as cursor:
            ends = []
            for model in models:
                table, column = model._meta.db_table, model._meta.pk.column
                cursor.execute(f"SELECT last_value FROM {table}_{column}_seq")
                ends.append(cursor.fetchone()[0] - model.objects.order_by("-pk").values_list("pk", flat=True)[0])
        return ends

    def relative(queryset, *fields):
        rows = list(queryset.order_by("pk").values_list("pk", *fields))
        first = rows[0][0] if rows else 0
        return [(pk - first, *rest) for pk, *rest in rows]

    return {
        "organisations": relative(Organisation.objects, "name", "kind", "siren", "epci__siren"),
        "conventions": relative(Convention.objects, "reference", "status", "period_start", "drafting_phase"),
        "users": relative(get_user_model().objects, "username", "is_superuser"),
        "actions": relative(Action.objects, "code", "title", "status", "progress", "start_date"),
        "funding": relative(FundingLine.objects, "year", "amount", "status"),
        "values": relative(IndicatorValue.objects, "year", "value"),
        "comments": relative(ReviewComment.objects, "anchor", "body"),
        "counts": national_data.dataset_counts(),
        **(
            {
                "action_partners": relative(Action.partners.through.objects, "action__code", "organisation__name"),
                "action_history": relative(
                    Action.history, "code", "title", "status", "history_type", "history_user__username", *common
                ),
                "funding_history": relative(FundingLine.history, "year", "amount", "status", *common),
                "value_history": relative(IndicatorValue.history, "year", "value", *common),
                "convention_history": relative(
                    Convention.history, "reference", "status", "created_by__username", *common
                ),
                "organisation_history": relative(
                    Organisation.history.filter(history_change_reason=national_data.HISTORY_REASON), "name", *common
                ),
                "sequences": relative_sequences(),
            }
            if history
            else {}
        ),
    }


def _build() -> str:
    out = StringIO()
    call_command("build_national_dataset", "--epcis", str(EPCIS), stdout=out)
    return out.getvalue()


def test_builds_one_convention_per_epci_with_plans_values_history_and_users():
    output = _build()
    records = national_data.selected_epcis(EPCIS)
    conventions = list(Convention.objects.select_related("epci").order_by("pk"))

    # One convention per EPCI of the files, in SIREN order, on the EPCI imported with its communes.
    assert [c.epci.siren for c in conventions] == [record.siren for record in records]
    for convention, record in zip(conventions, records, strict=True):
        assert convention.reference == national_data.convention_reference(record.siren)
        communes = Organisation.objects.filter(kind=OrganisationKind.COMMUNE, epci=convention.epci)
        assert communes.count() == len(record.members)
        # Parties: the EPCI, the département's CAF and up to three communes sign; two associates.
        roles = list(convention.parties.values_list("organisation__kind", "role"))
        assert (OrganisationKind.EPCI, PartyRole.SIGNATORY) in roles
        assert (OrganisationKind.CAF, PartyRole.SIGNATORY) in roles
        assert sum(role == PartyRole.ASSOCIATE for _kind, role in roles) == 2
        fiches = Action.objects.filter(orientation__plan__convention=convention).count()
        assert national_data.ACTIONS_RANGE[0] <= fiches <= national_data.ACTIONS_RANGE[1]
        # Values on the EPCI (every indicator) and on each commune (the first few), for three years.
        values = IndicatorValue.objects.filter(diagnostic__convention=convention).count()
        per_year = len(plan_data.INDICATORS) + national_data.COMMUNE_INDICATORS * len(record.members)
        assert values == per_year * len(national_data.INDICATOR_YEARS)
    # The measured convention has the fixed size of `make bench`'s plan.
    assert Action.objects.filter(orientation__plan__convention=conventions[0]).count() == (
        national_data.MEASURED_ACTIONS
    )
    # History: django-simple-history rows for what was written, a timeline and review threads.
    assert Convention.history.count() == EPCIS
    assert Action.history.count() == Action.objects.count()
    assert StatusChange.objects.filter(convention=conventions[0]).exists()
    assert ReviewComment.objects.filter(convention=conventions[0], parent__isnull=False).exists()

    # Users: administrators, CAF officers of each département, EPCI agents and readers, copil members.
    User = get_user_model()
    assert User.objects.filter(is_superuser=True, username__startswith="bench.admin.").count() == (
        national_data.ADMIN_COUNT
    )
    first = conventions[0]
    officer = User.objects.get(username=national_data.caf_username(first.epci.department_code))
    assert Membership.objects.filter(user=officer, organisation__kind=OrganisationKind.CAF).exists()
    agent = User.objects.get(username=national_data.epci_username(first.epci.siren))
    assert Membership.objects.get(user=agent).organisation == first.epci
    assert Membership.objects.filter(organisation=first.epci, role=MembershipRole.READER).count() == 1
    assert GovernanceMember.objects.filter(body__convention=first, representative__user__isnull=False).count() == (
        national_data.COPIL_USERS
    )
    assert User.objects.filter(username__startswith="bench.").count() == (
        national_data.ADMIN_COUNT
        + EPCIS * (national_data.EPCI_AGENTS + 1 + national_data.COPIL_USERS)
        + len({c.epci.department_code for c in conventions}) * national_data.CAF_OFFICERS_PER_DEPARTEMENT
    )
    # The documented password opens every bench account.
    assert agent.check_password(national_data.BENCH_PASSWORD)
    assert national_data.BENCH_PASSWORD in output
    assert first.reference in output


def test_the_measured_pages_answer_for_the_bench_users():
    _build()
    convention = Convention.objects.order_by("pk").first()
    agent = get_user_model().objects.get(username=national_data.epci_username(convention.epci.siren))
    client = Client()
    client.force_login(agent)
    for name in ("workflow:detail", "diagnostics:detail", "action_plans:plan", "workflow:review"):
        assert client.get(reverse(name, args=[convention.pk])).status_code == 200, name
    officer = get_user_model().objects.get(username=national_data.caf_username(convention.epci.department_code))
    client.force_login(officer)
    # The CAF officer sees the conventions of the département's EPCIs, the one measured among them.
    assert client.get(reverse("workflow:detail", args=[convention.pk])).status_code == 200


def test_two_builds_give_the_same_rows_in_the_same_order():
    try:
        with transaction.atomic():
            _build()
            first = _snapshot()
            raise _Rollback
    except _Rollback:
        pass
    assert not Convention.objects.exists()
    _build()
    second = _snapshot()
    assert first["counts"]["conventions"] == EPCIS
    assert first == second


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_writes_the_rows_and_history_rows_bulk_create_writes():
    try:
        with transaction.atomic():
            national_data.build_national_dataset(epcis=EPCIS, copy=False)
            written_by_bulk_create = _snapshot(history=True)
            raise _Rollback
    except _Rollback:
        pass
    national_data.build_national_dataset(epcis=EPCIS, copy=True)
    written_by_copy = _snapshot(history=True)
    assert written_by_copy["counts"]["history_rows"] > 0
    assert written_by_copy == written_by_bulk_create


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_keeps_tabs_new_lines_backslashes_and_nulls():
    writer = national_data._Writer(copy=True)
    name = "Tab\there, a backslash \\ and \\N (COPY's null)\non two lines\r"
    organisation = writer.add(Organisation, [Organisation(name=name, kind=OrganisationKind.ASSOCIATION)])[0]
    writer.flush()
    saved = Organisation.objects.get(pk=organisation.pk)
    assert (saved.name, saved.population, saved.epci_id) == (name, None, None)
    assert saved.created_at is not None
    assert Organisation.history.get(id=organisation.pk).name == name


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_checks_the_references_whose_triggers_the_build_turns_off():
    writer = national_data._Writer(copy=True)
    writer.check_references = True
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # as the build does (superuser)
    (organisation,) = writer.add(Organisation, [Organisation(name="Centre", kind=OrganisationKind.SOCIAL_CENTRE)])
    writer.add(Representative, [Representative(organisation=organisation, full_name="Direction")])
    writer.flush()  # references that exist pass
    writer.add(Representative, [Representative(organisation_id=organisation.pk + 1000, full_name="Personne")])
    with pytest.raises(ValueError, match="partners_representative.organisation_id"):
        writer.flush()


def test_the_convention_of_an_epci_does_not_depend_on_the_size_of_the_set():
    try:
        with transaction.atomic():
            call_command("build_national_dataset", "--epcis", "1", stdout=StringIO())
            alone = list(Action.objects.order_by("pk").values_list("code", "title", "status", "progress"))
            raise _Rollback
    except _Rollback:
        pass
    _build()
    first = Convention.objects.order_by("pk").first()
    among_three = list(
        Action.objects.filter(orientation__plan__convention=first)
        .order_by("pk")
        .values_list("code", "title", "status", "progress")
    )
    assert alone == among_three


def test_refuses_a_database_that_already_holds_conventions_and_a_wrong_size():
    _build()
    with pytest.raises(CommandError, match="base vide"):
        _build()
    assert Convention.objects.count() == EPCIS
    assert Party.objects.filter(convention__in=Convention.objects.all()).exists()
    with pytest.raises(CommandError, match="au moins 1"):
        call_command("build_national_dataset", "--epcis", "0", stdout=StringIO())
