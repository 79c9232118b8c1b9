"""The editing forms: French numbers, choices read once, and French messages."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from action_plans.forms import (
    ActionForm,
    ActionFormChoices,
    FrenchDecimalField,
    FundingLineForm,
    funding_formset_class,
    indicator_formset_class,
)
from ctg_portal.typography import french_text
from tests.action_plans.factories import (
    ActionFactory,
    FundingLineFactory,
    StrategicOrientationFactory,
    convention_ready_for_editing,
)
from tests.conventions.factories import domain
from tests.partners.factories import OrganisationFactory


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12 500,50", Decimal("12500.50")),
        ("12\u00a0500,50", Decimal("12500.50")),
        ("12\u202f500,50", Decimal("12500.50")),
        ("12500.5", Decimal("12500.5")),
        ("12,500.50", Decimal("12500.50")),
        ("12.500,50", Decimal("12500.50")),
        ("1 000 000", Decimal("1000000")),
        (" 8000 € ", Decimal("8000")),
        ("0,5", Decimal("0.5")),
        ("-3", Decimal("-3")),
    ],
)
def test_french_decimals_are_understood(typed, expected):
    assert FrenchDecimalField(max_digits=12, decimal_places=2).clean(typed) == expected


@pytest.mark.parametrize("typed", ["douze", "12,5,3.1", "1e5", "NaN", "Infinity", "--1", "12 500,50 €€x"])
def test_anything_else_is_refused_in_french(typed):
    with pytest.raises(ValidationError) as error:
        FrenchDecimalField(max_digits=12, decimal_places=2).clean(typed)
    assert error.value.messages == ["Saisissez un nombre, par exemple 12 500,50."]


def test_a_decimal_shows_the_french_way():
    field = FrenchDecimalField(max_digits=12, decimal_places=2, localize=True)
    assert field.widget.format_value(Decimal("12500.50")) == "12\u00a0500,5"
    assert field.widget.format_value(Decimal("10.000")) == "10"


@pytest.fixture
def setup(db):
    convention = convention_ready_for_editing()
    orientation = StrategicOrientationFactory(plan__convention=convention, position=1)
    return convention, orientation, ActionFormChoices.for_convention(convention)


def form_data(convention, **overrides):
    data = {
        "code": "1.1",
        "title": "Créer un relais petite enfance",
        "domain": str(domain("petite-enfance").pk),
        "priority": "2",
        "pilot": str(convention.epci.pk),
        "start_date": "2024-01-01",
        "end_date": "2025-12-31",
        "status": "upcoming",
        "progress": "0",
    }
    data.update(overrides)
    return data


def make_form(setup, **overrides):
    convention, orientation, choices = setup
    return ActionForm(
        form_data(convention, **overrides), convention=convention, orientation=orientation, choices=choices
    )


def test_a_valid_form(setup):
    form = make_form(setup)
    assert form.is_valid(), form.errors
    data = form.to_input(funding_lines=[], indicators=[])
    assert (data.code, data.pilot, data.domain) == ("1.1", setup[0].epci, domain("petite-enfance"))


def test_a_pilot_posted_by_hand_that_is_not_a_party(setup):
    form = make_form(setup, pilot=str(OrganisationFactory().pk))
    assert form.errors["pilot"] == ["Le pilote doit être une organisation partie à la convention."]


def test_a_domain_outside_the_convention(setup):
    form = make_form(setup, domain=str(domain("acces-aux-droits").pk))
    assert "domain" in form.errors


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "Indiquez un intitulé."),
        ({"code": ""}, "code", french_text("Donnez un code, par exemple « 2.3 ».")),
        ({"progress": "150"}, "progress", "L’avancement doit être compris entre 0 et 100\xa0%."),
        ({"progress": "dix"}, "progress", "L’avancement doit être un nombre entier compris entre 0 et 100."),
        (
            {"start_date": "2023-06-01"},
            "start_date",
            "Choisissez une date comprise dans la période de la convention (01/01/2024 – 31/12/2027).",
        ),
        ({"end_date": "2023-12-31"}, "end_date", "Choisissez une date comprise dans la période"),
        ({"start_date": "2025-01-01", "end_date": "2024-06-01"}, "end_date", "La date de fin ne peut pas précéder"),
    ],
)
def test_messages_are_french_and_precise(setup, overrides, field, message):
    form = make_form(setup, **overrides)
    assert not form.is_valid()
    assert form.errors[field][0].startswith(message)


def test_a_code_taken_in_the_orientation(setup):
    ActionFactory(orientation=setup[1], code="1.1")
    assert "code" in make_form(setup).errors


def test_the_edit_form_needs_its_version(setup):
    convention, orientation, choices = setup
    action = ActionFactory(orientation=orientation)
    form = ActionForm(
        form_data(convention), convention=convention, orientation=orientation, choices=choices, action=action
    )
    assert "lock_version" in form.errors


def test_frozen_fields_become_hidden(setup):
    convention, orientation, choices = setup
    form = ActionForm(convention=convention, orientation=orientation, choices=choices, frozen=True)
    hidden = {field.name for field in form.hidden_fields()}
    assert {"title", "code", "pilot", "partners", "answered_needs", "start_date", "lock_version"} <= hidden
    assert {field.name for field in form.visible_fields()} == {"status", "progress"}


def funding_data(rows, initial=0):
    data = {
        "funding-TOTAL_FORMS": str(len(rows)),
        "funding-INITIAL_FORMS": str(initial),
        "funding-MIN_NUM_FORMS": "0",
        "funding-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"funding-{index}-{name}": value for name, value in row.items()})
    return data


def test_funding_rows_year_must_lie_in_the_period(setup):
    convention, _orientation, choices = setup
    formset = funding_formset_class(frozen=False)(
        funding_data([{"funder": convention.epci.pk, "year": "2031", "amount": "1", "status": "planned"}]),
        prefix="funding",
        form_kwargs={"choices": choices},
    )
    assert not formset.is_valid()
    assert formset.forms[0].errors["year"] == [
        "Choisissez une année comprise dans la période de la convention (2024 – 2027)."
    ]


def test_funding_rows_refuse_negative_and_non_numeric_amounts(setup):
    convention, _orientation, choices = setup
    rows = [
        {"funder": convention.epci.pk, "year": "2024", "amount": "-5", "status": "planned"},
        {"funder": convention.epci.pk, "year": "2025", "amount": "beaucoup", "status": "planned"},
    ]
    formset = funding_formset_class(frozen=False)(
        funding_data(rows), prefix="funding", form_kwargs={"choices": choices}
    )
    assert not formset.is_valid()
    assert formset.forms[0].errors["amount"] == ["Un montant ne peut pas être négatif."]
    assert formset.forms[1].errors["amount"] == ["Saisissez un nombre, par exemple 12 500,50."]


def test_duplicate_funding_rows(setup):
    convention, _orientation, choices = setup
    row = {"funder": convention.epci.pk, "year": "2024", "amount": "1", "scheme": "PSU", "status": "planned"}
    formset = funding_formset_class(frozen=False)(
        funding_data([row, row]), prefix="funding", form_kwargs={"choices": choices}
    )
    assert not formset.is_valid()
    assert formset.forms[1].errors["scheme"] == ["Ce financeur a déjà une ligne pour cette année et ce dispositif."]


def test_untouched_extra_rows_are_not_saved(setup):
    _convention, _orientation, choices = setup
    formset = funding_formset_class(frozen=False)(
        funding_data([{"funder": "", "year": "", "amount": "", "scheme": "", "status": "planned"}]),
        prefix="funding",
        form_kwargs={"choices": choices},
    )
    assert formset.is_valid()
    assert formset.to_inputs() == []


def test_rendering_many_rows_runs_no_query_per_row(setup, django_assert_num_queries):
    convention, orientation, choices = setup
    action = ActionFactory(orientation=orientation)
    lines = [FundingLineFactory(action=action, funder=convention.epci, year=2024, scheme=str(n)) for n in range(30)]
    formset = funding_formset_class(frozen=False)(
        prefix="funding",
        initial=[FundingLineForm.initial_for(line) for line in lines],
        form_kwargs={"choices": choices},
    )
    with django_assert_num_queries(0):
        for form in formset.forms:
            str(form["funder"])
            str(form["year"])


def test_indicator_rows(setup):
    _convention, _orientation, choices = setup
    formset = indicator_formset_class(frozen=False)(
        {
            "indicators-TOTAL_FORMS": "1",
            "indicators-INITIAL_FORMS": "0",
            "indicators-MIN_NUM_FORMS": "0",
            "indicators-MAX_NUM_FORMS": "1000",
            "indicators-0-label": "Familles accompagnées",
            "indicators-0-baseline": "1 200,5",
            "indicators-0-target": "",
        },
        prefix="indicators",
        form_kwargs={"choices": choices},
    )
    assert formset.is_valid()
    (row,) = formset.to_inputs()
    assert (row.label, row.baseline, row.target) == ("Familles accompagnées", Decimal("1200.5"), None)
