"""Reads of organisations and territories shared by pages: an organisation's page, the catalogue of the
EPCIs of France (Etalab's files, ``partners.territory_data``) and the list of départements.

The catalogue is searched in memory: the files are read once per process, and the search text of each
EPCI (its name, SIREN, and its communes' names, INSEE codes and postal codes, without accents or case)
is built once per file set. Only the page shown asks the database which EPCIs are already organisations.
"""

import re
import unicodedata
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from partners.models import Organisation
from partners.permissions import may_view_organisations
from partners.territory_data import (
    DepartementRecord,
    EpciRecord,
    TerritorySet,
    load_departements,
    load_territories,
)

CATALOGUE_PAGE_SIZE = 20
MATCHED_COMMUNES_SHOWN = 3
QUERY_MAX_LENGTH = 100

# What Etalab's type of EPCI means, for the screens (the legal names spell it out in French already).
EPCI_TYPE_LABELS = {
    "CA": _("Agglomeration community"),
    "CC": _("Community of communes"),
    "CU": _("Urban community"),
    "METRO": _("Metropolis"),
    "MET69": _("Metropolis of Lyon"),
}


# --- Organisations ---------------------------------------------------------------------------------


def organisations_visible_to(user) -> QuerySet[Organisation]:
    """Every organisation for an active user (legal identities are public), none otherwise."""
    if not may_view_organisations(user):
        return Organisation.objects.none()
    return Organisation.objects.all()


def organisation_for_page(*, user, pk: int) -> Organisation:
    """The organisation with its intercommunality (for a commune); 404 if the user may not see it."""
    return get_object_or_404(organisations_visible_to(user).select_related("epci"), pk=pk)


def member_communes(epci: Organisation) -> QuerySet[Organisation]:
    """An EPCI's communes, by name, with what its page lists."""
    return epci.member_communes.order_by("name").only(
        "pk", "name", "legal_name", "insee_code", "siren", "population", "postal_code", "kind", "epci_id"
    )


# --- Départements ----------------------------------------------------------------------------------


def departements() -> tuple[DepartementRecord, ...]:
    """The départements of France (code, name, type of name), in the official order (01 … 976)."""
    return load_departements()


def departement(code: str) -> DepartementRecord | None:
    return next((record for record in departements() if record.code == code), None)


# --- The catalogue of EPCIs ------------------------------------------------------------------------


@dataclass(frozen=True)
class EpciEntry:
    """One EPCI of the official files, as the catalogue shows it."""

    siren: str
    name: str
    legal_name: str
    etalab_type: str
    department_code: str
    department_name: str
    commune_count: int
    population: int
    # Member communes the search matched (when the EPCI was found through them), a few at most.
    matched_communes: tuple[str, ...] = ()
    # The organisation already holding this SIREN, if any (set for the entries of a page only).
    organisation: Organisation | None = None

    @property
    def type_label(self) -> str:
        return str(EPCI_TYPE_LABELS.get(self.etalab_type, self.etalab_type))


_NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalise_search(text: str) -> str:
    """Lower case, without accents, words separated by one space: « Sables-d'Olonne » → « sables d olonne »."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_accents = "".join(character for character in decomposed if not unicodedata.combining(character))
    return _NOT_WORD.sub(" ", without_accents.replace("œ", "oe").replace("æ", "ae")).strip()


@dataclass(frozen=True, slots=True)
class _Indexed:
    epci: EpciRecord
    name_text: str  # " " + normalised name, legal name and SIREN
    commune_texts: tuple[str, ...]  # " " + normalised name, INSEE code and postal codes of each member
    all_text: str


_indexes: "weakref.WeakKeyDictionary[TerritorySet, list[_Indexed]]" = weakref.WeakKeyDictionary()


def _index(territories: TerritorySet) -> list[_Indexed]:
    if territories not in _indexes:
        indexed = []
        for epci in territories.epcis:
            name_text = " " + normalise_search(f"{epci.name} {epci.legal_name} {epci.siren}")
            commune_texts = tuple(
                " " + normalise_search(f"{commune.name} {commune.insee_code} {' '.join(commune.postal_codes)}")
                for commune in epci.members
            )
            indexed.append(_Indexed(epci, name_text, commune_texts, name_text + "".join(commune_texts)))
        _indexes[territories] = indexed
    return _indexes[territories]


def _has_words(text: str, words: list[str]) -> bool:
    """Every word starts a word of ``text`` (« lot » finds « Lot-et-Garonne », not « Pilote »)."""
    return all(f" {word}" in text for word in words)


def _matches(
    territories: TerritorySet, *, query: str, department_codes: Iterable[str]
) -> list[tuple[EpciRecord, tuple[str, ...]]]:
    """The EPCIs matching, best first, each with the member communes that matched.

    Found by its name or SIREN first; then through a commune named exactly so, then through a commune
    holding every word; then with the words spread over its name and communes (« cahors 46 »). Ties: by
    name.
    """
    query = normalise_search(query[:QUERY_MAX_LENGTH])
    words = query.split()
    codes = set(department_codes)
    found: list[tuple[tuple, EpciRecord, tuple[str, ...]]] = []
    for item in _index(territories):
        epci = item.epci
        if codes and epci.department_code not in codes:
            continue
        if words and not _has_words(item.all_text, words):
            continue
        rank, matched = 0, ()
        if words and not _has_words(item.name_text, words):
            # The words the EPCI's own name lacks were found in these communes.
            missing = [word for word in words if f" {word}" not in item.name_text]
            communes = [
                (commune, text)
                for commune, text in zip(epci.members, item.commune_texts, strict=True)
                if any(f" {word}" in text for word in missing)
            ]
            if any(normalise_search(commune.name) == query for commune, _text in communes):
                rank = 1
            elif any(_has_words(text, words) for _commune, text in communes):
                rank = 2
            else:
                rank = 3
            # Only those holding every word, if any (« Saint-Étienne-sur-Usson », not « Saint-Babel »).
            communes = [pair for pair in communes if _has_words(pair[1], words)] or communes
            matched = tuple(commune.name for commune, _text in communes[:MATCHED_COMMUNES_SHOWN])
        found.append(((rank, normalise_search(epci.name)), epci, matched))
    found.sort(key=lambda entry: entry[0])
    return [(epci, matched) for _rank, epci, matched in found]


def _entry(epci: EpciRecord, matched: tuple[str, ...], department_names: dict[str, str]) -> EpciEntry:
    return EpciEntry(
        siren=epci.siren,
        name=epci.name,
        legal_name=epci.legal_name,
        etalab_type=epci.etalab_type,
        department_code=epci.department_code,
        department_name=department_names.get(epci.department_code, ""),
        commune_count=len(epci.members),
        population=epci.population,
        matched_communes=matched,
    )


def _with_organisations(entries: list[EpciEntry]) -> list[EpciEntry]:
    """The entries with the organisation holding each SIREN, if any, in one query."""
    organisations = {
        organisation.siren: organisation
        for organisation in Organisation.objects.filter(siren__in=[entry.siren for entry in entries]).only(
            "pk", "name", "short_name", "kind", "siren"
        )
    }
    return [replace(entry, organisation=organisations.get(entry.siren)) for entry in entries]


def epci_catalogue(
    *, query: str = "", department_codes: Iterable[str] = (), data_dir: Path | str | None = None
) -> list[EpciEntry]:
    """Every EPCI of the official files matching ``query`` (accents and case ignored: words of its name,
    its SIREN, a member commune's name, INSEE code or postal code) in the given départements (all
    when none), best first, each with its organisation if the portal has one (one query).

    Raises ``TerritoryDataError`` if the files cannot be read.
    """
    territories = load_territories(data_dir)
    names = {record.code: record.name for record in load_departements(data_dir)}
    matches = _matches(territories, query=query, department_codes=department_codes)
    return _with_organisations([_entry(epci, matched, names) for epci, matched in matches])


def epci_catalogue_page(
    *,
    query: str = "",
    department_codes: Iterable[str] = (),
    page_number: int | str | None = 1,
    per_page: int = CATALOGUE_PAGE_SIZE,
    data_dir: Path | str | None = None,
) -> Page:
    """One page of ``epci_catalogue``: only its entries are looked up in the database (one query).

    An out-of-range or malformed page number gives the last or the first page.
    """
    territories = load_territories(data_dir)
    names = {record.code: record.name for record in load_departements(data_dir)}
    matches = _matches(territories, query=query, department_codes=department_codes)
    page = Paginator(matches, per_page).get_page(page_number)
    page.object_list = _with_organisations([_entry(epci, matched, names) for epci, matched in page.object_list])
    return page


def epci_in_catalogue(siren: str, *, data_dir: Path | str | None = None) -> EpciEntry | None:
    """The catalogue's entry for one SIREN, without its organisation (no query); None if unknown."""
    territories = load_territories(data_dir)
    epci = territories.by_siren.get(siren)
    if epci is None:
        return None
    names = {record.code: record.name for record in load_departements(data_dir)}
    return _entry(epci, (), names)
