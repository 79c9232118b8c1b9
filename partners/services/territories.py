"""Import of the territories the portal knows: the EPCIs and their member communes.

The source is Etalab's « découpage administratif » (npm package ``@etalab/decoupage-administratif``):
``epci.json`` lists each EPCI with its member communes, ``communes.json`` gives each commune's name,
SIREN, département and population. ``data/territories/`` ships an extract of both (two EPCIs);
``scripts/fetch_territories.sh`` fetches the full files.

Both files are read and validated completely before anything is written, and everything is written in
one transaction: a malformed file imports nothing, and the error names every wrong record.

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
  Nothing is ever deleted (conventions point at these rows), and ``short_name`` is left to the admins.
"""

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partners.choices import OrganisationKind
from partners.models import Organisation
from partners.validators import validate_insee_commune_code, validate_siren

EPCI_FILE_NAME = "epci.json"
COMMUNES_FILE_NAME = "communes.json"
CURRENT_COMMUNE_TYPE = "commune-actuelle"

# Metropolitan départements (2A and 2B for Corsica) and the overseas ones (97x).
DEPARTMENT_CODE_REGEX = re.compile(r"^([0-9]{2}|2A|2B|97[0-9])$")
NAME_MAX_LENGTH = Organisation._meta.get_field("name").max_length
POPULATION_MAX = 2_147_483_647  # PositiveIntegerField's upper bound on PostgreSQL
BATCH_SIZE = 1000
ERRORS_SHOWN = 20

# Stored as is in each historical row (data, not interface text: not translated).
HISTORY_CHANGE_REASON = "Import of Etalab's découpage administratif"


class TerritoryDataError(Exception):
    """The territory files cannot be imported; ``errors`` holds one message per wrong record."""

    def __init__(self, errors: Sequence[str]):
        self.errors = list(errors)
        super().__init__(self.errors)

    def __str__(self) -> str:
        if len(self.errors) == 1:
            return self.errors[0]
        lines = [
            ngettext(
                "%(count)d error in the territory files, nothing was imported:",
                "%(count)d errors in the territory files, nothing was imported:",
                len(self.errors),
            )
            % {"count": len(self.errors)}
        ]
        lines += [f"- {error}" for error in self.errors[:ERRORS_SHOWN]]
        if len(self.errors) > ERRORS_SHOWN:
            lines.append(_("… and %(count)d more.") % {"count": len(self.errors) - ERRORS_SHOWN})
        return "\n".join(lines)


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


@dataclass(frozen=True)
class CommuneRecord:
    insee_code: str
    siren: str
    name: str
    department_code: str
    population: int


@dataclass(frozen=True)
class EpciRecord:
    siren: str
    name: str
    members: tuple[CommuneRecord, ...]

    @property
    def population(self) -> int:
        return sum(commune.population for commune in self.members)

    @property
    def department_code(self) -> str:
        communes = Counter(commune.department_code for commune in self.members)
        inhabitants = Counter()
        for commune in self.members:
            inhabitants[commune.department_code] += commune.population
        return max(sorted(communes), key=lambda code: (communes[code], inhabitants[code]))


# --- Public services ---------------------------------------------------------------------------


