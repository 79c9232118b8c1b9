"""``manage.py load_demo``: both conventions as the texts describe them, the demo accounts, idempotency."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from action_plans.choices import ActionStatus
from action_plans.models import Action, FundingLine
from conventions.choices import ConventionStatus, DraftingPhase, GovernanceBodyKind, PartyRole
from conventions.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_load
from conventions.models import Convention, GovernanceMember
from diagnostics.choices import FindingKind
from diagnostics.models import Finding, IndicatorValue
from partners.models import Organisation

GRAND_CAHORS, LA_CALI = "CTG-GRAND-CAHORS-2020", "CTG-LA-CALI-2024"
DEMO_APPS = ("partners", "conventions", "diagnostics", "action_plans")


pytestmark = pytest.mark.django_db

# The loader checks and sets six passwords per run: with the default hasher, that takes seconds.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """Loads the demo once for the whole module, on the empty test database.

    The load runs in a transaction rolled back after the module's last test, and each test still runs in
    its own savepoint (pytest-django's ``db``), so what one test changes, the next does not see.
    """
    output = StringIO()
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        assert not Convention.objects.exists() and not Organisation.objects.exists()
        call_command("load_demo", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def grand_cahors(demo_output):
    return Convention.objects.get(reference=GRAND_CAHORS)


@pytest.fixture
def la_cali(demo_output):
    return Convention.objects.get(reference=LA_CALI)


def row_counts() -> dict[str, int]:
    """Rows of every model of the four apps, their history and many-to-many tables included, and users."""
    models = [
        model for label in DEMO_APPS for model in apps.get_app_config(label).get_models(include_auto_created=True)
    ]
    return {model._meta.label: model._default_manager.count() for model in [*models, get_user_model()]}


def test_both_conventions_are_loaded_on_an_empty_database(demo_output):
    assert set(Convention.objects.values_list("reference", flat=True)) == {GRAND_CAHORS, LA_CALI}


def test_grand_cahors_has_its_period_domains_and_phase(grand_cahors):
    assert (str(grand_cahors.period_start), str(grand_cahors.period_end)) == ("2020-01-01", "2023-12-31")
    assert set(grand_cahors.domains.values_list("code", flat=True)) == {
        "petite-enfance",
        "enfance",
        "jeunesse",
        "parentalite",
        "logement-cadre-de-vie",
        "animation-vie-sociale",
        "acces-aux-droits",
    }
    assert grand_cahors.replaces_contract == "Contrat Enfance Jeunesse (CEJ)"
    # The signature is recorded by the signing workflow, not by the demo.
    assert grand_cahors.status == ConventionStatus.DRAFT
    assert grand_cahors.drafting_phase == DraftingPhase.FINALISATION


def test_grand_cahors_is_signed_by_eight_rows_for_seven_people(grand_cahors):
    signatories = grand_cahors.parties.filter(role=PartyRole.SIGNATORY).select_related("representative")
    assert {(party.representative.full_name, party.representative.title) for party in signatories} == {
        ("Jean-Marc Vayssouze", "Président du Grand Cahors"),
        ("Jean-Marc Vayssouze", "Maire de Cahors"),
        ("Valérie Guillon", "Directrice de la CAF du Lot"),
        ("Bénédicte Lanes", "Maire de Douelle, vice-présidente du Grand Cahors"),
        ("Denis Marre", "Maire de Pradines"),
        ("Ludovic Dizengremel", "Maire de Mercuès"),
        ("Eric Marousseau", "Directeur adjoint de la DDCSPP"),
        ("Martine Hilt", "Adjointe à la mairie de Pradines"),
    }
    assert len(signatories) == 8
    assert signatories.filter(organisation__insee_code="46224").count() == 2  # Pradines: mayor and deputy


def test_grand_cahors_associates_the_state_and_the_departement(grand_cahors):
    associates = grand_cahors.parties.filter(role=PartyRole.ASSOCIATE)
    assert set(associates.values_list("organisation__kind", flat=True)) == {"state_service", "departement"}
    assert not associates.filter(signing_order__isnull=False).exists()


def test_grand_cahors_copil_seats_the_signatories_and_the_copil_account(grand_cahors):
    copil = grand_cahors.governance_bodies.get(kind=GovernanceBodyKind.STEERING_COMMITTEE)
    members = GovernanceMember.objects.filter(body=copil)
    assert members.filter(representative__user__username="copil.cahors").exists()
    signatory_names = set(
        grand_cahors.parties.filter(role=PartyRole.SIGNATORY).values_list("representative__full_name", flat=True)
    )
    assert signatory_names <= set(members.values_list("representative__full_name", flat=True))
    assert copil.meetings.exists()


def test_every_grand_cahors_action_answers_a_need_with_funding_and_follow_up(grand_cahors):
    actions = Action.objects.filter(orientation__plan__convention=grand_cahors)
    assert 8 <= actions.count() <= 10
    for action in actions:
        assert action.answered_needs.exists()
        assert not action.answered_needs.exclude(kind=FindingKind.NEED).exists()
        assert action.funding_lines.exists()
        assert action.evaluation_indicators.exists()
        assert 1 <= action.progress_updates.count() <= 3
        assert set(action.progress_updates.values_list("author__username", flat=True)) == {"agent.cahors"}
    assert actions.filter(status=ActionStatus.DONE).count() > actions.count() / 2
    years = FundingLine.objects.filter(action__in=actions).values_list("year", flat=True)
    assert set(years) <= {2020, 2021, 2022, 2023}


def test_grand_cahors_needs_are_the_published_priorities(grand_cahors):
    needs = set(
        Finding.objects.filter(diagnostic__convention=grand_cahors, kind=FindingKind.NEED).values_list(
            "title", flat=True
        )
    )
    assert {
        "Renforcer et valoriser l'action des centres sociaux",
        "Créer un conseil local de la jeunesse",
        "Conforter et développer l'existant en termes d'accueil des 0/3 ans",
        "Accueil inclusif dans les ALSH",
        "Conforter les services publics en proximité",
    } <= needs


def test_la_cali_keeps_the_official_communes_and_the_2017_perimeter(la_cali):
    assert la_cali.epci.siren == "200070092"
    assert la_cali.epci.short_name == "La Cali"
    assert la_cali.epci.member_communes.count() == 45
    assert "46 communes et 88 000 habitants" in la_cali.perimeter_note
    values_2017 = IndicatorValue.objects.filter(diagnostic__convention=la_cali, territory=la_cali.epci, year=2017)
    assert {(value.indicator.code, int(value.value)) for value in values_2017} == {
        ("nombre-communes", 46),
        ("population", 88_000),
    }


def test_la_cali_is_in_diagnostic_without_an_action_plan(la_cali):
    assert (la_cali.status, la_cali.drafting_phase) == (ConventionStatus.DRAFT, DraftingPhase.DIAGNOSTIC)
    assert not hasattr(la_cali, "action_plan")
    assert "gens-du-voyage" in set(la_cali.domains.values_list("code", flat=True))
    assert la_cali.parties.filter(role=PartyRole.SIGNATORY, organisation__kind="caf").exists()


def test_la_cali_diagnostic_records_coutras_priority_neighbourhood(la_cali):
    coutras = Organisation.objects.get(insee_code="33138")
    assert coutras.epci_id == la_cali.epci_id
    value = IndicatorValue.objects.get(
        diagnostic__convention=la_cali, territory=coutras, indicator__code="qpv-population"
    )
    assert int(value.value) == 1_150
    assert Finding.objects.filter(
        diagnostic__convention=la_cali, domain__code="politique-de-la-ville", title__contains="10 juillet 2015"
    ).exists()


def test_grand_cahors_epci_has_its_official_communes(grand_cahors):
    assert grand_cahors.epci.siren == "200023737"
    assert grand_cahors.epci.member_communes.count() == 36


def test_a_second_run_creates_and_changes_nothing(demo_output):
    before = row_counts()
    report = demo_load()
    assert report.changed_nothing, (report.created, report.updated, report.relations_set)
    assert report.territories.created == report.territories.updated == 0
    # History tables included: nothing was saved again.
    assert row_counts() == before


def test_a_second_run_restores_a_changed_demo_password(demo_output):
    user = get_user_model().objects.get(username="caf.lot")
    user.set_password("un-autre-mot-de-passe")
    user.save()
    call_command("load_demo", stdout=StringIO())
    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD)


def test_a_reload_keeps_what_the_workflows_recorded(grand_cahors):
    signing_user = get_user_model().objects.create_user("valerie.guillon")
    guillon = grand_cahors.parties.get(representative__full_name="Valérie Guillon").representative
    guillon.user = signing_user
    guillon.save()
    Convention.objects.filter(pk=grand_cahors.pk).update(
        status=ConventionStatus.SIGNED, drafting_phase=DraftingPhase.ACTION_PLAN
    )
    call_command("load_demo", stdout=StringIO())
    grand_cahors.refresh_from_db()
    guillon.refresh_from_db()
    assert (grand_cahors.status, grand_cahors.drafting_phase) == (ConventionStatus.SIGNED, DraftingPhase.ACTION_PLAN)
    assert guillon.user == signing_user


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("agent.cahors", {GRAND_CAHORS}),
        ("agent.cali", {LA_CALI}),
        ("caf.lot", {GRAND_CAHORS}),
        ("caf.gironde", {LA_CALI}),
        ("copil.cahors", {GRAND_CAHORS}),
        ("admin", {GRAND_CAHORS, LA_CALI}),
    ],
)
def test_each_demo_account_sees_exactly_its_conventions(demo_output, username, expected):
    user = get_user_model().objects.get(username=username)
    assert set(Convention.objects.visible_to(user).values_list("reference", flat=True)) == expected
    assert user.check_password(DEMO_PASSWORD)


def test_the_copil_account_sees_grand_cahors_only_through_its_seat(demo_output):
    user = get_user_model().objects.get(username="copil.cahors")
    assert not user.memberships.exists()
    assert not user.is_staff


def test_the_command_prints_every_account_and_the_shared_password(demo_output):
    assert DEMO_PASSWORD in demo_output
    for account in DEMO_ACCOUNTS:
        assert account.username in demo_output
