"""Etalab's « découpage administratif », read and validated: the EPCIs, their communes, the départements.

The files (npm package ``@etalab/decoupage-administratif``): ``epci.json`` lists each EPCI with its type
and member communes, ``communes.json`` gives each commune's name, SIREN, département, population,
postal codes and INSEE type of name (``typeLiaison``, for « du Havre »), ``departements.json`` each
département's name. Each file may be plain JSON or xz-compressed (``epci.json.xz``): the repository
ships all France in ``data/territories/france/`` (compressed) and the two EPCIs of the demo in
``data/territories/extract/``.

Both territory files are read and validated whole, and every wrong record is reported at once
(``TerritoryDataError``); nothing here writes. A file larger than ``MAX_FILE_BYTES`` once decompressed is
refused before it is parsed.

Reading and validating all France takes about a second, so the result is kept in memory, per process,
for the last few files read, keyed on each file's path and the digest of its bytes: an import of one
EPCI on the spot, or a search in the catalogue, then costs milliseconds, and a new file (a newer
release, a test's own file) is read again however soon it was written.
"""

import hashlib
import json
import lzma
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partners import denominations, grammar
from partners.models import Organisation
from partners.validators import validate_insee_commune_code, validate_siren

EPCI_FILE_NAME = "epci.json"
COMMUNES_FILE_NAME = "communes.json"
DEPARTEMENTS_FILE_NAME = "departements.json"
COMPRESSED_SUFFIX = ".xz"
CURRENT_COMMUNE_TYPE = "commune-actuelle"

# Metropolitan départements (2A and 2B for Corsica) and the overseas ones (97x).
DEPARTMENT_CODE_REGEX = re.compile(r"^([0-9]{2}|2A|2B|97[0-9])$")
POSTAL_CODE_REGEX = re.compile(r"^[0-9]{5}$")
NAME_MAX_LENGTH = Organisation._meta.get_field("name").max_length
POPULATION_MAX = 2_147_483_647  # PositiveIntegerField's upper bound on PostgreSQL
LIAISON_MAX = 8  # INSEE's TNCC codes run from 0 to 8 (partners.grammar)
TYPE_MAX_LENGTH = 20
# The full communes.json is 8.6 MB: eight times that is a wrong file, not a newer release.
MAX_FILE_BYTES = 64 * 1024 * 1024
ERRORS_SHOWN = 20
CACHE_SIZE = 4  # parsed sets kept per process (France, the extract, and a test's or a newer release's)


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


@dataclass(frozen=True, slots=True)
class CommuneRecord:
    insee_code: str
    siren: str
    name: str
    department_code: str
    population: int
    name_liaison: int | None = None  # INSEE's TNCC (``typeLiaison``); None when the file does not say
    postal_codes: tuple[str, ...] = ()

    @property
    def postal_code(self) -> str:
        """The first postal code Etalab lists (the commune's main one), or ""."""
        return self.postal_codes[0] if self.postal_codes else ""

    @property
    def legal_name(self) -> str:
        return denominations.commune_legal_name(self.name, self.name_liaison)


@dataclass(frozen=True, slots=True)
class EpciRecord:
    siren: str
    name: str
    members: tuple[CommuneRecord, ...]
    etalab_type: str = ""  # CA, CC, CU, METRO, MET69

    @property
    def population(self) -> int:
        return sum(commune.population for commune in self.members)

    @property
    def department_code(self) -> str:
        """The département holding most of the communes (ties: the one with more inhabitants)."""
        communes = Counter(commune.department_code for commune in self.members)
        inhabitants = Counter()
        for commune in self.members:
            inhabitants[commune.department_code] += commune.population
        return max(sorted(communes), key=lambda code: (communes[code], inhabitants[code]))

    @property
    def legal_name(self) -> str:
        return denominations.epci_legal_name(self.name, self.etalab_type)


@dataclass(frozen=True, eq=False)
class TerritorySet:
    """The EPCIs of one pair of files, in the files' order. Compared by identity (it is cached whole)."""

    epcis: tuple[EpciRecord, ...]
    source: str  # the EPCI file's name, for messages
    by_siren: dict[str, EpciRecord] = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "by_siren", {epci.siren: epci for epci in self.epcis})

    def select(self, sirens: Iterable[str]) -> list[EpciRecord]:
        """The EPCIs with these SIRENs, in the order given; ``TerritoryDataError`` naming any missing."""
        wanted = list(dict.fromkeys(sirens))
        unknown = [siren for siren in wanted if siren not in self.by_siren]
        if unknown:
            raise TerritoryDataError(
                [
                    _("%(file)s has no EPCI with SIREN “%(siren)s”.") % {"file": self.source, "siren": siren}
                    for siren in unknown
                ]
            )
        return [self.by_siren[siren] for siren in wanted]