def territories_import_from_directory(
    *, data_dir: Path | str, only_epci_sirens: Iterable[str] | None = None, by: AbstractBaseUser | None = None
) -> ImportReport:
    """Imports ``epci.json`` and ``communes.json`` from ``data_dir``: see ``territories_import``."""
    data_dir = Path(data_dir)
    return territories_import(
        epci_path=data_dir / EPCI_FILE_NAME,
        communes_path=data_dir / COMMUNES_FILE_NAME,
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
    epcis = read_territory_files(epci_path=Path(epci_path), communes_path=Path(communes_path))
    if only_epci_sirens is not None:
        epcis = _select_epcis(epcis, sirens=only_epci_sirens, epci_file=Path(epci_path).name)
    with transaction.atomic():
        return _write_territories(epcis, by=by)


def read_territory_files(*, epci_path: Path, communes_path: Path) -> list[EpciRecord]:
    """Reads and validates both files whole; raises ``TerritoryDataError`` listing every wrong record."""
    raw_epcis = _load_json_list(epci_path)
    raw_communes = _load_json_list(communes_path)
    errors: list[str] = []
    epci_entries = _check_epci_entries(raw_epcis, epci_file=epci_path.name, errors=errors)
    wanted_codes = {member.insee_code for entry in epci_entries for member in entry.members}
    communes, malformed_codes = _check_commune_entries(
        raw_communes, communes_file=communes_path.name, wanted_codes=wanted_codes, errors=errors
    )
    epcis = _join_members(
        epci_entries, communes, malformed_codes=malformed_codes, communes_file=communes_path.name, errors=errors
    )
    if errors:
        raise TerritoryDataError(errors)
    return epcis


# --- Reading and validating ----------------------------------------------------------------------


@dataclass(slots=True)
class _Where:
    """Where a record sits in the files, put into words only when there is something to say about it."""

    file: str
    position: int
    code: Any  # the SIREN of an EPCI, the INSEE code of a member or of a commune
    is_epci: bool = False
    epci: "_Where | None" = None  # for a member: its EPCI

    def __str__(self) -> str:
        code = self.code if isinstance(self.code, str) else "?"
        if self.epci is not None:
            return _("%(epci)s, member no. %(position)d (INSEE code %(code)s)") % {
                "epci": self.epci,
                "position": self.position,
                "code": code,
            }
        if self.is_epci:
            return _("%(file)s, EPCI no. %(position)d (SIREN %(siren)s)") % {
                "file": self.file,
                "position": self.position,
                "siren": code,
            }
        return _("%(file)s, entry no. %(position)d (INSEE code %(code)s)") % {
            "file": self.file,
            "position": self.position,
            "code": code,
        }


@dataclass(slots=True)
class _MemberEntry:
    where: _Where
    insee_code: str
    siren: str


@dataclass(slots=True)
class _EpciEntry:
    where: _Where
    siren: str
    name: str
    members: list[_MemberEntry]


def _load_json_list(path: Path) -> list:
    try:
        with path.open(encoding="utf-8") as file:
            data = json.load(file)
    except FileNotFoundError as error:
        message = _("%(file)s: file not found (%(path)s).") % {"file": path.name, "path": path}
        raise TerritoryDataError([message]) from error
    except json.JSONDecodeError as error:
        message = _("%(file)s is not valid JSON (line %(line)d, column %(column)d: %(error)s).") % {
            "file": path.name,
            "line": error.lineno,
            "column": error.colno,
            "error": error.msg,
        }
        raise TerritoryDataError([message]) from error
    except (OSError, UnicodeDecodeError) as error:
        message = _("%(file)s cannot be read: %(error)s.") % {"file": path.name, "error": error}
        raise TerritoryDataError([message]) from error
    if not isinstance(data, list):
        raise TerritoryDataError([_("%(file)s must hold a list of records.") % {"file": path.name}])
    return data


def _problem(where: "_Where | str", problem: str) -> str:
    return _("%(location)s: %(problem)s") % {"location": where, "problem": problem}


def _required(record: dict, key: str, problems: list[str]) -> Any:
    if key not in record:
        problems.append(_("missing key “%(key)s”") % {"key": key})
    return record.get(key)


def _check_code(value: Any, validator, problems: list[str]) -> str:
    """A SIREN or an INSEE code, checked by ``validator`` (the one forms use, with its message)."""
    if value is None:  # missing: already reported
        return ""
    if not isinstance(value, str) or not value:
        problems.append(_("“%(value)s” is not a valid code: a non-empty string is expected") % {"value": value})
        return ""
    try:
        validator(value)
    except ValidationError as error:
        problems.extend(error.messages)
    return value


def _check_name(value: Any, problems: list[str]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > NAME_MAX_LENGTH:
        problems.append(
            _("the name must be a non-empty string of at most %(max_length)d characters")
            % {"max_length": NAME_MAX_LENGTH}
        )
        return ""
    return value.strip()


def _check_population(value: Any, problems: list[str]) -> int:
    if value is None:
        return 0
    # bool is a subclass of int: refuse ``true`` explicitly.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= POPULATION_MAX:
        problems.append(_("the population must be a whole number, zero or more (found %(value)r)") % {"value": value})
        return 0
    return value


def _check_department_code(value: Any, problems: list[str]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not DEPARTMENT_CODE_REGEX.match(value):
        problems.append(_("“%(value)s” is not a valid département code") % {"value": value})
        return ""
    return value


def _check_epci_entries(raw_epcis: list, *, epci_file: str, errors: list[str]) -> list[_EpciEntry]:
    entries = []
    epci_of_siren: dict[str, _Where] = {}
    epci_of_member: dict[str, _Where] = {}
    for position, record in enumerate(raw_epcis, start=1):
        where = _Where(epci_file, position, record.get("code") if isinstance(record, dict) else None, is_epci=True)
        if not isinstance(record, dict):
            errors.append(_problem(where, _("the record must be an object")))
            continue
        problems: list[str] = []
        siren = _check_code(_required(record, "code", problems), validate_siren, problems)
        name = _check_name(_required(record, "nom", problems), problems)
        raw_members = _required(record, "membres", problems)
        if raw_members is not None and (not isinstance(raw_members, list) or not raw_members):
            problems.append(_("“membres” must be a non-empty list"))
        if siren in epci_of_siren:
            problems.append(_("SIREN already used by %(other)s") % {"other": epci_of_siren[siren]})
        elif siren:
            epci_of_siren[siren] = where
        errors.extend(_problem(where, problem) for problem in problems)

        entry = _EpciEntry(where=where, siren=siren, name=name, members=[])
        for member_position, member in enumerate(raw_members if isinstance(raw_members, list) else [], start=1):
            member_where = _Where(
                epci_file, member_position, member.get("code") if isinstance(member, dict) else None, epci=where
            )
            if not isinstance(member, dict):
                errors.append(_problem(member_where, _("the record must be an object")))
                continue
            member_problems: list[str] = []
            insee_code = _check_code(
                _required(member, "code", member_problems), validate_insee_commune_code, member_problems
            )
            member_siren = _check_code(_required(member, "siren", member_problems), validate_siren, member_problems)
            if insee_code in epci_of_member:
                # The database would refuse it too (one row per commune), but only halfway through the writes.
                member_problems.append(
                    _("the commune is already listed in %(other)s") % {"other": epci_of_member[insee_code]}
                )
            elif insee_code:
                epci_of_member[insee_code] = where
            errors.extend(_problem(member_where, problem) for problem in member_problems)
            if not member_problems:
                entry.members.append(_MemberEntry(where=member_where, insee_code=insee_code, siren=member_siren))
        if not problems:
            entries.append(entry)
    return entries


def _check_commune_entries(
    raw_communes: list, *, communes_file: str, wanted_codes: set[str], errors: list[str]
) -> tuple[dict[str, CommuneRecord], set[str]]:
    """The current communes of ``communes.json`` that some EPCI lists, by INSEE code, and the codes of
    those that are malformed.

    Entries no EPCI lists (communes déléguées, arrondissements, the overseas collectivities outside
    any EPCI, some of which have no SIREN) only need a type and a code.
    """
    communes: dict[str, CommuneRecord] = {}
    malformed_codes: set[str] = set()
    entry_of_code: dict[str, _Where] = {}
    for position, record in enumerate(raw_communes, start=1):
        code = record.get("code") if isinstance(record, dict) else None
        where = _Where(communes_file, position, code)
        if not isinstance(record, dict):
            errors.append(_problem(where, _("the record must be an object")))
            continue
        problems: list[str] = []
        record_type = _required(record, "type", problems)
        if _required(record, "code", problems) is not None and not isinstance(code, str):
            problems.append(_("“%(value)s” is not a valid code: a non-empty string is expected") % {"value": code})
        if problems or record_type != CURRENT_COMMUNE_TYPE or code not in wanted_codes:
            errors.extend(_problem(where, problem) for problem in problems)
            continue
        if code in entry_of_code:
            problems.append(_("INSEE code already used by %(other)s") % {"other": entry_of_code[code]})
        entry_of_code[code] = where
        commune = CommuneRecord(
            insee_code=code,
            name=_check_name(_required(record, "nom", problems), problems),
            siren=_check_code(_required(record, "siren", problems), validate_siren, problems),
            department_code=_check_department_code(_required(record, "departement", problems), problems),
            population=_check_population(_required(record, "population", problems), problems),
        )
        errors.extend(_problem(where, problem) for problem in problems)
        if problems:
            malformed_codes.add(code)
        else:
            communes[code] = commune
    return communes, malformed_codes


def _join_members(
    entries: list[_EpciEntry],
    communes: dict[str, CommuneRecord],
    *,
    malformed_codes: set[str],
    communes_file: str,
    errors: list[str],
) -> list[EpciRecord]:
    epcis = []
    owner_of_siren: dict[str, _Where] = {entry.siren: entry.where for entry in entries}
    for entry in entries:
        members = []
        for member in entry.members:
            commune = communes.get(member.insee_code)
            if commune is None:
                if member.insee_code not in malformed_codes:  # else already reported
                    problem = _("no current commune (type “%(type)s”) with this INSEE code in %(file)s") % {
                        "type": CURRENT_COMMUNE_TYPE,
                        "file": communes_file,
                    }
                    errors.append(_problem(member.where, problem))
                continue
            if commune.siren != member.siren:
                problem = _("SIREN %(siren)s, but %(file)s gives %(other_siren)s") % {
                    "siren": member.siren,
                    "file": communes_file,
                    "other_siren": commune.siren,
                }
                errors.append(_problem(member.where, problem))
            elif commune.siren in owner_of_siren:
                problem = _("SIREN %(siren)s already used by %(other)s") % {
                    "siren": commune.siren,
                    "other": owner_of_siren[commune.siren],
                }
                errors.append(_problem(member.where, problem))
            else:
                owner_of_siren[commune.siren] = member.where
            members.append(commune)
        epcis.append(EpciRecord(siren=entry.siren, name=entry.name, members=tuple(members)))
    return epcis


def _select_epcis(epcis: list[EpciRecord], *, sirens: Iterable[str], epci_file: str) -> list[EpciRecord]:
    by_siren = {epci.siren: epci for epci in epcis}
    wanted = list(dict.fromkeys(sirens))
    unknown = [siren for siren in wanted if siren not in by_siren]
    if unknown:
        raise TerritoryDataError(
            [
                _("%(file)s has no EPCI with SIREN “%(siren)s”.") % {"file": epci_file, "siren": siren}
                for siren in unknown
            ]
        )
    return [by_siren[siren] for siren in wanted]


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
    return _problem(where, problem)


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
            row = Organisation(kind=OrganisationKind.EPCI, siren=epci.siren, **values)
            epcis_to_create.append(row)
        elif row.kind != OrganisationKind.EPCI:
            conflicts.append(_conflict(_epci_where(epci), row, epci.siren))
        elif changed := _apply(row, values, now):
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
            communes_to_create.append(Organisation(kind=OrganisationKind.COMMUNE, **values))
        elif changed := _apply(row, values, now):
            commune_changes.append((row, changed))
        else:
            communes_unchanged += 1
    for row in _communes_leaving([row.pk for row in epci_rows.values()], {c.insee_code for c in communes}):
        commune_changes.append((row, _apply(row, {"epci_id": None}, now)))

    _create(communes_to_create, now=now, by=by)
    _update(commune_changes, now=now, by=by)
    return ImportReport(
        epcis_created=len(epcis_to_create),
        epcis_updated=len(epci_changes),
        epcis_unchanged=len(epcis) - len(epcis_to_create) - len(epci_changes),
        communes_created=len(communes_to_create),
        communes_updated=len(commune_changes),
        communes_unchanged=communes_unchanged,
    )
