"""Writes to the diagnostic: the happy paths, and every refusal (role, frozen status, bad values)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from conventions.choices import ConventionStatus
from ctg_portal.errors import NotAllowed, PortalError
from diagnostics import services
from diagnostics.choices import FindingKind, Priority
from diagnostics.csv_import import RawRow
from diagnostics.models import Consultation, Diagnostic, Finding, IndicatorValue
from tests.conventions.factories import ConventionFactory, domain, force_status
from tests.diagnostics.factories import ConsultationFactory, FindingFactory, IndicatorValueFactory
from tests.partners.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def freeze(territory, status=ConventionStatus.IN_REVIEW):
    force_status(territory.convention, status)


def outsiders(territory):
    """Users who see the convention, or not, and may not change its diagnostic."""
    return {
        "reader": territory.reader,
        "other_epci_staff": MembershipFactory(organisation__intercommunality=True).user,
    }


# --- Permission -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [ConventionStatus.DRAFT, ConventionStatus.CHANGES_REQUESTED])
def test_epci_staff_may_edit_a_draft_or_a_convention_sent_back(territory, status):
    freeze(territory, status)
    services.ensure_can_edit(convention=territory.convention, by=territory.staff)


@pytest.mark.parametrize("status", [ConventionStatus.IN_REVIEW, ConventionStatus.SIGNED, ConventionStatus.IN_FORCE])
def test_frozen_statuses_refuse_even_the_epci_staff_and_say_why(territory, status):
    freeze(territory, status)
    with pytest.raises(NotAllowed, match="can no longer be changed"):
        services.ensure_can_edit(convention=territory.convention, by=territory.staff)


def test_other_roles_are_refused(territory):
    for user in outsiders(territory).values():
        with pytest.raises(NotAllowed, match="Only the intercommunality's staff"):
            services.ensure_can_edit(convention=territory.convention, by=user)


# --- Diagnostic -------------------------------------------------------------------------------------


def test_start_creates_the_diagnostic_once(db):
    convention = ConventionFactory()
    staff = MembershipFactory(organisation=convention.epci).user
    first = services.diagnostic_start(convention=convention, by=staff)
    assert services.diagnostic_start(convention=convention, by=staff) == first
    assert first.history.get().history_user == staff


def test_start_is_refused_to_a_reader(territory):
    convention = ConventionFactory()
    with pytest.raises(NotAllowed):
        services.diagnostic_start(convention=convention, by=territory.reader)
    assert not Diagnostic.objects.filter(convention=convention).exists()


# --- Indicator values -------------------------------------------------------------------------------


def test_values_are_created_updated_and_deleted(territory):
    cahors, pradines = territory.communes
    kept = IndicatorValueFactory(
        diagnostic=territory.diagnostic, indicator=territory.places, territory=cahors, value=10
    )
    gone = IndicatorValueFactory(
        diagnostic=territory.diagnostic, indicator=territory.places, territory=pradines, value=5
    )
    change = services.indicator_values_save(
        diagnostic=territory.diagnostic,
        indicator=territory.places,
        values={
            (cahors.pk, 2023): Decimal(12),
            (pradines.pk, 2023): None,
            (territory.epci.pk, 2024): Decimal("1234.5"),
            (territory.epci.pk, 2022): None,
        },
        by=territory.staff,
    )
    assert change == services.ValuesChange(created=1, updated=1, deleted=1)
    kept.refresh_from_db()
    assert kept.value == Decimal(12)
    assert not IndicatorValue.objects.filter(pk=gone.pk).exists()
    created = IndicatorValue.objects.get(territory=territory.epci, year=2024)
    assert created.value == Decimal("1234.5")
    assert created.history.get().history_user == territory.staff
    assert kept.history.latest().history_user == territory.staff
    assert gone.history.latest().history_type == "-"


def test_an_unchanged_value_leaves_no_history(territory):
    value = IndicatorValueFactory(diagnostic=territory.diagnostic, indicator=territory.places, value=10)
    change = services.indicator_values_save(
        diagnostic=territory.diagnostic,
        indicator=territory.places,
        values={(value.territory_id, value.year): Decimal("10.000")},
        by=territory.staff,
    )
    assert change.total == 0
    assert value.history.count() == 1


def save_one(territory, by, **overrides):
    arguments = {
        "diagnostic": territory.diagnostic,
        "indicator": territory.places,
        "values": {(territory.epci.pk, 2023): Decimal(3)},
        "by": by,
        **overrides,
    }
    return services.indicator_values_save(**arguments)


def test_values_of_a_reader_are_refused(territory):
    with pytest.raises(NotAllowed):
        save_one(territory, territory.reader)
    assert not IndicatorValue.objects.exists()


def test_values_of_a_frozen_convention_are_refused(territory):
    freeze(territory)
    with pytest.raises(NotAllowed):
        save_one(territory, territory.staff)
    assert not IndicatorValue.objects.exists()


def test_a_computed_indicator_cannot_be_typed_in(territory):
    with pytest.raises(PortalError, match="computed"):
        save_one(territory, territory.staff, indicator=territory.rate)


def test_a_territory_outside_the_epci_is_refused(territory):
    stranger = OrganisationFactory(commune=True, epci=OrganisationFactory(intercommunality=True))
    with pytest.raises(ValidationError, match="neither the intercommunality"):
        save_one(territory, territory.staff, values={(stranger.pk, 2023): Decimal(1)})
    assert not IndicatorValue.objects.exists()


def test_a_year_out_of_range_is_refused(territory):
    with pytest.raises(ValidationError, match="between 1950 and 2100"):
        save_one(territory, territory.staff, values={(territory.epci.pk, 1900): Decimal(1)})


# --- CSV import -------------------------------------------------------------------------------------


def raw(line, indicator, territory_code, year, value, comment=""):
    return RawRow(line, indicator, territory_code, year, value, comment)


def test_import_creates_and_updates_in_one_go_with_history(territory):
    existing = IndicatorValueFactory(diagnostic=territory.diagnostic, indicator=territory.children, year=2023, value=1)
    rows = [
        raw(2, "enfants-moins-3-ans", territory.epci.siren, "2023", "1 050", "Insee"),
        raw(3, "places-eaje", "46042", "2023", "214,5", ""),
    ]
    plan = services.indicator_values_import(
        diagnostic=territory.diagnostic, rows=rows, has_comment_column=True, by=territory.staff, source_name="a.csv"
    )
    assert (plan.create_count, plan.update_count) == (1, 1)
    existing.refresh_from_db()
    assert (existing.value, existing.comment) == (Decimal(1050), "Insee")
    created = IndicatorValue.objects.get(indicator=territory.places)
    assert created.value == Decimal("214.5")
    for value in (existing, created):
        record = value.history.latest()
        assert record.history_user == territory.staff
        assert record.history_change_reason == "CSV import (a.csv)"


def test_import_with_one_bad_row_imports_nothing(territory):
    rows = [
        raw(2, "places-eaje", "46042", "2023", "12"),
        raw(3, "places-eaje", "99999", "2023", "12"),
    ]
    with pytest.raises(services.ImportRefused) as refusal:
        services.indicator_values_import(
            diagnostic=territory.diagnostic, rows=rows, has_comment_column=False, by=territory.staff
        )
    assert refusal.value.plan.error_count == 1
    assert not IndicatorValue.objects.exists()


@pytest.mark.parametrize("frozen", [False, True])
def test_import_is_refused_to_readers_and_on_frozen_conventions(territory, frozen):
    user = territory.staff if frozen else territory.reader
    if frozen:
        freeze(territory)
    with pytest.raises(NotAllowed):
        services.indicator_values_import(
            diagnostic=territory.diagnostic,
            rows=[raw(2, "places-eaje", "46042", "2023", "12")],
            has_comment_column=False,
            by=user,
        )
    assert not IndicatorValue.objects.exists()


# --- Findings ---------------------------------------------------------------------------------------


def add(territory, by=None, **overrides):
    arguments = {
        "diagnostic": territory.diagnostic,
        "domain": domain("petite-enfance"),
        "kind": FindingKind.NEED,
        "title": "Manque de places",
        "priority": Priority.HIGH,
        "by": by or territory.staff,
        **overrides,
    }
    return services.finding_create(**arguments)


def test_findings_are_added_at_the_end_of_their_list(territory):
    first, second = add(territory), add(territory, title="  Horaires atypiques  ")
    other_list = add(territory, kind=FindingKind.STRENGTH)
    assert (first.position, second.position, other_list.position) == (1, 2, 1)
    assert second.title == "Horaires atypiques"
    assert second.history.get().history_user == territory.staff


@pytest.mark.parametrize("title", ["", "   "])
def test_a_finding_needs_a_title(territory, title):
    with pytest.raises(ValidationError) as error:
        add(territory, title=title)
    assert "title" in error.value.message_dict
    assert not Finding.objects.exists()


def test_a_finding_must_be_in_a_domain_of_the_convention(territory):
    with pytest.raises(ValidationError, match="not one of the convention's domains"):
        add(territory, domain=domain("habitat"))


def test_finding_changes_are_refused_to_readers_and_when_frozen(territory):
    finding = FindingFactory(diagnostic=territory.diagnostic, title="Avant")
    calls = [
        lambda by: add(territory, by=by),
        lambda by: services.finding_update(finding=finding, title="Après", priority=Priority.LOW, by=by),
        lambda by: services.finding_move(finding=finding, direction="down", by=by),
        lambda by: services.finding_delete(finding=finding, by=by),
    ]
    for call in calls:
        with pytest.raises(NotAllowed):
            call(territory.reader)
    freeze(territory)
    for call in calls:
        with pytest.raises(NotAllowed):
            call(territory.staff)
    finding.refresh_from_db()
    assert finding.title == "Avant"
    assert Finding.objects.count() == 1


def test_a_finding_is_edited(territory):
    finding = FindingFactory(diagnostic=territory.diagnostic)
    services.finding_update(
        finding=finding, title="Nouveau titre", detail="Détail", priority=Priority.LOW, by=territory.staff
    )
    finding.refresh_from_db()
    assert (finding.title, finding.detail, finding.priority) == ("Nouveau titre", "Détail", Priority.LOW)
    with pytest.raises(ValidationError):
        services.finding_update(finding=finding, title="", priority=Priority.LOW, by=territory.staff)


def titles(territory):
    return list(
        Finding.objects.filter(kind=FindingKind.NEED).order_by("position", "id").values_list("title", flat=True)
    )


def test_findings_move_up_and_down_and_stop_at_the_ends(territory):
    # Equal positions, as data loaded from elsewhere may have: renumbered on the first move.
    a, b, c = (FindingFactory(diagnostic=territory.diagnostic, title=t, position=0) for t in "abc")
    services.finding_move(finding=c, direction="up", by=territory.staff)
    assert titles(territory) == ["a", "c", "b"]
    services.finding_move(finding=a, direction="down", by=territory.staff)
    assert titles(territory) == ["c", "a", "b"]
    services.finding_move(finding=c, direction="up", by=territory.staff)
    services.finding_move(finding=b, direction="down", by=territory.staff)
    assert titles(territory) == ["c", "a", "b"]
    with pytest.raises(ValidationError):
        services.finding_move(finding=a, direction="sideways", by=territory.staff)


def test_a_deleted_finding_stays_in_the_history(territory):
    finding = FindingFactory(diagnostic=territory.diagnostic)
    services.finding_delete(finding=finding, by=territory.staff)
    assert not Finding.objects.exists()
    record = Finding.history.latest()
    assert (record.history_type, record.history_user) == ("-", territory.staff)


# --- Consultations ----------------------------------------------------------------------------------


def consultation_fields(**overrides):
    return {
        "held_on": datetime.date(2024, 3, 1),
        "title": "Rencontre des assistantes maternelles",
        "domain": domain("petite-enfance"),
        "participants": "RPE, 12 assistantes maternelles",
        "notes": "",
        **overrides,
    }


def test_consultations_are_created_updated_and_deleted(territory):
    consultation = services.consultation_create(
        diagnostic=territory.diagnostic,
        fields=consultation_fields(),
        organisations=territory.communes,
        by=territory.staff,
    )
    assert set(consultation.organisations.all()) == set(territory.communes)
    services.consultation_update(
        consultation=consultation, fields=consultation_fields(title="Autre titre"), organisations=[], by=territory.staff
    )
    consultation.refresh_from_db()
    assert consultation.title == "Autre titre"
    assert not consultation.organisations.exists()
    services.consultation_delete(consultation=consultation, by=territory.staff)
    assert not Consultation.objects.exists()
    # Creation, the organisations set then emptied (m2m history), the update, the deletion.
    assert list(Consultation.history.order_by("history_id").values_list("history_type", flat=True))[-1] == "-"
    assert Consultation.history.filter(title="Autre titre", history_type="~").exists()


def test_a_consultation_needs_a_title_a_date_and_a_domain_of_the_convention(territory):
    for fields in (
        consultation_fields(title=""),
        consultation_fields(held_on=None),
        consultation_fields(domain=domain("habitat")),
    ):
        with pytest.raises(ValidationError):
            services.consultation_create(diagnostic=territory.diagnostic, fields=fields, by=territory.staff)
    assert not Consultation.objects.exists()


def test_consultation_changes_are_refused_to_readers_and_when_frozen(territory):
    consultation = ConsultationFactory(diagnostic=territory.diagnostic, title="Avant")
    calls = [
        lambda by: services.consultation_create(diagnostic=territory.diagnostic, fields=consultation_fields(), by=by),
        lambda by: services.consultation_update(consultation=consultation, fields=consultation_fields(), by=by),
        lambda by: services.consultation_delete(consultation=consultation, by=by),
    ]
    for call in calls:
        with pytest.raises(NotAllowed):
            call(territory.reader)
    freeze(territory)
    for call in calls:
        with pytest.raises(NotAllowed):
            call(territory.staff)
    consultation.refresh_from_db()
    assert consultation.title == "Avant"
    assert Consultation.objects.count() == 1
