"""The editing services: orientations and fiches actions, their rules, and no lost update."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from action_plans import history, inputs, selectors
from action_plans.choices import ActionStatus, FundingStatus
from action_plans.inputs import ActionInput, FundingLineInput, IndicatorInput
from action_plans.models import Action, ActionPlan, EvaluationIndicator, FundingLine, StrategicOrientation
from action_plans.services import actions, conflicts, orientations
from action_plans.services.conflicts import EditConflict
from conventions.choices import ConventionStatus
from ctg_portal.errors import NotAllowed, PortalError
from ctg_portal.typography import french_text
from diagnostics.choices import FindingKind, Priority
from partners.choices import MembershipRole
from tests.action_plans.factories import (
    ActionFactory,
    EvaluationIndicatorFactory,
    FundingLineFactory,
    ProgressUpdateFactory,
    StrategicOrientationFactory,
    convention_ready_for_editing,
)
from tests.conventions.factories import ConventionFactory, domain, force_status
from tests.diagnostics.factories import FindingFactory
from tests.partners.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    return convention_ready_for_editing()


@pytest.fixture
def staff(convention):
    return MembershipFactory(organisation=convention.epci, user__first_name="Sophie", user__last_name="Lacombe").user


@pytest.fixture
def orientation(convention):
    return StrategicOrientationFactory(plan__convention=convention, position=1)


def caf_of(convention):
    return convention.parties.get(organisation__kind="caf").organisation


def need_of(convention):
    return convention.diagnostic.findings.filter(kind=FindingKind.NEED).first()


def fiche_input(convention, **overrides) -> ActionInput:
    values = {
        "code": "1.1",
        "title": "Ouvrir une micro-crèche",
        "domain": domain("petite-enfance"),
        "pilot": convention.epci,
        "start_date": datetime.date(2024, 3, 1),
        "end_date": datetime.date(2026, 6, 30),
        "objectives": "Dix places de plus.",
        "target_public": "Familles",
        "priority": Priority.HIGH,
        "partners": [caf_of(convention)],
        "answered_needs": [need_of(convention)],
        "funding_lines": [
            FundingLineInput(funder=caf_of(convention), year=2024, amount=Decimal("12500.50"), scheme="PSU"),
            FundingLineInput(funder=convention.epci, year=2025, amount=Decimal("8000")),
        ],
        "indicators": [IndicatorInput(label="Places créées", unit="places", baseline=Decimal(0), target=Decimal(10))],
    }
    values.update(overrides)
    return ActionInput(**values)


def input_from(action: Action, **overrides) -> ActionInput:
    """The input a form showing ``action`` as stored would send back."""
    values = {
        **{name: getattr(action, name) for name in inputs.CONTRACTUAL_ACTION_FIELDS},
        "status": action.status,
        "progress": action.progress,
        "partners": list(action.partners.all()),
        "answered_needs": list(action.answered_needs.all()),
        "funding_lines": [
            FundingLineInput(
                id=line.pk,
                funder=line.funder,
                year=line.year,
                amount=line.amount,
                scheme=line.scheme,
                status=line.status,
            )
            for line in action.funding_lines.all()
        ],
        "indicators": [
            IndicatorInput(
                id=line.pk,
                label=line.label,
                unit=line.unit,
                baseline=line.baseline,
                target=line.target,
                current_value=line.current_value,
            )
            for line in action.evaluation_indicators.all()
        ],
    }
    values.update(overrides)
    return ActionInput(**values)


def snapshot(action: Action) -> tuple:
    """Everything stored about a fiche, to show that a refused call changed nothing."""
    action = Action.objects.get(pk=action.pk)
    return (
        [getattr(action, f.attname) for f in Action._meta.concrete_fields],
        sorted(action.partners.values_list("pk", flat=True)),
        sorted(action.answered_needs.values_list("pk", flat=True)),
        list(FundingLine.objects.filter(action=action).order_by("pk").values()),
        list(EvaluationIndicator.objects.filter(action=action).order_by("pk").values()),
    )


@pytest.fixture
def fiche(convention, orientation, staff):
    return actions.action_create(orientation=orientation, data=fiche_input(convention), by=staff)


# --- Orientations ---------------------------------------------------------------------------------


def test_the_first_orientation_creates_the_action_plan(convention, staff):
    assert not ActionPlan.objects.filter(convention=convention).exists()
    orientation = orientations.orientation_create(
        convention=convention, title="  Accueillir les tout-petits ", by=staff
    )
    assert orientation.plan.convention == convention
    assert (orientation.position, orientation.title) == (1, "Accueillir les tout-petits")
    assert orientation.history.get().history_user == staff
    assert orientation.plan.history.get().history_user == staff


def test_orientations_are_numbered_in_order(convention, staff):
    first = orientations.orientation_create(convention=convention, title="Une", by=staff)
    second = orientations.orientation_create(convention=convention, title="Deux", by=staff)
    assert (first.position, second.position) == (1, 2)
    assert ActionPlan.objects.filter(convention=convention).count() == 1


def test_an_orientation_needs_a_title(convention, staff):
    with pytest.raises(ValidationError) as error:
        orientations.orientation_create(convention=convention, title="   ", by=staff)
    assert "title" in error.value.message_dict
    assert not StrategicOrientation.objects.exists()


@pytest.mark.parametrize("status", [ConventionStatus.IN_REVIEW, ConventionStatus.SIGNED, ConventionStatus.IN_FORCE])
def test_orientations_are_frozen_once_the_convention_leaves_drafting(convention, staff, status):
    force_status(convention, status)
    with pytest.raises(NotAllowed) as error:
        orientations.orientation_create(convention=convention, title="Trop tard", by=staff)
    assert convention.get_current_status_display() in str(error.value)
    assert not StrategicOrientation.objects.exists()


def test_a_reader_cannot_create_an_orientation(convention):
    reader = MembershipFactory(organisation=convention.epci, role=MembershipRole.READER).user
    with pytest.raises(NotAllowed):
        orientations.orientation_create(convention=convention, title="Non", by=reader)


def test_the_changes_requested_status_is_editable_again(convention, staff):
    force_status(convention, ConventionStatus.CHANGES_REQUESTED)
    assert orientations.orientation_create(convention=convention, title="Reprise", by=staff).position == 1


def test_orientation_update_records_the_author(orientation, staff):
    orientations.orientation_update(orientation=orientation, title="Nouveau titre", description="Détail", by=staff)
    orientation.refresh_from_db()
    assert (orientation.title, orientation.description) == ("Nouveau titre", "Détail")
    assert orientation.history.latest().history_user == staff


def test_orientation_update_refused_when_frozen(orientation, staff):
    convention = orientation.plan.convention
    force_status(convention, ConventionStatus.SIGNED)
    with pytest.raises(NotAllowed):
        orientations.orientation_update(orientation=orientation, title="Interdit", by=staff)
    orientation.refresh_from_db()
    assert orientation.title != "Interdit"


def test_moving_orientations_swaps_their_numbers(convention, staff):
    first, second, third = (
        orientations.orientation_create(convention=convention, title=title, by=staff) for title in ("A", "B", "C")
    )
    orientations.orientation_move(orientation=third, direction="up", by=staff)
    assert list(StrategicOrientation.objects.order_by("position").values_list("title", flat=True)) == ["A", "C", "B"]
    orientations.orientation_move(orientation=first, direction="down", by=staff)
    assert list(StrategicOrientation.objects.order_by("position").values_list("title", flat=True)) == ["C", "A", "B"]
    assert sorted(StrategicOrientation.objects.values_list("position", flat=True)) == [1, 2, 3]
    assert second.history.latest().history_user == staff


def test_moving_the_first_orientation_up_changes_nothing(convention, staff):
    first = orientations.orientation_create(convention=convention, title="A", by=staff)
    orientations.orientation_create(convention=convention, title="B", by=staff)
    orientations.orientation_move(orientation=first, direction="up", by=staff)
    first.refresh_from_db()
    assert first.position == 1


def test_moving_needs_a_direction(orientation, staff):
    with pytest.raises(ValidationError):
        orientations.orientation_move(orientation=orientation, direction="sideways", by=staff)


def test_deleting_an_orientation_deletes_the_confirmed_fiches_and_renumbers(convention, staff):
    first = orientations.orientation_create(convention=convention, title="A", by=staff)
    second = orientations.orientation_create(convention=convention, title="B", by=staff)
    action = ActionFactory(orientation=first)
    FundingLineFactory(action=action)
    orientations.orientation_delete(orientation=first, confirmed_action_ids=[action.pk], by=staff)
    assert not Action.objects.filter(pk=action.pk).exists()
    assert not FundingLine.objects.exists()
    second.refresh_from_db()
    assert second.position == 1
    assert StrategicOrientation.history.filter(history_type="-").get().history_user == staff
    assert Action.history.filter(history_type="-").get().history_user == staff
    assert FundingLine.history.filter(history_type="-").get().history_user == staff


def test_deleting_an_orientation_refused_if_its_fiches_changed_since_the_confirmation(orientation, staff):
    shown = ActionFactory(orientation=orientation)
    ActionFactory(orientation=orientation)  # added after the confirmation page was shown
    with pytest.raises(PortalError):
        orientations.orientation_delete(orientation=orientation, confirmed_action_ids=[shown.pk], by=staff)
    assert Action.objects.filter(orientation=orientation).count() == 2


def test_deleting_an_orientation_refused_to_a_reader(orientation):
    reader = MembershipFactory(organisation=orientation.plan.convention.epci, reader=True).user
    with pytest.raises(NotAllowed):
        orientations.orientation_delete(orientation=orientation, confirmed_action_ids=[], by=reader)
    assert StrategicOrientation.objects.filter(pk=orientation.pk).exists()


# --- Creating a fiche -----------------------------------------------------------------------------


def test_creating_a_fiche_with_its_funding_and_indicators(convention, orientation, staff):
    action = actions.action_create(orientation=orientation, data=fiche_input(convention), by=staff)
    action = Action.objects.get(pk=action.pk)
    assert (action.code, action.title, action.position, action.lock_version) == ("1.1", "Ouvrir une micro-crèche", 1, 0)
    assert list(action.partners.all()) == [caf_of(convention)]
    assert list(action.answered_needs.all()) == [need_of(convention)]
    lines = list(action.funding_lines.order_by("year"))
    assert [(line.year, line.amount, line.status) for line in lines] == [
        (2024, Decimal("12500.50"), FundingStatus.PLANNED),
        (2025, Decimal("8000.00"), FundingStatus.PLANNED),
    ]
    indicator = action.evaluation_indicators.get()
    assert (indicator.label, indicator.target, indicator.position) == ("Places créées", Decimal(10), 1)
    assert action.history.earliest().history_user == staff
    assert {record.history_user for record in FundingLine.history.all()} == {staff}


def test_a_second_fiche_comes_after_the_first(convention, orientation, staff, fiche):
    second = actions.action_create(orientation=orientation, data=fiche_input(convention, code="1.2"), by=staff)
    assert second.position == fiche.position + 1


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"title": "  "}, "title"),
        ({"code": ""}, "code"),
        ({"start_date": datetime.date(2023, 12, 31)}, "start_date"),
        ({"end_date": datetime.date(2028, 1, 1)}, "end_date"),
        ({"start_date": datetime.date(2025, 1, 1), "end_date": datetime.date(2024, 1, 1)}, "end_date"),
        ({"progress": 101}, "progress"),
        ({"progress": -1}, "progress"),
        ({"status": "finished"}, "status"),
        ({"priority": 9}, "priority"),
        ({"domain": None}, "domain"),
    ],
)
def test_creating_a_fiche_refuses_bad_values(convention, orientation, staff, overrides, key):
    with pytest.raises(ValidationError) as error:
        actions.action_create(orientation=orientation, data=fiche_input(convention, **overrides), by=staff)
    assert key in error.value.message_dict
    assert not Action.objects.exists()
    assert not FundingLine.objects.exists()


def test_the_dates_message_names_the_period(convention, orientation, staff):
    with pytest.raises(ValidationError) as error:
        actions.action_create(
            orientation=orientation, data=fiche_input(convention, start_date=datetime.date(2020, 1, 1)), by=staff
        )
    assert "01/01/2024" in error.value.message_dict["start_date"][0]
    assert "31/12/2027" in error.value.message_dict["start_date"][0]


def test_a_pilot_that_is_not_a_party_is_refused(convention, orientation, staff):
    outsider = OrganisationFactory(name="Association hors convention")
    with pytest.raises(ValidationError) as error:
        actions.action_create(orientation=orientation, data=fiche_input(convention, pilot=outsider), by=staff)
    assert error.value.message_dict["pilot"] == ["Le pilote doit être une organisation partie à la convention."]
    assert not Action.objects.exists()


def test_the_communes_and_the_caf_party_may_pilot(convention, orientation, staff):
    commune = convention.parties.get(organisation__kind="commune").organisation
    action = actions.action_create(orientation=orientation, data=fiche_input(convention, pilot=commune), by=staff)
    assert action.pilot == commune


def test_a_domain_outside_the_convention_is_refused(convention, orientation, staff):
    with pytest.raises(ValidationError) as error:
        actions.action_create(
            orientation=orientation, data=fiche_input(convention, domain=domain("acces-aux-droits")), by=staff
        )
    assert "domain" in error.value.message_dict


def test_a_need_of_another_diagnostic_is_refused(convention, orientation, staff):
    other_need = FindingFactory()
    with pytest.raises(ValidationError) as error:
        actions.action_create(
            orientation=orientation, data=fiche_input(convention, answered_needs=[other_need]), by=staff
        )
    assert "answered_needs" in error.value.message_dict


def test_a_strength_is_not_a_need(convention, orientation, staff):
    strength = convention.diagnostic.findings.get(kind=FindingKind.STRENGTH)
    with pytest.raises(ValidationError):
        actions.action_create(
            orientation=orientation, data=fiche_input(convention, answered_needs=[strength]), by=staff
        )


def test_a_partner_from_another_territory_is_refused(convention, orientation, staff):
    elsewhere = OrganisationFactory(commune=True, epci=OrganisationFactory(intercommunality=True))
    with pytest.raises(ValidationError) as error:
        actions.action_create(orientation=orientation, data=fiche_input(convention, partners=[elsewhere]), by=staff)
    assert "partners" in error.value.message_dict


def test_partners_offered_are_parties_communes_and_local_associations(convention):
    commune_not_party = OrganisationFactory(commune=True, epci=convention.epci)
    association = OrganisationFactory(name="Centre social du Causse")
    other_epci = OrganisationFactory(intercommunality=True)
    offered = selectors.allowed_partners(convention=convention)
    assert convention.epci in offered and caf_of(convention) in offered
    assert commune_not_party in offered and association in offered
    assert other_epci not in offered


def test_a_duplicate_code_in_the_orientation_is_refused(convention, orientation, staff, fiche):
    with pytest.raises(ValidationError) as error:
        actions.action_create(orientation=orientation, data=fiche_input(convention, code=" 1.1 "), by=staff)
    assert error.value.message_dict["code"] == ["Une autre fiche action de cette orientation porte déjà ce code."]
    assert Action.objects.count() == 1


def test_the_same_code_in_another_orientation_is_fine(convention, orientation, staff, fiche):
    other = StrategicOrientationFactory(plan=orientation.plan, position=2)
    assert actions.action_create(orientation=other, data=fiche_input(convention), by=staff).code == "1.1"


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"amount": Decimal("-1")}, "amount"),
        ({"amount": None}, "amount"),
        ({"year": 2023}, "year"),
        ({"year": 2028}, "year"),
        ({"funder": None}, "funder"),
        ({"status": "stolen"}, "status"),
    ],
)
def test_bad_funding_lines_are_refused_with_their_row(convention, orientation, staff, line, field):
    lines = [
        FundingLineInput(funder=caf_of(convention), year=2024, amount=Decimal(1), row=0),
        FundingLineInput(**{"funder": caf_of(convention), "year": 2025, "amount": Decimal(1), "row": 3, **line}),
    ]
    with pytest.raises(ValidationError) as error:
        actions.action_create(orientation=orientation, data=fiche_input(convention, funding_lines=lines), by=staff)
    assert list(error.value.message_dict) == [f"funding-3-{field}"]
    assert not Action.objects.exists()


def test_two_identical_funding_lines_are_refused(convention, orientation, staff):
    caf = caf_of(convention)
    lines = [
        FundingLineInput(funder=caf, year=2024, amount=Decimal(1), scheme="PSU"),
        FundingLineInput(funder=caf, year=2024, amount=Decimal(2), scheme=" PSU "),
    ]
    with pytest.raises(ValidationError) as error:
        actions.action_create(orientation=orientation, data=fiche_input(convention, funding_lines=lines), by=staff)
    assert "funding-1-scheme" in error.value.message_dict


def test_an_indicator_needs_a_label(convention, orientation, staff):
    with pytest.raises(ValidationError) as error:
        actions.action_create(
            orientation=orientation, data=fiche_input(convention, indicators=[IndicatorInput(label=" ")]), by=staff
        )
    assert "indicators-0-label" in error.value.message_dict


@pytest.mark.parametrize("status", [ConventionStatus.IN_REVIEW, ConventionStatus.SIGNED])
def test_no_new_fiche_once_frozen(convention, orientation, staff, status):
    force_status(convention, status)
    with pytest.raises(NotAllowed):
        actions.action_create(orientation=orientation, data=fiche_input(convention), by=staff)
    assert not Action.objects.exists()


def test_a_caf_officer_cannot_create_a_fiche(convention, orientation):
    officer = MembershipFactory(organisation=caf_of(convention)).user
    with pytest.raises(NotAllowed):
        actions.action_create(orientation=orientation, data=fiche_input(convention), by=officer)


# --- Updating a fiche -----------------------------------------------------------------------------


def test_updating_a_fiche_claims_the_next_version(convention, staff, fiche):
    data = input_from(fiche, title="Ouvrir deux micro-crèches", progress=20, status=ActionStatus.IN_PROGRESS)
    saved = actions.action_update(action=fiche, data=data, expected_version=0, by=staff)
    fiche.refresh_from_db()
    assert (fiche.title, fiche.progress, fiche.lock_version) == ("Ouvrir deux micro-crèches", 20, 1)
    assert saved.lock_version == 1
    assert fiche.history.latest().history_user == staff


def test_saving_an_unchanged_fiche_writes_nothing(fiche, staff):
    records = fiche.history.count()
    actions.action_update(action=fiche, data=input_from(fiche), expected_version=0, by=staff)
    fiche.refresh_from_db()
    assert fiche.lock_version == 0
    assert fiche.history.count() == records


def test_text_sent_by_browsers_with_crlf_is_not_a_change(fiche, staff):
    fiche.objectives = "Ligne un\nLigne deux"
    fiche.save()
    data = input_from(fiche, objectives="Ligne un\r\nLigne deux\r\n")
    actions.action_update(action=fiche, data=data, expected_version=0, by=staff)
    fiche.refresh_from_db()
    assert fiche.lock_version == 0


def test_funding_lines_are_added_changed_and_deleted(convention, staff, fiche):
    data = input_from(fiche)
    first, second = data.funding_lines
    first.amount = Decimal("13000")
    second.delete = True
    data.funding_lines.append(FundingLineInput(funder=caf_of(convention), year=2026, amount=Decimal(500)))
    actions.action_update(action=fiche, data=data, expected_version=0, by=staff)
    assert sorted(fiche.funding_lines.values_list("year", "amount")) == [
        (2024, Decimal("13000.00")),
        (2026, Decimal("500.00")),
    ]
    fiche.refresh_from_db()
    assert fiche.lock_version == 1, "a change to a funding line is a change to the fiche"
    assert FundingLine.history.filter(history_type="-").get().history_user == staff


def test_lines_that_no_row_mentions_are_kept(fiche, staff):
    data = input_from(fiche, funding_lines=[], indicators=[], title="Autre titre")
    actions.action_update(action=fiche, data=data, expected_version=0, by=staff)
    assert fiche.funding_lines.count() == 2
    assert fiche.evaluation_indicators.count() == 1


def test_a_line_of_another_fiche_is_never_touched(convention, orientation, staff, fiche):
    other = ActionFactory(orientation=orientation, code="Z.9")
    foreign = FundingLineFactory(action=other, amount=Decimal(7), year=2024)
    row = FundingLineInput(id=foreign.pk, funder=convention.epci, year=2027, amount=Decimal(1))
    actions.action_update(action=fiche, data=input_from(fiche, funding_lines=[row]), expected_version=0, by=staff)
    foreign.refresh_from_db()
    assert (foreign.action, foreign.amount) == (other, Decimal(7))
    assert fiche.funding_lines.filter(year=2027).exists(), "the row became a new line of this fiche"
    row = FundingLineInput(id=foreign.pk, funder=foreign.funder, year=2024, amount=Decimal(7), delete=True)
    actions.action_update(action=fiche, data=input_from(fiche, funding_lines=[row]), expected_version=1, by=staff)
    assert FundingLine.objects.filter(pk=foreign.pk).exists()


def test_a_duplicate_with_an_unmentioned_line_is_refused(convention, staff, fiche):
    row = FundingLineInput(funder=caf_of(convention), year=2024, amount=Decimal(1), scheme="PSU", row=0)
    with pytest.raises(ValidationError) as error:
        actions.action_update(action=fiche, data=input_from(fiche, funding_lines=[row]), expected_version=0, by=staff)
    assert "funding-0-scheme" in error.value.message_dict


def test_changing_the_pilot_to_a_non_party_is_refused(fiche, staff):
    before = snapshot(fiche)
    with pytest.raises(ValidationError) as error:
        actions.action_update(
            action=fiche, data=input_from(fiche, pilot=OrganisationFactory()), expected_version=0, by=staff
        )
    assert "pilot" in error.value.message_dict
    assert snapshot(fiche) == before


def test_a_pilot_no_longer_party_does_not_block_other_changes(convention, staff, fiche):
    commune = convention.parties.get(organisation__kind="commune")
    fiche.pilot = commune.organisation
    fiche.save()
    commune.delete()
    actions.action_update(action=fiche, data=input_from(fiche, progress=50), expected_version=0, by=staff)
    fiche.refresh_from_db()
    assert fiche.progress == 50


# --- No lost update -------------------------------------------------------------------------------


def test_a_save_based_on_an_old_version_is_refused(convention, staff, fiche):
    colleague = MembershipFactory(organisation=convention.epci).user
    actions.action_update(
        action=fiche, data=input_from(fiche, title="Titre du collègue"), expected_version=0, by=colleague
    )
    stale = input_from(fiche, objectives="Mon objectif")  # built from the version 0 the user had opened
    stale.title = "Ouvrir une micro-crèche"
    before = snapshot(fiche)
    with pytest.raises(EditConflict) as conflict:
        actions.action_update(action=fiche, data=stale, expected_version=0, by=staff)
    assert (conflict.value.expected_version, conflict.value.current_version) == (0, 1)
    assert snapshot(fiche) == before
    fiche.refresh_from_db()
    assert fiche.title == "Titre du collègue"


def test_the_second_save_goes_through_with_the_current_version(convention, staff, fiche):
    colleague = MembershipFactory(organisation=convention.epci).user
    actions.action_update(
        action=fiche, data=input_from(fiche, title="Titre du collègue"), expected_version=0, by=colleague
    )
    actions.action_update(action=fiche, data=input_from(fiche, title="Mon titre"), expected_version=1, by=staff)
    fiche.refresh_from_db()
    assert (fiche.title, fiche.lock_version) == ("Mon titre", 2)


def test_a_funding_only_change_makes_older_forms_conflict(convention, staff, fiche):
    colleague = MembershipFactory(organisation=convention.epci).user
    data = input_from(fiche)
    data.funding_lines[0].status = FundingStatus.GRANTED
    actions.action_update(action=fiche, data=data, expected_version=0, by=colleague)
    with pytest.raises(EditConflict):
        actions.action_update(action=fiche, data=input_from(fiche, progress=5), expected_version=0, by=staff)


def test_claiming_a_version_without_a_form(fiche, staff):
    conflicts.action_claim_version(action=fiche, expected_version=None, by=staff)
    fiche.refresh_from_db()
    assert fiche.lock_version == 1
    with pytest.raises(EditConflict):
        conflicts.action_claim_version(action=fiche, expected_version=0, by=staff)


def test_what_changed_meanwhile_field_by_field(convention, staff, fiche):
    colleague = MembershipFactory(organisation=convention.epci, user__first_name="Paul", user__last_name="Marty").user
    data = input_from(fiche, title="Titre du collègue", progress=30, partners=[convention.epci])
    data.funding_lines[0].amount = Decimal("14000")
    data.funding_lines[1].delete = True
    data.funding_lines.append(FundingLineInput(funder=caf_of(convention), year=2026, amount=Decimal(900)))
    data.indicators[0].current_value = Decimal(4)
    actions.action_update(action=fiche, data=data, expected_version=0, by=colleague)

    groups = history.action_changes_since(action=fiche, version=0)

    by_element = {group.element: group for group in groups}
    fiche_changes = {change.label: (change.before, change.after) for change in by_element["Fiche action"].changes}
    assert fiche_changes["Intitulé"] == ("Ouvrir une micro-crèche", "Titre du collègue")
    assert fiche_changes["Avancement (\xa0%)"] == ("0", "30")
    assert fiche_changes["Partenaires"] == ("CAF du Causse", fiche.pilot.display_name)
    assert by_element["Fiche action"].users == ["Paul Marty"]
    kinds = {group.element: group.kind for group in groups}
    assert kinds[french_text("Financement : CAF du Causse, 2024 — PSU")] == "changed"
    assert kinds[f"Financement\xa0: {convention.epci.display_name}, 2025"] == "deleted"
    assert kinds[french_text("Financement : CAF du Causse, 2026")] == "added"
    amount = next(
        c
        for c in by_element[french_text("Financement : CAF du Causse, 2024 — PSU")].changes
        if c.label.startswith("Montant")
    )
    assert (amount.before, amount.after) == ("12\xa0500,50", "14\xa0000")
    added = by_element[french_text("Financement : CAF du Causse, 2026")]
    assert [change.label for change in added.changes] == ["Financeur", "Année", "Montant (€)", "Statut"], (
        "no empty rows"
    )
    indicator = by_element["Indicateur\xa0: Places créées"]
    assert [(c.before, c.after) for c in indicator.changes] == [("—", "4")]
    assert "Objectifs" not in fiche_changes, "unchanged fields are not listed"


def test_nothing_changed_since_the_current_version(fiche):
    assert history.action_changes_since(action=fiche, version=0) == []


# --- Frozen content: only the follow-up stays open ------------------------------------------------


@pytest.fixture
def signed_fiche(convention, fiche):
    force_status(convention, ConventionStatus.SIGNED)
    return fiche


def test_monitoring_fields_stay_editable_once_signed(staff, signed_fiche):
    data = input_from(signed_fiche, status=ActionStatus.IN_PROGRESS, progress=40)
    data.funding_lines[0].status = FundingStatus.PAID
    data.indicators[0].current_value = Decimal(3)
    actions.action_update(action=signed_fiche, data=data, expected_version=0, by=staff)
    signed_fiche.refresh_from_db()
    assert (signed_fiche.status, signed_fiche.progress) == (ActionStatus.IN_PROGRESS, 40)
    assert signed_fiche.funding_lines.get(year=2024).status == FundingStatus.PAID
    assert signed_fiche.evaluation_indicators.get().current_value == Decimal(3)


@pytest.mark.parametrize(
    "change",
    [
        lambda data: setattr(data, "title", "Nouveau titre"),
        lambda data: setattr(data, "end_date", datetime.date(2026, 12, 31)),
        lambda data: setattr(data, "partners", []),
        lambda data: setattr(data, "answered_needs", []),
        lambda data: setattr(data.funding_lines[0], "amount", Decimal(1)),
        lambda data: setattr(data.funding_lines[0], "delete", True),
        lambda data: data.funding_lines.append(FundingLineInput(funder=data.pilot, year=2025, amount=Decimal(5))),
        lambda data: setattr(data.indicators[0], "target", Decimal(99)),
        lambda data: data.indicators.append(IndicatorInput(label="Nouvel indicateur")),
    ],
)
def test_contractual_changes_are_refused_once_signed(staff, signed_fiche, change):
    data = input_from(signed_fiche, progress=60)
    change(data)
    before = snapshot(signed_fiche)
    with pytest.raises(NotAllowed) as error:
        actions.action_update(action=signed_fiche, data=data, expected_version=0, by=staff)
    assert "En vigueur" in str(error.value)
    assert snapshot(signed_fiche) == before, "nothing is saved, not even the allowed progress"


def test_a_reader_cannot_even_update_the_follow_up(convention, fiche):
    reader = MembershipFactory(organisation=convention.epci, reader=True).user
    with pytest.raises(NotAllowed):
        actions.action_update(action=fiche, data=input_from(fiche, progress=10), expected_version=0, by=reader)


def test_a_caf_officer_cannot_update_a_fiche(convention, fiche):
    officer = MembershipFactory(organisation=caf_of(convention)).user
    before = snapshot(fiche)
    with pytest.raises(NotAllowed):
        actions.action_update(action=fiche, data=input_from(fiche, progress=10), expected_version=0, by=officer)
    assert snapshot(fiche) == before


# --- Deleting and moving fiches -------------------------------------------------------------------


def test_deleting_a_fiche_deletes_its_lines_with_the_author(staff, fiche):
    ProgressUpdateFactory(action=fiche)
    actions.action_delete(action=fiche, expected_version=0, by=staff)
    assert not Action.objects.filter(pk=fiche.pk).exists()
    assert not FundingLine.objects.exists() and not EvaluationIndicator.objects.exists()
    assert {r.history_user for r in FundingLine.history.filter(history_type="-")} == {staff}
    assert Action.history.filter(history_type="-").get().history_user == staff


def test_deleting_a_fiche_saved_since_the_confirmation_is_refused(convention, staff, fiche):
    actions.action_update(action=fiche, data=input_from(fiche, progress=3), expected_version=0, by=staff)
    with pytest.raises(EditConflict):
        actions.action_delete(action=fiche, expected_version=0, by=staff)
    assert Action.objects.filter(pk=fiche.pk).exists()


def test_deleting_a_fiche_is_refused_once_signed(staff, signed_fiche):
    with pytest.raises(NotAllowed):
        actions.action_delete(action=signed_fiche, by=staff)
    assert Action.objects.filter(pk=signed_fiche.pk).exists()


def test_moving_fiches_renumbers_the_orientation(orientation, staff):
    first, second, third = (ActionFactory(orientation=orientation, code=f"1.{n}") for n in (1, 2, 3))
    actions.action_move(action=third, direction="up", by=staff)
    assert list(orientation.actions.order_by("position").values_list("code", flat=True)) == ["1.1", "1.3", "1.2"]
    actions.action_move(action=first, direction="up", by=staff)
    assert list(orientation.actions.order_by("position").values_list("position", flat=True)) == [1, 2, 3]
    assert second.history.latest().history_user == staff


def test_moving_a_fiche_is_refused_once_signed(orientation, staff):
    action = ActionFactory(orientation=orientation)
    convention = orientation.plan.convention
    force_status(convention, ConventionStatus.IN_REVIEW)
    with pytest.raises(NotAllowed):
        actions.action_move(action=action, direction="down", by=staff)


def test_evaluation_indicator_factory_rows_count_as_lines(staff, fiche):
    EvaluationIndicatorFactory(action=fiche, label="Autre", position=5)
    data = input_from(fiche)
    data.indicators.append(IndicatorInput(label="Encore un"))
    actions.action_update(action=fiche, data=data, expected_version=0, by=staff)
    assert fiche.evaluation_indicators.get(label="Encore un").position == 6


def test_another_conventions_plan_is_untouched(staff):
    other = ConventionFactory()
    with pytest.raises(NotAllowed):
        orientations.orientation_create(convention=other, title="Intrusion", by=staff)


def test_model_field_checks_apply_to_direct_calls(convention, orientation, staff):
    with pytest.raises(ValidationError) as error:
        actions.action_create(orientation=orientation, data=fiche_input(convention, title="x" * 300), by=staff)
    assert "title" in error.value.message_dict
    lines = [FundingLineInput(funder=caf_of(convention), year=2024, amount=Decimal("1" * 13), row=2)]
    with pytest.raises(ValidationError) as error:
        actions.action_create(orientation=orientation, data=fiche_input(convention, funding_lines=lines), by=staff)
    assert "funding-2-amount" in error.value.message_dict
    assert not Action.objects.exists()
