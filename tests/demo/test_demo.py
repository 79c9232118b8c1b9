"""``manage.py load_demo``: both conventions as the texts describe them, the demo accounts, idempotency."""

import datetime
import json
import re
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from action_plans.choices import ActionStatus
from action_plans.models import Action, FundingLine
from conventions.choices import (
    ConventionStatus,
    DraftingPhase,
    GovernanceBodyKind,
    LifecycleAction,
    PartyRole,
    SignatureMethod,
)
from conventions.models import Convention, GovernanceMember, Meeting, Notification, Party, Signature
from demo.common import DEMO_ACCOUNTS
from demo.loader import demo_load
from diagnostics.choices import FindingKind
from diagnostics.models import Finding, IndicatorValue
from documents.report_selectors import copil_report_data
from partners.models import Organisation
from tests.demo_accounts import DEMO_PASSWORD
from tests.workflow.factories import make_ready_for_review
from workflow.services import lifecycle
from workflow.services.versions import sha256_of

GRAND_CAHORS, LA_CALI = "CTG-GRAND-CAHORS-2020", "CTG-LA-CALI-2024"
DEMO_APPS = ("partners", "conventions", "diagnostics", "action_plans")


pytestmark = pytest.mark.django_db

# The loader checks and sets six passwords per run: with the default hasher, that takes seconds.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker, tmp_path_factory):
    """Loads the demo once for the whole module, on the empty test database.

    The load runs in a transaction rolled back after the module's last test, and each test still runs in
    its own savepoint (pytest-django's ``db``), so what one test changes, the next does not see. The
    scans of the paper signatures go to a temporary folder.
    """
    output = StringIO()
    media = tmp_path_factory.mktemp("demo-media")
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS, MEDIA_ROOT=media, DEMO_PASSWORD=DEMO_PASSWORD),
    ):
        assert not Convention.objects.exists() and not Organisation.objects.exists()
        call_command("load_demo", "--allow-production", stdout=output)
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
    assert grand_cahors.drafting_phase == DraftingPhase.FINALISATION


def test_grand_cahors_is_signed_by_eight_rows_for_seven_people(grand_cahors):
    signatories = grand_cahors.parties.filter(role=PartyRole.SIGNATORY).select_related("representative")
    assert {(party.representative.full_name, party.representative.title) for party in signatories} == {
        ("Jean-Marc Vayssouze", "Président du Grand Cahors"),
        ("Jean-Marc Vayssouze", "Maire de Cahors"),
        ("Valérie Guillon", "Directrice de la CAF du Lot"),
        ("Bénédicte Lanes", "Vice-présidente du Grand Cahors, maire de Douelle"),
        ("Denis Marre", "Maire de Pradines"),
        ("Ludovic Dizengremel", "Maire de Mercuès"),
        ("Eric Marousseau", "Directeur adjoint de la DDCSPP"),
        ("Martine Hilt", "Adjointe à la mairie de Pradines"),
    }
    assert len(signatories) == 8
    assert signatories.filter(organisation__insee_code="46224").count() == 2  # Pradines: mayor and deputy
    # The Grand Cahors signs through its president and its vice-présidente (mayor of Douelle, which is not
    # among the communes the text lists as signatories).
    assert signatories.filter(organisation=grand_cahors.epci).count() == 2
    assert not signatories.filter(organisation__insee_code="46088").exists()


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


def test_a_second_run_creates_and_changes_nothing(demo_output, settings):
    before = row_counts()
    scans = sorted(path.name for path in settings.MEDIA_ROOT.rglob("*.pdf"))
    report = demo_load(password=DEMO_PASSWORD)
    assert report.changed_nothing, (report.created, report.updated, report.relations_set, report.histories_recorded)
    assert report.histories_recorded == []
    assert report.territories.created == report.territories.updated == 0
    # History tables, versions, signatures, status changes and notifications included: nothing was saved again.
    assert row_counts() == before
    assert sorted(path.name for path in settings.MEDIA_ROOT.rglob("*.pdf")) == scans


