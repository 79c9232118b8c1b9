"""Import of the territories the portal knows: the EPCIs and their member communes.

The source is Etalab's « découpage administratif », read and validated by ``partners.territory_data``
(which explains the files). The repository ships all France (``data/territories/france/``, the
``TERRITORY_DATA_DIR`` by default), so any EPCI can be imported on the spot from the browser
(``partners.services.organisations.import_epci``) or by ``manage.py import_territories``. Everything is
written in one transaction: a malformed file or a conflict imports nothing, and the error names every
wrong record.

Choices worth knowing:

* **Population** is INSEE's *population municipale* everywhere (the reference figure, which adds up:
  the *population totale* counts boarding students and others in two communes). A commune gets the
  ``population`` of ``communes.json`` (INSEE's latest legal populations). An EPCI gets the sum of its
  member communes' populations, not the ``populationMunicipale`` of ``epci.json``, which the DGCL
  computes from an older census: this way an EPCI's figure always equals the sum of the communes the
  portal shows under it (42 325 for the Grand Cahors, where ``epci.json`` says 42 094).
* A commune's **name, SIREN and département** come from ``communes.json`` (newer than the member names
  of ``epci.json``, for example after a renaming); its SIREN must agree with ``epci.json``'s.
* An EPCI's **département** is the one holding most of its communes (ties: the one with more
  inhabitants); the files do not say where the seat is.
* The files are authoritative for the **membership** of the EPCIs they import: a commune that moved
  is attached to its new EPCI, and a commune no longer listed in an imported EPCI is detached from it.
  Nothing is ever deleted (conventions point at these rows).
* The **legal identity** is filled, never overwritten once a person changed it: the legal name
  (« Communauté d'agglomération du Grand Cahors », « Commune du Havre », ``partners.denominations``)
  is written when empty or when it still reads what the import wrote from the previous name; a
  commune's city (its name) likewise, and its postal code (Etalab's first) only when empty. A commune's
  INSEE type of name (``name_liaison``, for « du Havre ») follows the files. ``short_name`` and
  ``address`` are the people's.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners import denominations
from partners.choices import OrganisationKind
from partners.models import Organisation
from partners.signals import rows_written_in_bulk
from partners.territory_data import (
    COMMUNES_FILE_NAME,
    EPCI_FILE_NAME,
    CommuneRecord,
    EpciRecord,
    TerritoryDataError,
    data_file,
    read_territory_files,
)

BATCH_SIZE = 1000

# Stored as is in each historical row (data, not interface text: not translated).
HISTORY_CHANGE_REASON = "Import of Etalab's découpage administratif"

__all__ = ["ImportReport", "TerritoryDataError", "territories_import", "territories_import_from_directory"]


@dataclass(frozen=True)
class ImportReport:
    epcis_created: int = 0
    epcis_updated: int = 0
    epcis_unchanged: int = 0
    communes_created: int = 0
    communes_updated: int = 0
    communes_unchanged: int = 0

    @property
    def created(self) -> int:
        return self.epcis_created + self.communes_created

    @property
    def updated(self) -> int:
        return self.epcis_updated + self.communes_updated

    @property
    def unchanged(self) -> int:
        return self.epcis_unchanged + self.communes_unchanged

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


# --- Public services ---------------------------------------------------------------------------


def territories_import_from_directory(
    *, data_dir: Path | str, only_epci_sirens: Iterable[str] | None = None, by: AbstractBaseUser | None = None
) -> ImportReport:
    """Imports ``epci.json`` and ``communes.json`` (or ``.json.xz``) from ``data_dir``: see ``territories_import``."""
    return territories_import(
        epci_path=data_file(data_dir, EPCI_FILE_NAME),
        communes_path=data_file(data_dir, COMMUNES_FILE_NAME),
        only_epci_sirens=only_epci_sirens,
        by=by,
    )


def territories_import(
    *,
    epci_path: Path | str,
    communes_path: Path | str,
    only_epci_sirens: Iterable[str] | None = None,
    by: AbstractBaseUser | None = None,
) -> ImportReport:
    """Creates or updates the EPCIs of ``epci_path`` and their member communes, all or only some.

    Idempotent: a second run with the same files changes nothing. Raises ``TerritoryDataError``, with
    nothing written, when a file is missing or malformed, when ``only_epci_sirens`` names an EPCI the
    file lacks, or when a record conflicts with an organisation already in the database. ``by``, the
    user who asked for the import if any (none for a command or a scheduled task), signs the history.
    """
    territories = read_territory_files(epci_path=Path(epci_path), communes_path=Path(communes_path))
    epcis = list(territories.epcis) if only_epci_sirens is None else territories.select(only_epci_sirens)
    with transaction.atomic():
        return _write_territories(epcis, by=by)


# --- Writing -------------------------------------------------------------------------------------


def _chunks(values: Iterable, size: int):
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _existing_organisations(*, sirens: set[str], insee_codes: set[str]) -> tuple[dict, dict]:
    """The organisations already holding one of ``insee_codes`` or ``sirens``, by INSEE code and by SIREN."""
    by_insee_code: dict[str, Organisation] = {}
    by_siren: dict[str, Organisation] = {}
    # Chunked: SQLite refuses a query with more than 32 766 parameters.
    for chunk in _chunks(sorted(insee_codes), BATCH_SIZE):
        for organisation in Organisation.objects.filter(insee_code__in=chunk):
            by_insee_code[organisation.insee_code] = by_siren[organisation.siren] = organisation
    for chunk in _chunks(sorted(sirens - by_siren.keys()), BATCH_SIZE):
        for organisation in Organisation.objects.filter(siren__in=chunk):
            by_siren[organisation.siren] = organisation
    return by_insee_code, by_siren


def _conflict(where: str, organisation: Organisation, siren: str) -> str:
    problem = _(
        "SIREN %(siren)s already belongs to “%(name)s” (%(kind)s, id %(id)d) in the database: "
        "correct or remove that organisation first"
    ) % {"siren": siren, "name": organisation.name, "kind": organisation.get_kind_display(), "id": organisation.pk}
    return _("%(location)s: %(problem)s") % {"location": where, "problem": problem}


def _epci_where(epci: EpciRecord) -> str:
    return _("EPCI “%(name)s” (SIREN %(siren)s)") % {"name": epci.name, "siren": epci.siren}


def _commune_where(commune: CommuneRecord) -> str:
    return _("commune “%(name)s” (INSEE code %(code)s)") % {"name": commune.name, "code": commune.insee_code}


def _apply(organisation: Organisation, values: dict[str, Any], now: datetime) -> frozenset[str]:
    """Sets ``values`` on ``organisation``; returns the fields that changed (then ``updated_at`` too)."""
    changed = frozenset(field for field, value in values.items() if getattr(organisation, field) != value)
    for field in changed:
        setattr(organisation, field, values[field])
    if changed:
        organisation.updated_at = now
    return changed


def _epci_identity(row: Organisation, epci: EpciRecord) -> dict[str, Any]:
    """The legal name, unless a person changed what the import wrote from the previous name."""
    if row.legal_name in ("", denominations.epci_legal_name(row.name)):
        return {"legal_name": epci.legal_name}
    return {}


def _commune_identity(row: Organisation, commune: CommuneRecord) -> dict[str, Any]:
    """The commune's legal name, city, postal code and type of name, without undoing a person's edit.

    What the import wrote before is recomputed from the row as it stands (its previous name and type
    of name; none, and so guessed, for rows written before these fields were imported).
    """
    identity: dict[str, Any] = {}
    if commune.name_liaison is not None:
        identity["name_liaison"] = commune.name_liaison
    if row.legal_name in ("", denominations.commune_legal_name(row.name, row.name_liaison)):
        identity["legal_name"] = commune.legal_name
    if row.city in ("", row.name):
        identity["city"] = commune.name
    if not row.postal_code:
        identity["postal_code"] = commune.postal_code
    return identity


def _communes_leaving(epci_ids: list[int], imported_codes: set[str]) -> list[Organisation]:
    """Communes attached to one of ``epci_ids`` in the database but listed in none of the imported EPCIs."""
    leaving_ids = []
    for chunk in _chunks(epci_ids, BATCH_SIZE):
        for pk, insee_code in Organisation.objects.filter(epci_id__in=chunk).values_list("pk", "insee_code"):
            if insee_code not in imported_codes:
                leaving_ids.append(pk)
    return list(Organisation.objects.filter(pk__in=leaving_ids)) if leaving_ids else []


def _create(rows: list[Organisation], *, now: datetime, by: AbstractBaseUser | None) -> None:
    Organisation.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    Organisation.history.bulk_history_create(
        rows, batch_size=BATCH_SIZE, default_user=by, default_date=now, default_change_reason=HISTORY_CHANGE_REASON
    )


def _update(changes: list[tuple[Organisation, frozenset[str]]], *, now: datetime, by: AbstractBaseUser | None) -> None:
    # Django's bulk_update() costs about 0.15 ms per row and field it sets (one CASE branch each): 46 s
    # for a new census changing every population when it sets every field. So each group of rows is
    # updated on the fields that changed only, and updated_at (auto_now, which bulk_update() skips)
    # with one plain UPDATE.
    by_fields: dict[frozenset[str], list[Organisation]] = defaultdict(list)
    for row, fields in changes:
        by_fields[fields].append(row)
    for fields, rows in by_fields.items():
        Organisation.objects.bulk_update(rows, sorted(fields), batch_size=BATCH_SIZE)
    rows = [row for row, _fields in changes]
    for chunk in _chunks([row.pk for row in rows], BATCH_SIZE):
        Organisation.objects.filter(pk__in=chunk).update(updated_at=now)
    Organisation.history.bulk_history_create(
        rows,
        batch_size=BATCH_SIZE,
        update=True,
        default_user=by,
        default_date=now,
        default_change_reason=HISTORY_CHANGE_REASON,
    )


def _write_territories(epcis: list[EpciRecord], *, by: AbstractBaseUser | None) -> ImportReport:
    # Bulk writes send no signals, so the history simple_history would record on save() is recorded
    # here explicitly, one historical row per created or changed organisation (about 4 s for 36 000).
    now = timezone.now()
    communes = [commune for epci in epcis for commune in epci.members]
    by_insee_code, by_siren = _existing_organisations(
        sirens={epci.siren for epci in epcis} | {commune.siren for commune in communes},
        insee_codes={commune.insee_code for commune in communes},
    )
    conflicts: list[str] = []

    # Everything is planned before the first write, so that a conflict still imports nothing.
    epcis_to_create: list[Organisation] = []
    epci_changes: list[tuple[Organisation, frozenset[str]]] = []
    epci_rows: dict[str, Organisation] = {}
    for epci in epcis:
        values = {"name": epci.name, "population": epci.population, "department_code": epci.department_code}
        row = by_siren.get(epci.siren)
        if row is None:
            row = Organisation(kind=OrganisationKind.EPCI, siren=epci.siren, legal_name=epci.legal_name, **values)
            epcis_to_create.append(row)
        elif row.kind != OrganisationKind.EPCI:
            conflicts.append(_conflict(_epci_where(epci), row, epci.siren))
        elif changed := _apply(row, values | _epci_identity(row, epci), now):
            epci_changes.append((row, changed))
        epci_rows[epci.siren] = row

    commune_plans: list[tuple[Organisation | None, CommuneRecord, Organisation]] = []
    planned_row_ids: set[int] = set()
    for epci in epcis:
        for commune in epci.members:
            # Matched on the INSEE code, else on the SIREN (a commune whose INSEE code changed).
            row = by_insee_code.get(commune.insee_code) or by_siren.get(commune.siren)
            holder_of_siren = by_siren.get(commune.siren)
            if row is not None and (row.kind != OrganisationKind.COMMUNE or row.pk in planned_row_ids):
                conflicts.append(_conflict(_commune_where(commune), row, commune.siren))
            elif holder_of_siren is not None and holder_of_siren is not row:
                conflicts.append(_conflict(_commune_where(commune), holder_of_siren, commune.siren))
            else:
                commune_plans.append((row, commune, epci_rows[epci.siren]))
                if row is not None:
                    planned_row_ids.add(row.pk)
    if conflicts:
        raise TerritoryDataError(conflicts)

    _create(epcis_to_create, now=now, by=by)
    _update(epci_changes, now=now, by=by)

    communes_to_create: list[Organisation] = []
    commune_changes: list[tuple[Organisation, frozenset[str]]] = []
    communes_unchanged = 0
    for row, commune, epci_row in commune_plans:
        values = {
            "name": commune.name,
            "siren": commune.siren,
            "insee_code": commune.insee_code,
            "population": commune.population,
            "department_code": commune.department_code,
            "epci_id": epci_row.pk,  # known now, even for an EPCI created above
        }
        if row is None:
            identity = {
                "legal_name": commune.legal_name,
                "name_liaison": commune.name_liaison,
                "postal_code": commune.postal_code,
                "city": commune.name,
            }
            communes_to_create.append(Organisation(kind=OrganisationKind.COMMUNE, **values, **identity))
        elif changed := _apply(row, values | _commune_identity(row, commune), now):
            commune_changes.append((row, changed))
        else:
            communes_unchanged += 1
    for row in _communes_leaving([row.pk for row in epci_rows.values()], {c.insee_code for c in communes}):
        commune_changes.append((row, _apply(row, {"epci_id": None}, now)))

    _create(communes_to_create, now=now, by=by)
    _update(commune_changes, now=now, by=by)
    if epcis_to_create or epci_changes or communes_to_create or commune_changes:
        # Names, populations and communes show on conventions' pages (their articles count the communes):
        # one signal for the whole import, which bulk writes made without post_save.
        rows_written_in_bulk.send(sender=Organisation, pks=None)
    return ImportReport(
        epcis_created=len(epcis_to_create),
        epcis_updated=len(epci_changes),
        epcis_unchanged=len(epcis) - len(epcis_to_create) - len(epci_changes),
        communes_created=len(communes_to_create),
        communes_updated=len(commune_changes),
        communes_unchanged=communes_unchanged,
    )