@dataclass(frozen=True, slots=True)
class DepartementRecord:
    code: str
    name: str
    name_liaison: int | None

    @property
    def of_name(self) -> str:
        """« du Lot », « de la Gironde », « de l'Ain »."""
        return grammar.of_department(self.name, self.name_liaison)


# --- Public readers --------------------------------------------------------------------------------


def data_file(data_dir: Path | str, file_name: str) -> Path:
    """``file_name`` in ``data_dir``, plain if present, else compressed (``.xz``) if present, else the plain
    name (whose absence the reader then reports)."""
    plain = Path(data_dir) / file_name
    compressed = plain.with_name(file_name + COMPRESSED_SUFFIX)
    return compressed if not plain.exists() and compressed.exists() else plain


def load_territories(data_dir: Path | str | None = None) -> TerritorySet:
    """The EPCIs of ``data_dir`` (default: the ``TERRITORY_DATA_DIR`` setting), validated, from the cache."""
    data_dir = Path(settings.TERRITORY_DATA_DIR if data_dir is None else data_dir)
    return read_territory_files(
        epci_path=data_file(data_dir, EPCI_FILE_NAME), communes_path=data_file(data_dir, COMMUNES_FILE_NAME)
    )


def read_territory_files(*, epci_path: Path, communes_path: Path) -> TerritorySet:
    """Reads and validates both files whole; raises ``TerritoryDataError`` listing every wrong record."""
    epci_path, communes_path = Path(epci_path), Path(communes_path)
    epci_bytes, communes_bytes = _read_bytes(epci_path), _read_bytes(communes_path)
    key = ("territories", str(epci_path), _digest(epci_bytes), str(communes_path), _digest(communes_bytes))
    return _cached(key, lambda: _parse_territories(epci_path, epci_bytes, communes_path, communes_bytes))


def load_departements(data_dir: Path | str | None = None) -> tuple[DepartementRecord, ...]:
    """The départements of ``departements.json`` (metropolitan and overseas, not the other collectivities
    of the Pacific and Antarctica), in the file's order; ``TerritoryDataError`` if it is missing or wrong."""
    data_dir = Path(settings.TERRITORY_DATA_DIR if data_dir is None else data_dir)
    path = data_file(data_dir, DEPARTEMENTS_FILE_NAME)
    raw = _read_bytes(path)
    return _cached(("departements", str(path), _digest(raw)), lambda: _parse_departements(path, raw))


# --- The cache -------------------------------------------------------------------------------------

_cache: OrderedDict[tuple, Any] = OrderedDict()
_cache_lock = threading.Lock()


def _digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def _cached(key: tuple, compute: Callable[[], Any]) -> Any:
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = compute()  # outside the lock: a second thread may parse too, and both get the same result
    with _cache_lock:
        _cache[key] = value
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


# --- Reading and validating ------------------------------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    """The file's bytes as stored (compressed or not), refused beyond ``MAX_FILE_BYTES``."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError as error:
        message = _("%(file)s: file not found (%(path)s).") % {"file": path.name, "path": path}
        raise TerritoryDataError([message]) from error
    except OSError as error:
        message = _("%(file)s cannot be read: %(error)s.") % {"file": path.name, "error": error}
        raise TerritoryDataError([message]) from error
    if len(raw) > MAX_FILE_BYTES:
        raise TerritoryDataError([_too_large(path)])
    return raw


def _too_large(path: Path) -> str:
    return _("%(file)s is larger than %(size)d MB: not read.") % {
        "file": path.name,
        "size": MAX_FILE_BYTES // (1024 * 1024),
    }


def _json_list(path: Path, raw: bytes) -> list:
    if path.name.endswith(COMPRESSED_SUFFIX):
        decompressor = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
        try:
            raw = decompressor.decompress(raw, max_length=MAX_FILE_BYTES + 1)
        except lzma.LZMAError as error:
            message = _("%(file)s is not a valid xz file: %(error)s.") % {"file": path.name, "error": error}
            raise TerritoryDataError([message]) from error
        if len(raw) > MAX_FILE_BYTES:
            raise TerritoryDataError([_too_large(path)])
        if not decompressor.eof:
            raise TerritoryDataError([_("%(file)s is truncated.") % {"file": path.name}])
    try:
        data = json.loads(raw.decode("utf-8"))
    except json.JSONDecodeError as error:
        message = _("%(file)s is not valid JSON (line %(line)d, column %(column)d: %(error)s).") % {
            "file": path.name,
            "line": error.lineno,
            "column": error.colno,
            "error": error.msg,
        }
        raise TerritoryDataError([message]) from error
    except UnicodeDecodeError as error:
        message = _("%(file)s cannot be read: %(error)s.") % {"file": path.name, "error": error}
        raise TerritoryDataError([message]) from error
    if not isinstance(data, list):
        raise TerritoryDataError([_("%(file)s must hold a list of records.") % {"file": path.name}])
    return data