def test_a_second_run_restores_a_changed_demo_password(demo_output):
    user = get_user_model().objects.get(username="caf.lot")
    user.set_password("un-autre-mot-de-passe")
    user.save()
    call_command("load_demo", "--allow-production", stdout=StringIO())
    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD)


def test_a_reload_keeps_what_the_workflows_recorded(grand_cahors, la_cali):
    signing_user = get_user_model().objects.create_user("valerie.guillon")
    guillon = grand_cahors.parties.get(representative__full_name="Valérie Guillon").representative
    guillon.user = signing_user
    guillon.save()
    make_ready_for_review(la_cali)  # its first fiche, which the CAF's review needs
    lifecycle.convention_transition(
        convention=la_cali, action=LifecycleAction.SUBMIT, by=get_user_model().objects.get(username="agent.cali")
    )
    Convention.objects.filter(pk=la_cali.pk).update(drafting_phase=DraftingPhase.ACTION_PLAN)
    changes = la_cali.status_changes.count()
    call_command("load_demo", "--allow-production", stdout=StringIO())
    la_cali.refresh_from_db()
    guillon.refresh_from_db()
    assert (la_cali.status, la_cali.drafting_phase) == (ConventionStatus.IN_REVIEW, DraftingPhase.ACTION_PLAN)
    assert la_cali.status_changes.count() == changes == 1
    assert guillon.user == signing_user


def test_a_reload_never_replays_grand_cahors_history_over_what_happened_since(grand_cahors):
    # Say its staff opened an avenant while it was in force (its end date pushed back for the occasion).
    Convention.objects.filter(pk=grand_cahors.pk).update(
        status=ConventionStatus.IN_FORCE, period_end=datetime.date(2099, 12, 31)
    )
    lifecycle.convention_transition(
        convention=grand_cahors,
        action=LifecycleAction.OPEN_AMENDMENT,
        by=get_user_model().objects.get(username="agent.cahors"),
        comment="Avenant de démonstration",
    )
    grand_cahors.refresh_from_db()
    changes = grand_cahors.status_changes.count()
    report = demo_load(password=DEMO_PASSWORD)
    grand_cahors.refresh_from_db()
    assert report.histories_recorded == []
    assert (grand_cahors.status, grand_cahors.amendment_number) == (ConventionStatus.DRAFT, 1)
    assert grand_cahors.status_changes.count() == changes
    assert grand_cahors.versions.count() == 1


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("agent.cahors", {GRAND_CAHORS}),
        ("agent.cali", {LA_CALI}),
        ("caf.lot", {GRAND_CAHORS}),
        ("caf.gironde", {LA_CALI}),
        ("copil.cahors", {GRAND_CAHORS}),
        ("signataire.cali", {LA_CALI}),
        ("signataire.caf33", {LA_CALI}),
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


def test_without_debug_the_command_refuses_to_load_the_demo(db, settings):
    settings.DEBUG = False
    settings.DEMO_PASSWORD = ""
    before = row_counts()
    with pytest.raises(CommandError, match=r"Démonstration non chargée\s: DEBUG est désactivé.*--allow-production"):
        call_command("load_demo", stdout=StringIO())
    assert row_counts() == before


def test_without_demo_password_each_run_draws_a_new_random_password(demo_output, settings):
    """No password written in the source: each run prints its own, and it is the one that works."""
    settings.DEBUG = True
    settings.DEMO_PASSWORD = ""
    passwords = []
    for _run in range(2):
        output = StringIO()
        call_command("load_demo", stdout=output)
        printed = re.search(r"mot de passe commun\s:\s(\S+)\)", output.getvalue())
        assert printed, output.getvalue()
        passwords.append(printed.group(1))
        assert get_user_model().objects.get(username="admin").check_password(passwords[-1])
    assert passwords[0] != passwords[1]
    assert len(passwords[1]) >= 16 and DEMO_PASSWORD not in passwords


def test_the_demo_accounts_take_demo_password_when_it_is_set(demo_output, settings):
    settings.DEMO_PASSWORD = "choisi-par-l-exploitant"
    output = StringIO()
    call_command("load_demo", "--allow-production", stdout=output)
    assert re.search(r"mot de passe commun\s:\schoisi-par-l-exploitant\)", output.getvalue())
    assert "tiré au hasard" not in output.getvalue()
    assert get_user_model().objects.get(username="admin").check_password("choisi-par-l-exploitant")


