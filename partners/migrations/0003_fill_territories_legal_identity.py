"""Fills the legal identity of the EPCIs and communes imported before the import wrote it.

« CA du Grand Cahors » gets « Communauté d'agglomération du Grand Cahors », « Le Havre » gets « Commune du
Havre », its postal code and city; only where these fields are still empty. A commune's INSEE type of
name and postal code come from the shipped ``communes.json.xz`` when it can be read (else the article is
read off the name), so the next import finds exactly what it would have written and keeps it up to date.

Written as it stands today on purpose (no import of the portal's code, which will change): a
migration must give the same result on any later version of the project.
"""

import json
import lzma
import unicodedata
from pathlib import Path

from django.conf import settings
from django.db import migrations

EPCI_TYPE_WORDS = {"CA": "Communauté d'agglomération", "CC": "Communauté de communes", "CU": "Communauté urbaine"}
ARTICLES = [("Les ", 4), ("Le ", 2), ("La ", 3), ("Aux ", 6), ("Las ", 7), ("Los ", 8), ("L'", 5), ("L\u2019", 5)]
VOWELS = "aeiouyAEIOUY"


def starts_with_vowel(name: str) -> bool:
    return unicodedata.normalize("NFD", name[:1])[:1] in VOWELS and bool(name)


def epci_legal_name(name: str) -> str:
    for abbreviation, words in EPCI_TYPE_WORDS.items():
        if name.startswith(f"{abbreviation} "):
            return f"{words} {name[len(abbreviation) + 1 :]}"
    return name


def of_place(name: str, liaison: int | None) -> str:
    """partners.grammar.of_place as of this migration."""
    if liaison is None:
        liaison = next((code for prefix, code in ARTICLES if name.startswith(prefix)), None)
        if liaison is None:
            liaison = 1 if starts_with_vowel(name) else 0
    stripped = next(
        (name[len(prefix) :] for prefix, code in ARTICLES if code == liaison and name.startswith(prefix)), name
    )
    if liaison == 2:
        return f"du {stripped}"
    if liaison in (4, 6):
        return f"des {stripped}"
    if liaison == 1 or (liaison == 0 and starts_with_vowel(name)):
        return f"d'{name}"
    return f"de {name}"


def shipped_communes() -> dict[str, dict]:
    """The current communes of the shipped file by INSEE code, or nothing if it cannot be read."""
    folder = Path(settings.TERRITORY_DATA_DIR)
    try:
        if (folder / "communes.json").exists():
            records = json.loads((folder / "communes.json").read_text(encoding="utf-8"))
        else:
            records = json.loads(lzma.decompress((folder / "communes.json.xz").read_bytes()).decode("utf-8"))
    except (OSError, ValueError, lzma.LZMAError):
        return {}
    if not isinstance(records, list):
        return {}
    return {
        record["code"]: record
        for record in records
        if isinstance(record, dict) and record.get("type") == "commune-actuelle" and isinstance(record.get("code"), str)
    }


def fill_legal_identity(apps, schema_editor):
    Organisation = apps.get_model("partners", "Organisation")
    epcis = list(Organisation.objects.filter(kind="epci", legal_name=""))
    for epci in epcis:
        epci.legal_name = epci_legal_name(epci.name)
    Organisation.objects.bulk_update(epcis, ["legal_name"], batch_size=1000)

    communes = list(Organisation.objects.filter(kind="commune"))
    if not communes:
        return
    data = shipped_communes()
    for commune in communes:
        record = data.get(commune.insee_code, {})
        liaison = record.get("typeLiaison")
        if commune.name_liaison is None and isinstance(liaison, int) and 0 <= liaison <= 8:
            commune.name_liaison = liaison
        if not commune.legal_name:
            commune.legal_name = f"Commune {of_place(commune.name, commune.name_liaison)}"
        if not commune.city:
            commune.city = commune.name
        postal_codes = record.get("codesPostaux")
        if not commune.postal_code and isinstance(postal_codes, list) and postal_codes:
            code = postal_codes[0]
            if isinstance(code, str) and len(code) == 5 and code.isdigit():
                commune.postal_code = code
    Organisation.objects.bulk_update(communes, ["legal_name", "name_liaison", "city", "postal_code"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0002_legal_identity_accounts"),
    ]

    operations = [
        migrations.RunPython(fill_legal_identity, migrations.RunPython.noop),
    ]