def _parse_territories(epci_path: Path, epci_bytes: bytes, communes_path: Path, communes_bytes: bytes) -> TerritorySet:
    raw_epcis = _json_list(epci_path, epci_bytes)
    raw_communes = _json_list(communes_path, communes_bytes)
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
    return TerritorySet(epcis=tuple(epcis), source=epci_path.name)


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
    etalab_type: str
    members: list[_MemberEntry]


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
    if validator is validate_siren and _is_valid_siren(value):
        return value  # the usual case, checked fast: 70 000 SIRENs in all France's files
    try:
        validator(value)
    except ValidationError as error:
        problems.extend(error.messages)
    return value


# Luhn's doubled digits (2d, minus 9 above 9), for the fast path of _check_code.
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def _is_valid_siren(value: str) -> bool:
    """The same answer as ``validate_siren`` for a valid SIREN, three times faster than python-stdnum's
    Luhn; anything else goes through ``validate_siren`` for its message."""
    if len(value) != 9 or not value.isascii() or not value.isdigit():
        return False
    digits = [ord(character) - 48 for character in value]
    total = digits[0] + digits[2] + digits[4] + digits[6] + digits[8]
    total += _DOUBLED[digits[1]] + _DOUBLED[digits[3]] + _DOUBLED[digits[5]] + _DOUBLED[digits[7]]
    return total % 10 == 0


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


def _check_epci_type(value: Any, problems: list[str]) -> str:
    """Etalab's type of EPCI (CA, CC…): optional; an unknown one is kept, its name is then used as is."""
    if value is None:
        return ""
    if not isinstance(value, str) or not 0 < len(value) <= TYPE_MAX_LENGTH:
        problems.append(
            _("the type must be a non-empty string of at most %(max_length)d characters")
            % {"max_length": TYPE_MAX_LENGTH}
        )
        return ""
    return value


def _check_liaison(value: Any, problems: list[str]) -> int | None:
    """INSEE's type of name (``typeLiaison``, 0 to 8): optional, some overseas communes have none."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= LIAISON_MAX:
        problems.append(
            _("“typeLiaison” must be a whole number from 0 to %(max)d (found %(value)r)")
            % {"max": LIAISON_MAX, "value": value}
        )
        return None
    return value


def _check_postal_codes(value: Any, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(
        isinstance(code, str) and POSTAL_CODE_REGEX.match(code) for code in value
    ):
        problems.append(
            _("“codesPostaux” must be a list of five-digit postal codes (found %(value)r)") % {"value": value}
        )
        return ()
    return tuple(value)


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
        etalab_type = _check_epci_type(record.get("type"), problems)
        raw_members = _required(record, "membres", problems)
        if raw_members is not None and (not isinstance(raw_members, list) or not raw_members):
            problems.append(_("“membres” must be a non-empty list"))
        if siren in epci_of_siren:
            problems.append(_("SIREN already used by %(other)s") % {"other": epci_of_siren[siren]})
        elif siren:
            epci_of_siren[siren] = where
        errors.extend(_problem(where, problem) for problem in problems)

        entry = _EpciEntry(where=where, siren=siren, name=name, etalab_type=etalab_type, members=[])
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
            name_liaison=_check_liaison(record.get("typeLiaison"), problems),
            postal_codes=_check_postal_codes(record.get("codesPostaux"), problems),
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
        epcis.append(
            EpciRecord(siren=entry.siren, name=entry.name, etalab_type=entry.etalab_type, members=tuple(members))
        )
    return epcis


def _parse_departements(path: Path, raw: bytes) -> tuple[DepartementRecord, ...]:
    errors: list[str] = []
    departements = []
    seen: set[str] = set()
    for position, record in enumerate(_json_list(path, raw), start=1):
        code = record.get("code") if isinstance(record, dict) else None
        where = _("%(file)s, entry no. %(position)d (code %(code)s)") % {
            "file": path.name,
            "position": position,
            "code": code if isinstance(code, str) else "?",
        }
        if not isinstance(record, dict):
            errors.append(_problem(where, _("the record must be an object")))
            continue
        if record.get("zone") == "com" or (isinstance(code, str) and code.startswith("98")):
            continue  # the overseas collectivities of the Pacific and Antarctica: no département, no CAF
        problems: list[str] = []
        code = _check_department_code(_required(record, "code", problems), problems)
        name = _check_name(_required(record, "nom", problems), problems)
        liaison = _check_liaison(record.get("typeLiaison"), problems)
        if code in seen:
            problems.append(_("code already listed"))
        seen.add(code)
        errors.extend(_problem(where, problem) for problem in problems)
        if not problems:
            departements.append(DepartementRecord(code=code, name=name, name_liaison=liaison))
    if errors:
        raise TerritoryDataError(errors)
    return tuple(departements)
