"""Reading Etalab's files: the shipped France set (xz), the extract, the cache, the limits."""

import json
import lzma
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from partners import territory_data
from partners.territory_data import TerritoryDataError, data_file, load_departements, load_territories

DATA = Path(settings.BASE_DIR) / "data" / "territories"
FRANCE = DATA / "france"
EXTRACT = DATA / "extract"


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


def test_the_default_data_dir_is_all_france_shipped_compressed():
    assert Path(settings.TERRITORY_DATA_DIR) == FRANCE
    assert data_file(FRANCE, "epci.json").name == "epci.json.xz"
    assert data_file(EXTRACT, "epci.json").name == "epci.json"


def test_all_france_holds_every_epci_with_its_type_and_the_communes_their_postal_codes():
    territories = load_territories()

    assert len(territories.epcis) == 1255
    assert sum(len(epci.members) for epci in territories.epcis) > 34_000
    faucigny = territories.by_siren["200000172"]
    assert (faucigny.name, faucigny.etalab_type, faucigny.department_code) == ("CC Faucigny - Glières", "CC", "74")
    assert faucigny.legal_name == "Communauté de communes Faucigny - Glières"
    havre = next(commune for epci in territories.epcis for commune in epci.members if commune.insee_code == "76351")
    assert (havre.name, havre.name_liaison, havre.postal_code) == ("Le Havre", 2, "76600")
    assert havre.legal_name == "Commune du Havre"


def test_the_extract_is_the_same_data_as_all_france_for_its_two_epcis():
    france, extract = load_territories(FRANCE), load_territories(EXTRACT)

    assert [epci.siren for epci in extract.epcis] == ["200023737", "200070092"]
    for epci in extract.epcis:
        assert france.by_siren[epci.siren] == epci


def test_files_read_once_per_process_then_from_the_cache():
    assert load_territories(EXTRACT) is load_territories(EXTRACT)


def test_a_file_changed_under_the_same_name_is_read_again(tmp_path):
    for name in ("epci.json", "communes.json"):
        (tmp_path / name).write_bytes((EXTRACT / name).read_bytes())
    first = load_territories(tmp_path)
    communes = json.loads((tmp_path / "communes.json").read_text(encoding="utf-8"))
    cahors = next(commune for commune in communes if commune["code"] == "46042")
    cahors["population"] += 1  # same size on disk is likely, same mtime possible: the digest tells
    (tmp_path / "communes.json").write_text(json.dumps(communes, ensure_ascii=False), encoding="utf-8")

    second = load_territories(tmp_path)

    assert second is not first
    assert second.epcis[0].population == first.epcis[0].population + 1


def test_a_compressed_file_is_read_like_a_plain_one(tmp_path):
    for name in ("epci.json", "communes.json"):
        (tmp_path / f"{name}.xz").write_bytes(lzma.compress((EXTRACT / name).read_bytes()))

    assert load_territories(tmp_path).epcis == load_territories(EXTRACT).epcis


def test_a_broken_compressed_file_is_refused(tmp_path):
    (tmp_path / "epci.json.xz").write_bytes(b"not xz at all")
    (tmp_path / "communes.json").write_bytes((EXTRACT / "communes.json").read_bytes())

    with pytest.raises(TerritoryDataError, match="epci.json.xz is not a valid xz file"):
        load_territories(tmp_path)


def test_a_truncated_compressed_file_is_refused(tmp_path):
    compressed = lzma.compress((EXTRACT / "epci.json").read_bytes())
    (tmp_path / "epci.json.xz").write_bytes(compressed[: len(compressed) // 2])
    (tmp_path / "communes.json").write_bytes((EXTRACT / "communes.json").read_bytes())

    with pytest.raises(TerritoryDataError, match="epci.json.xz"):
        load_territories(tmp_path)


def test_a_file_too_large_once_decompressed_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(territory_data, "MAX_FILE_BYTES", 10_000)
    (tmp_path / "epci.json.xz").write_bytes(lzma.compress(b"[" + b" " * 50_000 + b"]"))
    (tmp_path / "communes.json").write_text("[]", encoding="utf-8")

    with pytest.raises(TerritoryDataError, match="epci.json.xz is larger than 0 MB: not read."):
        load_territories(tmp_path)


@pytest.mark.parametrize(
    "change,message",
    [
        ({"typeLiaison": 9}, "“typeLiaison” must be a whole number from 0 to 8 (found 9)"),
        ({"typeLiaison": "2"}, "“typeLiaison” must be a whole number from 0 to 8"),
        ({"codesPostaux": ["4600"]}, "“codesPostaux” must be a list of five-digit postal codes"),
        ({"codesPostaux": "46000"}, "“codesPostaux” must be a list of five-digit postal codes"),
    ],
)
def test_a_wrong_type_of_name_or_postal_code_is_refused(tmp_path, change, message):
    communes = json.loads((EXTRACT / "communes.json").read_text(encoding="utf-8"))
    communes[0].update(change)
    (tmp_path / "epci.json").write_bytes((EXTRACT / "epci.json").read_bytes())
    (tmp_path / "communes.json").write_text(json.dumps(communes, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(TerritoryDataError) as error:
        load_territories(tmp_path)

    assert message in str(error.value)
    assert "communes.json, entry no. 1 (INSEE code " in str(error.value)


def test_a_commune_without_type_of_name_or_postal_code_is_accepted(tmp_path):
    communes = json.loads((EXTRACT / "communes.json").read_text(encoding="utf-8"))
    for commune in communes:
        del commune["typeLiaison"], commune["codesPostaux"]
    (tmp_path / "epci.json").write_bytes((EXTRACT / "epci.json").read_bytes())
    (tmp_path / "communes.json").write_text(json.dumps(communes, ensure_ascii=False), encoding="utf-8")

    cahors = next(commune for commune in load_territories(tmp_path).epcis[0].members if commune.name == "Cahors")

    assert (cahors.name_liaison, cahors.postal_code, cahors.legal_name) == (None, "", "Commune de Cahors")


def test_an_unknown_epci_type_keeps_the_name_as_legal_name(tmp_path):
    epcis = json.loads((EXTRACT / "epci.json").read_text(encoding="utf-8"))
    epcis[0]["type"] = "EPT"
    (tmp_path / "epci.json").write_text(json.dumps(epcis, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "communes.json").write_bytes((EXTRACT / "communes.json").read_bytes())

    assert load_territories(tmp_path).epcis[0].legal_name == "CA du Grand Cahors"


def test_departements_of_france_with_their_type_of_name():
    departements = {record.code: record for record in load_departements()}

    assert len(departements) == 101  # 96 metropolitan (with 2A, 2B) and 5 overseas
    assert (departements["46"].name, departements["46"].of_name) == ("Lot", "du Lot")
    assert departements["01"].of_name == "de l'Ain"
    assert departements["974"].name == "La Réunion"
    assert "988" not in departements  # New Caledonia: no département, no CAF


def test_a_missing_departements_file_is_reported(tmp_path):
    with pytest.raises(TerritoryDataError, match="departements.json: file not found"):
        load_departements(tmp_path)


def test_a_wrong_departement_is_reported(tmp_path):
    (tmp_path / "departements.json").write_text(json.dumps([{"code": "460", "nom": "Lot"}]), encoding="utf-8")

    with pytest.raises(TerritoryDataError, match="“460” is not a valid département code"):
        load_departements(tmp_path)
