import pytest

from ctg_portal.spreadsheets import looks_like_formula, neutralise_formula


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","clic")', "+1+1", "@SUM(A1)", "-2+3", "\t=1"])
def test_formulas_are_shown_as_text(text):
    assert neutralise_formula(text) == "'" + text


@pytest.mark.parametrize("value", ["Crèche de Pradines", "", 12, -4.5, None])
def test_other_values_are_unchanged(value):
    assert neutralise_formula(value) == value


def test_imported_formulas_are_recognised():
    assert looks_like_formula(' =HYPERLINK("http://x")')
    assert not looks_like_formula("Accueil des 0-3 ans")