# --- Grand Cahors' review and signature, replayed through the services ----------------------------


def test_grand_cahors_is_expired_today_as_the_calendar_recorded_it(grand_cahors):
    assert grand_cahors.current_status == ConventionStatus.EXPIRED
    assert grand_cahors.status == ConventionStatus.EXPIRED  # recorded, not only computed on read
    assert grand_cahors.approved_version is None
    assert grand_cahors.signed_version.number == 1
    assert grand_cahors.amendment_number == 0


def test_grand_cahors_version_1_was_approved_by_the_caf_officer_and_is_intact(grand_cahors):
    version = grand_cahors.signed_version
    assert version.approved_by.username == "caf.lot"
    assert timezone.localtime(version.approved_at).date() == datetime.date(2020, 9, 7)
    assert version.is_intact
    assert sha256_of(version.content_json) == version.content_sha256
    content = version.content
    assert content["reference"] == GRAND_CAHORS
    assert len([p for p in content["parties"] if p["role"] == PartyRole.SIGNATORY]) == 8
    assert len(content["action_plan"]["orientations"]) == 5


def test_grand_cahors_version_1_carries_eight_paper_signatures_with_its_hash(grand_cahors):
    version = grand_cahors.signed_version
    signatures = list(Signature.objects.filter(version=version).select_related("party", "recorded_by"))
    assert len(signatures) == 8
    assert {s.party_id for s in signatures} == set(
        grand_cahors.parties.filter(role=PartyRole.SIGNATORY).values_list("pk", flat=True)
    )
    for signature in signatures:
        assert signature.method == SignatureMethod.PAPER
        assert signature.voided_at is None
        assert signature.version_sha256 == version.content_sha256
        assert signature.place == "Cahors"
        assert timezone.localtime(signature.signed_at).date() == datetime.date(2020, 9, 21)
        assert signature.recorded_by.username == "agent.cahors"
        assert signature.signer_name == signature.party.representative.full_name
        assert signature.signer_title == signature.party.representative.title


def test_grand_cahors_signatures_were_recorded_in_signing_order(grand_cahors):
    orders = list(
        Signature.objects.filter(version=grand_cahors.signed_version)
        .order_by("recorded_at", "pk")
        .values_list("party__signing_order", flat=True)
    )
    assert orders == sorted(orders) == [1, 1, 1, 2, 2, 2, 2, 2]  # the Grand Cahors (twice) and the CAF first


def test_each_paper_signature_has_a_scan_saying_it_is_a_demonstration_stand_in(grand_cahors):
    signature = Signature.objects.filter(version=grand_cahors.signed_version).first()
    with signature.scan.open("rb") as scan:
        assert scan.read(5) == b"%PDF-"
        scan.seek(0)
        text = " ".join(page.extract_text() for page in PdfReader(scan).pages)
    assert "DÉMONSTRATION" in text
    assert "n'est pas public" in text
    assert grand_cahors.signed_version.content_sha256 in text.replace("\n", "").replace(" ", "")


def test_grand_cahors_timeline_tells_the_story_in_order(grand_cahors):
    changes = list(grand_cahors.status_changes.select_related("actor").order_by("occurred_at", "pk"))
    story = [
        (change.action, change.to_status, change.actor.username if change.actor else "", str(local_day(change)))
        for change in changes
    ]
    assert story == [
        (LifecycleAction.SUBMIT, ConventionStatus.IN_REVIEW, "agent.cahors", "2020-08-24"),
        (LifecycleAction.APPROVE, ConventionStatus.APPROVED, "caf.lot", "2020-09-07"),
        (LifecycleAction.OPEN_SIGNATURE, ConventionStatus.IN_SIGNATURE, "agent.cahors", "2020-09-14"),
        (LifecycleAction.COMPLETE_SIGNATURE, ConventionStatus.SIGNED, "agent.cahors", "2020-09-21"),
        (LifecycleAction.ENTER_INTO_FORCE, ConventionStatus.IN_FORCE, "", "2020-09-21"),
        (LifecycleAction.EXPIRE, ConventionStatus.EXPIRED, "", "2024-01-01"),
    ]
    assert {change.version_id for change in changes[1:]} == {grand_cahors.signed_version_id}


