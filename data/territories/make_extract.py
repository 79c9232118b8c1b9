"""Makes the territory extract shipped in this folder from Etalab's full « découpage administratif » files.

The extract keeps, in the same format as the full files, the EPCIs named below and the entries of
``communes.json`` for their member communes, so that the portal reads both alike. Run from the
repository root after ``scripts/fetch_territories.sh``:

    python data/territories/make_extract.py --source data/full

Standard library only: it needs neither Django nor the database.
"""

import argparse
import json
import sys
from pathlib import Path

# CA du Grand Cahors and CA du Libournais (La Cali): the two territories of the demonstration.
DEMO_EPCI_SIRENS = ["200023737", "200070092"]
CURRENT_COMMUNE_TYPE = "commune-actuelle"
HERE = Path(__file__).resolve().parent


def make_extract(*, source: Path, destination: Path, epci_sirens: list[str]) -> tuple[int, int]:
    """Writes the extract's ``epci.json`` and ``communes.json``; returns the numbers of EPCIs and communes."""
    epcis = json.loads((source / "epci.json").read_text(encoding="utf-8"))
    communes = json.loads((source / "communes.json").read_text(encoding="utf-8"))

    kept_epcis = [epci for epci in epcis if epci["code"] in epci_sirens]
    missing = sorted(set(epci_sirens) - {epci["code"] for epci in kept_epcis})
    if missing:
        raise SystemExit(f"No EPCI with SIREN {', '.join(missing)} in {source / 'epci.json'}.")
    member_codes = {member["code"] for epci in kept_epcis for member in epci["membres"]}
    kept_communes = [
        commune for commune in communes if commune["type"] == CURRENT_COMMUNE_TYPE and commune["code"] in member_codes
    ]

    # Indented, unlike the originals, so that a new version's changes read well in a diff.
    for name, records in (("epci.json", kept_epcis), ("communes.json", kept_communes)):
        text = json.dumps(records, ensure_ascii=False, indent=2) + "\n"
        (destination / name).write_text(text, encoding="utf-8")
    return len(kept_epcis), len(kept_communes)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("data/full"), help="folder of the full files")
    parser.add_argument("--destination", type=Path, default=HERE, help="folder of the extract (default: here)")
    parser.add_argument(
        "--epci", action="append", dest="epci_sirens", metavar="SIREN", help="an EPCI to keep (repeatable)"
    )
    arguments = parser.parse_args(argv)
    epci_count, commune_count = make_extract(
        source=arguments.source,
        destination=arguments.destination,
        epci_sirens=arguments.epci_sirens or DEMO_EPCI_SIRENS,
    )
    print(f"{epci_count} EPCIs and {commune_count} communes written to {arguments.destination}.", file=sys.stderr)


if __name__ == "__main__":
    main()
