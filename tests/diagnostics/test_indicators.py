"""Computed indicators: formulas parsed without eval, evaluated per territory and year."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from diagnostics.indicators import BUILT_IN_FORMULAS, Formula, FormulaError, formula_for, formula_source_for
from tests.diagnostics.factories import IndicatorDefinitionFactory

COVERAGE = "{places-eaje} / {enfants-moins-3-ans} * 100"


def test_the_coverage_rate_is_places_per_hundred_children():
    formula = Formula.parse(COVERAGE)
    assert formula.codes == ("places-eaje", "enfants-moins-3-ans")
    assert formula.evaluate({"places-eaje": Decimal(330), "enfants-moins-3-ans": Decimal(1050)}) == Decimal("31.429")


def test_a_missing_input_or_a_division_by_zero_gives_no_value():
    formula = Formula.parse(COVERAGE)
    assert formula.evaluate({"places-eaje": Decimal(12)}) is None
    assert formula.evaluate({"places-eaje": Decimal(12), "enfants-moins-3-ans": Decimal(0)}) is None


def test_operator_precedence_parentheses_and_negation():
    formula = Formula.parse("({a} - {b}) * 2 + -{c} / 4")
    assert formula.evaluate({"a": Decimal(10), "b": Decimal(4), "c": Decimal(8)}) == Decimal(10)


def test_a_decimal_comma_is_read_in_a_formula():
    assert Formula.parse("{a} * 0,5").evaluate({"a": Decimal(3)}) == Decimal("1.5")


def test_the_formula_reads_in_words_with_its_labels():
    formula = Formula.parse("{a} / ({b} - {c}) * 100")
    assert formula.describe({"a": "Places", "b": "Enfants", "c": "Enfants gardés"}) == (
        "Places ÷ (Enfants − Enfants gardés) × 100"
    )


@pytest.mark.parametrize(
    "text",
    ["", "   ", "{a} +", "({a} * 2", "{a} ** 2", "__import__('os')", "a + b", "100 * 2", "{a} {b}", "{a} ; 2"],
)
def test_a_malformed_formula_is_refused(text):
    with pytest.raises(FormulaError):
        Formula.parse(text)


def test_built_in_formula_makes_the_demo_coverage_rate_computed(db):
    definition = IndicatorDefinitionFactory(code="taux-couverture-accueil-jeune-enfant")
    assert definition.is_computed
    assert formula_source_for(definition) == BUILT_IN_FORMULAS["taux-couverture-accueil-jeune-enfant"]
    assert formula_for(definition).codes == ("places-eaje", "enfants-moins-3-ans")


def test_a_formula_in_the_database_wins_over_the_built_in_one(db):
    definition = IndicatorDefinitionFactory(code="taux-couverture-accueil-jeune-enfant", formula="{a} * 2")
    assert formula_for(definition).codes == ("a",)


def test_an_indicator_without_formula_is_collected(db):
    assert not IndicatorDefinitionFactory(code="population").is_computed


@translation.override("en")
def test_the_admin_form_checks_the_formula(db):
    IndicatorDefinitionFactory(code="population")
    IndicatorDefinitionFactory(code="alsh-places")
    IndicatorDefinitionFactory(code="taux-couverture-accueil-jeune-enfant")
    definition = IndicatorDefinitionFactory.build(
        code="places-pour-100-habitants", formula="{alsh-places} / {population}"
    )
    definition.full_clean()  # valid

    for formula, message in [
        ("{alsh-places} / {inconnu}", "inconnu"),
        ("{places-pour-100-habitants} * 2", "itself"),
        ("{taux-couverture-accueil-jeune-enfant} * 2", "computed"),
        ("{alsh-places} /", "ends too early"),
    ]:
        definition.formula = formula
        with pytest.raises(ValidationError) as error:
            definition.full_clean()
        assert message in str(error.value.message_dict["formula"])