def local_day(change) -> datetime.date:
    return timezone.localtime(change.occurred_at).date()


def test_the_replayed_history_writes_no_e_mail(grand_cahors):
    assert grand_cahors.status_changes.count() == 6
    assert not Notification.objects.filter(convention=grand_cahors).exists()


def test_the_command_says_where_grand_cahors_stands(demo_output, grand_cahors):
    assert "Échue" in demo_output
    assert grand_cahors.signed_version.short_hash in demo_output


# --- La Cali: a draft to play the workflow on ------------------------------------------------------


def test_la_cali_has_fictional_signatories_two_with_accounts_and_coutras_on_paper(la_cali):
    signatories = {
        party.organisation.name: (party.signing_order, party.representative.full_name, party.representative.user)
        for party in la_cali.parties.filter(role=PartyRole.SIGNATORY).select_related(
            "organisation", "representative__user"
        )
    }
    coutras = Organisation.objects.get(insee_code="33138")
    assert len(signatories) == 3
    assert signatories[la_cali.epci.name][:2] == (1, "Pierre Exemple")
    assert signatories[la_cali.epci.name][2].username == "signataire.cali"
    caf = la_cali.parties.get(organisation__kind="caf").organisation.name
    assert signatories[caf][:2] == (1, "Anne Exemple")
    assert signatories[caf][2].username == "signataire.caf33"
    assert signatories[coutras.name] == (2, "Louis Exemple", None)
    # Fictional, and said so on the convention's pages, never in the titles printed in the signed text.
    titles = la_cali.parties.filter(role=PartyRole.SIGNATORY).values_list("representative__title", flat=True)
    assert not any("fictive" in title for title in titles)
    assert "personnes fictives" in la_cali.page_notice


def test_la_cali_has_no_history_and_no_version_yet(la_cali):
    assert la_cali.status == ConventionStatus.DRAFT
    assert not la_cali.status_changes.exists()
    assert not la_cali.versions.exists()


def test_a_party_still_waiting_for_its_representative_receives_it_on_reload(la_cali):
    """A database loaded before La Cali's signatories were designated gets them, without a duplicate."""
    party = la_cali.parties.get(organisation=la_cali.epci)
    Party.objects.filter(pk=party.pk).update(representative=None)
    report = demo_load(password=DEMO_PASSWORD)
    party.refresh_from_db()
    assert party.representative.full_name == "Pierre Exemple"
    assert la_cali.parties.filter(organisation=la_cali.epci).count() == 1
    assert report.updated["conventions.Party"] == 1


def test_a_replayed_history_writes_and_sends_no_e_mail(la_cali, django_capture_on_commit_callbacks):
    """The same replay on La Cali, committed: the services write no notice, so nothing is sent."""
    from django.core import mail

    from demo.history import record_signed_history
    from demo.schema import SignedHistoryRow

    users = {
        user.username: user for user in get_user_model().objects.filter(username__in=["agent.cali", "caf.gironde"])
    }
    row = SignedHistoryRow(
        submitted_by="agent.cali",
        submitted_at=datetime.datetime(2024, 2, 1, 10, 0),
        submission_comment="",
        approved_by="caf.gironde",
        approved_at=datetime.datetime(2024, 2, 10, 10, 0),
        approval_comment="",
        signature_opened_by="agent.cali",
        signature_opened_at=datetime.datetime(2024, 2, 12, 10, 0),
        signature_opening_comment="",
        signed_on=datetime.date(2024, 2, 20),
        place="Libourne",
        recorded_by="agent.cali",
        recorded_at=datetime.datetime(2024, 2, 21, 10, 0),
    )
    make_ready_for_review(la_cali)  # its first fiche, which the CAF's review needs
    with django_capture_on_commit_callbacks(execute=True):
        assert record_signed_history(la_cali, row, users)
    assert la_cali.signed_version.signatures.count() == 3
    assert not Notification.objects.filter(convention=la_cali).exists()
    assert mail.outbox == []
    assert not record_signed_history(la_cali, row, users), "a convention with a timeline is never replayed"


