"""Makes the territory files shipped in this folder from Etalab's full « découpage administratif » files.

Two sets, in the format of the full files so that the portal reads them alike:

* ``france/``: every EPCI and every current commune of France, compressed with xz (about 0.8 MB):
  ``epci.json.xz`` (code, name, type and members of each EPCI), ``communes.json.xz`` (the entries of
  type ``commune-actuelle`` only, with the fields the import reads) and ``departements.json``;
* ``extract/``: the two EPCIs of the demonstration (Grand Cahors, La Cali) and their communes, plain and
  indented, for the tests and for reading.

Run from the repository root after ``scripts/fetch_territories.sh`` (a newer release: change its VERSION):

    python3 data/territories/make_data.py --source data/full

Standard library only: it needs neither Django nor the database. The output is the same for the same
input (keys in a fixed order, xz with fixed settings), so a new release shows as a change only if the
data changed.
"""

import argparse
import json
import lzma
import shutil
import sys
from pathlib import Path

# CA du Grand Cahors and CA du Libournais (La Cali): the two territories of the demonstration.
DEMO_EPCI_SIRENS = ["200023737", "200070092"]
CURRENT_COMMUNE_TYPE = "commune-actuelle"
HERE = Path(__file__).resolve().parent

# The fields the portal reads, in this order (partners/territory_data.py).
EPCI_FIELDS = ["code", "nom", "type", "membres"]
MEMBER_FIELDS = ["code", "siren", "nom"]
COMMUNE_FIELDS = ["code", "nom", "typeLiaison", "type", "departement", "siren", "codesPostaux", "population"]
XZ_PRESET = 9 | lzma.PRESET_EXTREME


def _pick(record: dict, fields: list[str]) -> dict:
    return {field: record[field] for field in fields if field in record}


def _slim_epcis(epcis: list[dict]) -> list[dict]:
    slim = []
    for epci in epcis:
        entry = _pick(epci, EPCI_FIELDS)
        entry["membres"] = [_pick(member, MEMBER_FIELDS) for member in epci.get("membres", [])]
        slim.append(entry)
    return slim


def _current_communes(communes: list[dict]) -> list[dict]:
    return [_pick(commune, COMMUNE_FIELDS) for commune in communes if commune.get("type") == CURRENT_COMMUNE_TYPE]


def _write_xz(path: Path, records: list[dict]) -> None:
    text = json.dumps(records, ensure_ascii=False, separators=(",", ":")) + "\n"
    path.write_bytes(lzma.compress(text.encode("utf-8"), format=lzma.FORMAT_XZ, preset=XZ_PRESET))


def _write_indented(path: Path, records: list[dict]) -> None:
    # Indented, unlike the originals, so that a new version's changes read well in a diff.
    path.write_text(json.dumps(records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def make_data(*, source: Path, destination: Path, epci_sirens: list[str]) -> dict[str, tuple[int, int]]:
    """Writes ``france/`` and ``extract/`` under ``destination``; returns the EPCI and commune counts of each."""
    epcis = _slim_epcis(json.loads((source / "epci.json").read_text(encoding="utf-8")))
    communes = _current_communes(json.loads((source / "communes.json").read_text(encoding="utf-8")))
    departements = json.loads((source / "departements.json").read_text(encoding="utf-8"))

    france = destination / "france"
    france.mkdir(parents=True, exist_ok=True)
    _write_xz(france / "epci.json.xz", epcis)
    _write_xz(france / "communes.json.xz", communes)
    _write_indented(france / "departements.json", departements)

    kept_epcis = [epci for epci in epcis if epci["code"] in epci_sirens]
    missing = sorted(set(epci_sirens) - {epci["code"] for epci in kept_epcis})
    if missing:
        raise SystemExit(f"No EPCI with SIREN {', '.join(missing)} in {source / 'epci.json'}.")
    member_codes = {member["code"] for epci in kept_epcis for member in epci["membres"]}
    kept_communes = [commune for commune in communes if commune["code"] in member_codes]
    extract = destination / "extract"
    extract.mkdir(parents=True, exist_ok=True)
    _write_indented(extract / "epci.json", kept_epcis)
    _write_indented(extract / "communes.json", kept_communes)
    shutil.copyfile(france / "departements.json", extract / "departements.json")
    return {"france": (len(epcis), len(communes)), "extract": (len(kept_epcis), len(kept_communes))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("data/full"), help="folder of the full files")
    parser.add_argument("--destination", type=Path, default=HERE, help="folder to write into (default: here)")
    parser.add_argument(
        "--epci", action="append", dest="epci_sirens", metavar="SIREN", help="an EPCI of the extract (repeatable)"
    )
    arguments = parser.parse_args(argv)
    counts = make_data(
        source=arguments.source,
        destination=arguments.destination,
        epci_sirens=arguments.epci_sirens or DEMO_EPCI_SIRENS,
    )
    for name, (epci_count, commune_count) in counts.items():
        print(f"{name}/: {epci_count} EPCIs and {commune_count} communes.", file=sys.stderr)


if __name__ == "__main__":
    main()
