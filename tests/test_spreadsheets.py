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


@pytest.mark.parametrize("text", ["-2+3", "-cmd|' /C calc'!A0", "-SUM(A1)", "-=1", " -1+1", "--5", "-A1", "-3,5%"])
def test_a_minus_sign_followed_by_anything_but_a_number_is_a_formula(text):
    assert looks_like_formula(text)


@pytest.mark.parametrize("text", ["-3,5", " -3,5 ", "-1 234,5", "-1\u202f234,5", "-1234.5", "-12", "-", "12", ""])
def test_negative_numbers_and_a_lone_minus_are_not_formulas(text):
    assert not looks_like_formula(text)
