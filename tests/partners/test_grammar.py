"""French grammar with names (partners.grammar) and the legal denominations made from official data
(partners.denominations)."""

import pytest

from partners import denominations, grammar
from partners.choices import OrganisationKind
from partners.models import Organisation, Representative


@pytest.mark.parametrize(
    "name,liaison,expected",
    [
        ("Le Havre", 2, "du Havre"),
        ("Les Sables-d'Olonne", 4, "des Sables-d'Olonne"),
        ("La Rochelle", 3, "de La Rochelle"),
        ("Agen", 1, "d'Agen"),
        ("Cahors", 0, "de Cahors"),
        ("L'Isle-Adam", 5, "de L'Isle-Adam"),
        ("Aux Aires", 6, "des Aires"),
        ("Honfleur", 1, "d'Honfleur"),  # a mute h, which only INSEE's code tells
    ],
)
def test_of_place_follows_insee_type_of_name(name, liaison, expected):
    assert grammar.of_place(name, liaison) == expected


@pytest.mark.parametrize(
    "name,expected",
    [
        ("Le Havre", "du Havre"),
        ("Les Abymes", "des Abymes"),
        ("Agen", "d'Agen"),
        ("Hem", "de Hem"),
        ("Évreux", "d'Évreux"),
    ],
)
def test_of_place_guesses_the_article_without_a_code(name, expected):
    assert grammar.of_place(name) == expected


def test_never_de_le():
    assert "de Le" not in grammar.of_place("Le Havre")
    assert grammar.of_place("Le Havre") == grammar.of_place("Le Havre", 2)


@pytest.mark.parametrize(
    "name,liaison,expected",
    [("Le Havre", 2, "au Havre"), ("Les Sables-d'Olonne", 4, "aux Sables-d'Olonne"), ("Cahors", 0, "à Cahors")],
)
def test_at_place(name, liaison, expected):
    assert grammar.at_place(name, liaison) == expected


@pytest.mark.parametrize(
    "name,liaison,expected",
    [
        ("Ain", 5, "de l'Ain"),
        ("Lot", 2, "du Lot"),
        ("Gironde", 3, "de la Gironde"),
        ("Landes", 4, "des Landes"),
        ("Paris", 0, "de Paris"),
        ("Eure-et-Loir", 1, "d'Eure-et-Loir"),
        ("La Réunion", 0, "de La Réunion"),
        ("Territoire de Belfort", 2, "du Territoire de Belfort"),
    ],
)
def test_of_department_with_etalab_codes(name, liaison, expected):
    assert grammar.of_department(name, liaison) == expected


@pytest.mark.parametrize(
    "title,civility,expected",
    [
        ("Présidente", "mme", "la Présidente"),
        ("Adjointe", "mme", "l'Adjointe"),
        ("Maire", "m", "le Maire"),
        ("Maire", "", "Maire"),
    ],
)
def test_title_with_article(title, civility, expected):
    assert grammar.title_with_article(title, civility) == expected
    assert Representative(title=title, civility=civility).title_with_article == expected


def test_one_kind_of_apostrophe_in_what_the_grammar_writes():
    caf = denominations.caf_names("01", "Ain", 5)

    assert caf.legal_name == "Caisse d'allocations familiales de l'Ain"
    assert "\u2019" not in caf.legal_name + grammar.of_place("Agen", 1) + grammar.title_with_article("Adjointe", "mme")


@pytest.mark.parametrize(
    "legal_name,expected",
    [
        ("Caisse d'allocations familiales du Lot", "de la Caisse d'allocations familiales du Lot"),
        ("Département du Lot", "du Département du Lot"),
        ("Eurométropole de Strasbourg", "de l'Eurométropole de Strasbourg"),
        ("Bordeaux Métropole", "de Bordeaux Métropole"),
        ("Union départementale des associations familiales", "de l'Union départementale des associations familiales"),
    ],
)
def test_of_legal_denomination(legal_name, expected):
    assert Organisation(name="x", legal_name=legal_name).of_legal_denomination == expected


@pytest.mark.parametrize(
    "name,etalab_type,expected",
    [
        ("CA du Grand Cahors", "CA", "Communauté d'agglomération du Grand Cahors"),
        ("CC Faucigny - Glières", "CC", "Communauté de communes Faucigny - Glières"),
        ("CU d'Arras", "CU", "Communauté urbaine d'Arras"),
        ("Bordeaux Métropole", "METRO", "Bordeaux Métropole"),
        ("Métropole de Lyon", "MET69", "Métropole de Lyon"),
        ("CA du Grand Cahors", None, "Communauté d'agglomération du Grand Cahors"),
        ("CAP Excellence", None, "CAP Excellence"),
    ],
)
def test_epci_legal_name(name, etalab_type, expected):
    assert denominations.epci_legal_name(name, etalab_type) == expected


@pytest.mark.parametrize(
    "name,liaison,expected",
    [
        ("Cahors", 0, "Commune de Cahors"),
        ("Le Havre", 2, "Commune du Havre"),
        ("Les Sables-d'Olonne", 4, "Commune des Sables-d'Olonne"),
        ("Agen", 1, "Commune d'Agen"),
        ("La Rochelle", 3, "Commune de La Rochelle"),
    ],
)
def test_commune_legal_name(name, liaison, expected):
    assert denominations.commune_legal_name(name, liaison) == expected


def test_caf_and_departement_names():
    assert denominations.caf_names("46", "Lot", 2) == denominations.DepartmentNames(
        "CAF du Lot", "Caisse d'allocations familiales du Lot"
    )
    assert denominations.caf_names("33", "Gironde", 3).name == "CAF de la Gironde"
    assert denominations.caf_names("976", "Mayotte", 0).legal_name == "Caisse de sécurité sociale de Mayotte"
    assert denominations.departement_names("Ain", 5).name == "Département de l'Ain"


def test_legal_denomination_with_article_of_an_organisation():
    caf = Organisation(
        kind=OrganisationKind.CAF, name="CAF du Lot", legal_name="Caisse d'allocations familiales du Lot"
    )
    havre = Organisation(kind=OrganisationKind.COMMUNE, name="Le Havre", name_liaison=2)

    assert caf.legal_denomination_with_article == "la Caisse d'allocations familiales du Lot"
    assert caf.display_name == "CAF du Lot"
    assert (havre.of_name, havre.at_name) == ("du Havre", "au Havre")
