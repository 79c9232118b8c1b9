"""The catalogue of the EPCIs of France (partners.selectors): search, filters, the organisations already
recorded, the départements."""

import pytest
from django.utils import translation

from partners import selectors
from partners.selectors import epci_catalogue, epci_catalogue_page, normalise_search
from tests.partners.factories import OrganisationFactory

GRAND_CAHORS = "200023737"
FAUCIGNY_GLIERES = "200000172"


def sirens(entries) -> list[str]:
    return [entry.siren for entry in entries]


@pytest.mark.django_db
def test_without_a_query_every_epci_of_france_is_listed_by_name():
    entries = epci_catalogue()

    assert len(entries) == 1255
    names = [normalise_search(entry.name) for entry in entries]
    assert names == sorted(names)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["Grand Cahors", "grand cahors", "GRAND CAHORS", "cahors", "200023737", "Pradines", "pradinés", "46000", "46042"],
)
def test_found_by_name_siren_commune_postal_code_or_insee_code_whatever_the_accents_and_case(query):
    assert GRAND_CAHORS in sirens(epci_catalogue(query=query))


@pytest.mark.django_db
def test_the_epci_named_comes_before_those_found_through_a_commune():
    entries = epci_catalogue(query="cahors")

    assert sirens(entries) == [GRAND_CAHORS]
    assert entries[0].matched_communes == ()


@pytest.mark.django_db
def test_an_epci_found_through_a_commune_says_which():
    entries = epci_catalogue(query="bonneville")

    faucigny = next(entry for entry in entries if entry.siren == FAUCIGNY_GLIERES)
    assert faucigny.matched_communes == ("Bonneville",)
    # Communes named exactly so come before the communes whose name only starts so.
    cotentin = next(entry for entry in entries if entry.name == "CA du Cotentin")
    assert cotentin.matched_communes == ("La Bonneville",)
    assert entries.index(faucigny) < entries.index(cotentin)


@pytest.mark.django_db
def test_words_match_the_start_of_words_with_apostrophes_and_hyphens_ignored():
    assert sirens(epci_catalogue(query="sables d'olonne")) == sirens(epci_catalogue(query="Sables-d’Olonne"))
    assert epci_catalogue(query="sables d'olonne")
    assert not epci_catalogue(query="ahors")


@pytest.mark.django_db
def test_filter_by_departements():
    entries = epci_catalogue(department_codes=["46"])

    assert len(entries) == 9
    assert {entry.department_code for entry in entries} == {"46"}
    assert {entry.department_name for entry in entries} == {"Lot"}
    assert sirens(epci_catalogue(query="cahors", department_codes=["33"])) == []
    assert len(epci_catalogue(department_codes=["46", "2A"])) == 9 + len(epci_catalogue(department_codes=["2A"]))


@pytest.mark.django_db
def test_an_entry_tells_what_the_import_would_write():
    entry = epci_catalogue(query=FAUCIGNY_GLIERES)[0]

    with translation.override("fr"):
        label = str(entry.type_label)
    assert (entry.name, entry.legal_name, entry.etalab_type, label) == (
        "CC Faucigny - Glières",
        "Communauté de communes Faucigny - Glières",
        "CC",
        "Communauté de communes",
    )
    assert (entry.department_code, entry.department_name, entry.commune_count, entry.population) == (
        "74",
        "Haute-Savoie",
        7,
        28561,
    )
    assert entry.organisation is None


@pytest.mark.django_db
def test_an_epci_already_recorded_comes_with_its_organisation(django_assert_num_queries):
    grand_cahors = OrganisationFactory(intercommunality=True, siren=GRAND_CAHORS, name="CA du Grand Cahors")

    with django_assert_num_queries(1):
        entries = epci_catalogue(department_codes=["46"])

    assert next(entry for entry in entries if entry.siren == GRAND_CAHORS).organisation == grand_cahors
    assert [entry.organisation for entry in entries if entry.siren != GRAND_CAHORS] == [None] * 8


@pytest.mark.django_db
def test_a_page_asks_the_database_for_its_entries_only(django_assert_num_queries):
    with django_assert_num_queries(1):
        page = epci_catalogue_page(page_number=2)

    assert (page.number, page.paginator.count, len(page.object_list)) == (2, 1255, selectors.CATALOGUE_PAGE_SIZE)
    assert epci_catalogue_page(page_number="9999").number == page.paginator.num_pages
    assert epci_catalogue_page(page_number="abc").number == 1


def test_search_text_without_accents_case_or_punctuation():
    assert normalise_search("Œuvre  d'Été — Saint-Étienne") == "oeuvre d ete saint etienne"


@pytest.mark.django_db
def test_a_very_long_query_does_not_fail():
    assert epci_catalogue(query="cahors " * 100) is not None


def test_departements_list_and_lookup():
    lot = selectors.departement("46")

    assert (lot.code, lot.name, lot.name_liaison) == ("46", "Lot", 2)
    assert selectors.departement("99") is None
    assert selectors.departements()[0].code == "01"