# --- Grand Cahors' follow-up, dated when it happened ------------------------------------------------


def test_grand_cahors_has_a_copil_and_a_cotech_every_year_of_its_period(grand_cahors):
    for kind in (GovernanceBodyKind.STEERING_COMMITTEE, GovernanceBodyKind.TECHNICAL_COMMITTEE):
        body = grand_cahors.governance_bodies.get(kind=kind)
        years = set(body.meetings.values_list("held_on__year", flat=True))
        assert years >= {2020, 2021, 2022, 2023}, kind


def test_the_2023_copil_report_shows_2023_figures_that_agree_with_its_decisions(grand_cahors):
    meeting = Meeting.objects.get(body__convention=grand_cahors, held_on=datetime.date(2023, 11, 28))
    report = copil_report_data(meeting)
    assert not report.live and not report.reconstructed
    counts = {status: count for status, _label, count in report.status_counts}
    # « Six fiches actions sont réalisées ; les fiches 1.1 et 5.1 s'achèveront … ; une suspendue, une abandonnée »
    assert counts == {
        ActionStatus.UPCOMING: 0,
        ActionStatus.IN_PROGRESS: 2,
        ActionStatus.DONE: 6,
        ActionStatus.LATE: 0,
        ActionStatus.SUSPENDED: 1,
        ActionStatus.ABANDONED: 1,
    }
    assert {state.action.code for state in report.actions if state.status == ActionStatus.IN_PROGRESS} == {"1.1", "5.1"}
    assert "Six fiches actions sont réalisées" in report.decisions[0]
    total = report.funding_total
    assert 0 < total.paid < total.granted <= total.planned
    assert all(state.current is not None for state in report.indicators)
    # 2023's grants are granted, not yet all paid; the 2.1 line of 2023 was paid in October.
    assert total.granted - total.paid == sum(
        line.amount
        for line in FundingLine.objects.filter(action__orientation__plan__convention=grand_cahors)
        if line.status == "granted"
    )


def test_the_2021_copil_report_shows_the_plan_as_it_stood_in_2021(grand_cahors):
    meeting = Meeting.objects.get(body__convention=grand_cahors, held_on=datetime.date(2021, 12, 14))
    report = copil_report_data(meeting)
    assert not report.reconstructed
    assert {state.status for state in report.actions} == {ActionStatus.IN_PROGRESS}
    assert report.late_count == 0
    assert report.funding_total.paid > 0


def test_grand_cahors_history_is_dated_before_the_convention_ended(grand_cahors):
    end = timezone.make_aware(datetime.datetime(2024, 1, 1))
    for model in (Action, FundingLine):
        history = model.history.filter(
            id__in=model.objects.filter(
                **{
                    "orientation__plan__convention"
                    if model is Action
                    else "action__orientation__plan__convention": grand_cahors
                }
            ).values("pk")
        )
        assert history.exists() and not history.filter(history_date__gte=end).exists(), model


def test_the_copil_reports_are_approved_by_who_recorded_it(grand_cahors):
    meeting = Meeting.objects.get(body__convention=grand_cahors, held_on=datetime.date(2023, 11, 28))
    assert meeting.report_approved_on == datetime.date(2023, 12, 12)
    assert meeting.report_approver_name == "Sophie Lacombe"
    assert meeting.report_approved_by.username == "agent.cahors"


def test_no_demo_disclaimer_is_printed_in_a_signed_text(grand_cahors):
    text = json.dumps(grand_cahors.signed_version.content, ensure_ascii=False).lower()
    for aside in ("démonstration", "illustrati", "fictive", "relais petite enfance"):
        assert aside not in text, aside
    assert "relais assistants maternels" in text
    assert "illustratif" in grand_cahors.page_notice


def test_the_page_notice_is_on_the_conventions_pages(client, grand_cahors):
    client.force_login(get_user_model().objects.get(username="agent.cahors"))
    page = client.get(reverse("workflow:detail", args=[grand_cahors.pk])).content.decode()
    assert 'id="convention-page-notice"' in page and "Convention de démonstration" in page
