"""The territory import fills the legal identity (legal name, type of name, postal code, city) and never
undoes what a person changed; the data migration fills rows imported before."""

import importlib
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from partners.choices import OrganisationKind
from partners.models import Organisation
from partners.services import ImportReport, territories_import_from_directory
from tests.partners.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

EXTRACT = Path(settings.BASE_DIR) / "data" / "territories" / "extract"
FRANCE = Path(settings.BASE_DIR) / "data" / "territories" / "france"
GRAND_CAHORS = "200023737"
CAHORS = "46042"
LE_MONTAT = "46197"
FAUCIGNY_GLIERES = "200000172"

fill_legal_identity = importlib.import_module("partners.migrations.0003_fill_territories_legal_identity")


def import_extract(**kwargs) -> ImportReport:
    return territories_import_from_directory(data_dir=EXTRACT, **kwargs)


def test_an_imported_epci_gets_its_legal_name_from_its_type():
    import_extract()

    grand_cahors = Organisation.objects.get(siren=GRAND_CAHORS)
    assert grand_cahors.legal_name == "Communauté d'agglomération du Grand Cahors"
    assert grand_cahors.legal_denomination_with_article == "la Communauté d'agglomération du Grand Cahors"
    assert grand_cahors.display_name == "CA du Grand Cahors"


def test_an_imported_commune_gets_its_legal_name_type_of_name_postal_code_and_city():
    import_extract()

    cahors = Organisation.objects.get(insee_code=CAHORS)
    le_montat = Organisation.objects.get(insee_code=LE_MONTAT)
    assert (cahors.legal_name, cahors.postal_code, cahors.city, cahors.name_liaison) == (
        "Commune de Cahors",
        "46000",
        "Cahors",
        0,
    )
    assert (le_montat.legal_name, le_montat.name_liaison, le_montat.of_name) == ("Commune du Montat", 2, "du Montat")


def test_an_epci_not_in_the_demo_comes_from_the_shipped_france_data():
    report = territories_import_from_directory(data_dir=FRANCE, only_epci_sirens=[FAUCIGNY_GLIERES])

    assert report == ImportReport(epcis_created=1, communes_created=7)
    faucigny = Organisation.objects.get(siren=FAUCIGNY_GLIERES)
    assert faucigny.legal_name == "Communauté de communes Faucigny - Glières"
    assert (faucigny.department_code, faucigny.population) == ("74", 28561)
    bonneville = faucigny.member_communes.get(name="Bonneville")
    assert (bonneville.legal_name, bonneville.postal_code, bonneville.insee_code) == (
        "Commune de Bonneville",
        "74130",
        "74042",
    )


def test_a_legal_name_a_person_changed_is_kept():
    import_extract()
    Organisation.objects.filter(siren=GRAND_CAHORS).update(
        legal_name="Communauté d'agglomération du Grand Cahors (Lot)"
    )
    Organisation.objects.filter(insee_code=CAHORS).update(
        legal_name="Ville de Cahors", postal_code="46001", city="Cahors Cedex", short_name="Cahors"
    )

    report = import_extract()

    assert report == ImportReport(epcis_unchanged=2, communes_unchanged=81)
    assert Organisation.objects.get(siren=GRAND_CAHORS).legal_name == "Communauté d'agglomération du Grand Cahors (Lot)"
    cahors = Organisation.objects.get(insee_code=CAHORS)
    assert (cahors.legal_name, cahors.postal_code, cahors.city, cahors.short_name) == (
        "Ville de Cahors",
        "46001",
        "Cahors Cedex",
        "Cahors",
    )


def test_a_renamed_territory_gets_the_new_legal_name_when_nobody_changed_it(tmp_path):
    import_extract()
    epcis = json.loads((EXTRACT / "epci.json").read_text(encoding="utf-8"))
    communes = json.loads((EXTRACT / "communes.json").read_text(encoding="utf-8"))
    epcis[0]["nom"] = "CA du Grand Cahors et du Quercy"
    next(commune for commune in communes if commune["code"] == CAHORS)["nom"] = "Cahors-en-Quercy"
    (tmp_path / "epci.json").write_text(json.dumps(epcis, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "communes.json").write_text(json.dumps(communes, ensure_ascii=False), encoding="utf-8")

    territories_import_from_directory(data_dir=tmp_path)

    grand_cahors = Organisation.objects.get(siren=GRAND_CAHORS)
    cahors = Organisation.objects.get(insee_code=CAHORS)
    assert grand_cahors.legal_name == "Communauté d'agglomération du Grand Cahors et du Quercy"
    assert (cahors.legal_name, cahors.city) == ("Commune de Cahors-en-Quercy", "Cahors-en-Quercy")
    assert cahors.history.first().history_change_reason == "Import of Etalab's découpage administratif"


def test_rows_imported_before_the_legal_identity_are_completed_by_the_next_import():
    import_extract()
    Organisation.objects.filter(kind__in=[OrganisationKind.EPCI, OrganisationKind.COMMUNE]).update(
        legal_name="", postal_code="", city="", name_liaison=None
    )

    report = import_extract()

    assert report == ImportReport(epcis_updated=2, communes_updated=81)
    assert Organisation.objects.get(insee_code=LE_MONTAT).legal_name == "Commune du Montat"


def test_an_epci_recorded_by_hand_with_its_own_legal_name_keeps_it():
    existing = OrganisationFactory(
        intercommunality=True, siren=GRAND_CAHORS, name="Grand Cahors", legal_name="Communauté d'agglomération"
    )

    import_extract(only_epci_sirens=[GRAND_CAHORS])

    existing.refresh_from_db()
    assert (existing.name, existing.legal_name) == ("CA du Grand Cahors", "Communauté d'agglomération")


# --- The data migration (0003) ---------------------------------------------------------------------


def test_the_migration_fills_rows_imported_before_and_agrees_with_the_next_import():
    import_extract()
    Organisation.objects.filter(kind__in=[OrganisationKind.EPCI, OrganisationKind.COMMUNE]).update(
        legal_name="", postal_code="", city="", name_liaison=None
    )
    Organisation.objects.filter(insee_code=CAHORS).update(legal_name="Ville de Cahors")

    fill_legal_identity.fill_legal_identity(apps, None)

    assert Organisation.objects.get(siren=GRAND_CAHORS).legal_name == "Communauté d'agglomération du Grand Cahors"
    le_montat = Organisation.objects.get(insee_code=LE_MONTAT)
    assert (le_montat.legal_name, le_montat.name_liaison, le_montat.postal_code, le_montat.city) == (
        "Commune du Montat",
        2,
        "46090",
        "Le Montat",
    )
    assert Organisation.objects.get(insee_code=CAHORS).legal_name == "Ville de Cahors"
    assert import_extract() == ImportReport(epcis_unchanged=2, communes_unchanged=81)


def test_the_migration_guesses_the_article_without_the_data_files(settings, tmp_path):
    settings.TERRITORY_DATA_DIR = tmp_path  # nothing there
    OrganisationFactory(commune=True, name="Le Havre", insee_code="76351", siren="217603513")

    fill_legal_identity.fill_legal_identity(apps, None)

    havre = Organisation.objects.get(insee_code="76351")
    assert (havre.legal_name, havre.name_liaison, havre.city) == ("Commune du Havre", None, "Le Havre")
