"""The legal denominations the portal writes itself, from official data: written once, used by the
territory import, the catalogue of EPCIs and the services that create a CAF or a Département.

« CA du Grand Cahors » (Etalab's name) → « Communauté d'agglomération du Grand Cahors »;
« Le Havre » (TNCC 2) → « Commune du Havre »; the Lot (TNCC 2) → « CAF du Lot », « Caisse d'allocations
familiales du Lot », « Département du Lot ». These are names (data), written in French and never
translated.
"""

from dataclasses import dataclass

from partners import grammar

# Etalab's ``type`` of an EPCI and the words its abbreviation stands for at the head of the name.
# Métropoles (METRO, and MET69 for Lyon) are named in full already (« Bordeaux Métropole »).
EPCI_TYPE_WORDS = {
    "CA": "Communauté d'agglomération",
    "CC": "Communauté de communes",
    "CU": "Communauté urbaine",
}


def epci_legal_name(name: str, etalab_type: str | None = None) -> str:
    """« CA du Grand Cahors » → « Communauté d'agglomération du Grand Cahors ».

    With ``etalab_type`` the abbreviation must be that type's; without it (a name already stored, whose
    type the database does not keep), any known abbreviation heading the name is expanded.
    """
    name = grammar.normalise_spaces(name)
    types = [etalab_type] if etalab_type else list(EPCI_TYPE_WORDS)
    for abbreviation in types:
        words = EPCI_TYPE_WORDS.get(abbreviation)
        if words and name.startswith(f"{abbreviation} "):
            return f"{words} {name[len(abbreviation) + 1 :]}"
    return name


def commune_legal_name(name: str, liaison: int | None = None) -> str:
    """« Commune de Cahors », « Commune du Havre », « Commune des Sables-d'Olonne », « Commune d'Agen »."""
    return f"Commune {grammar.of_place(name, liaison)}"


@dataclass(frozen=True)
class DepartmentNames:
    """What an organisation of a département is called: ``name`` on screens, ``legal_name`` in documents."""

    name: str
    legal_name: str


# Where the CAF is not « CAF de <département> »: Mayotte's is the Caisse de sécurité sociale (CSSM).
# The Pyrénées-Atlantiques have two CAFs (Béarn et Soule, Pays basque): no single name can be
# guessed, the organisation form creates either.
CAF_EXCEPTIONS = {
    "976": DepartmentNames("CSSM de Mayotte", "Caisse de sécurité sociale de Mayotte"),
}
DEPARTMENTS_WITHOUT_ONE_CAF = {"64"}


def caf_names(department_code: str, department_name: str, liaison: int | None) -> DepartmentNames:
    """« CAF du Lot » / « Caisse d'allocations familiales du Lot »."""
    if department_code in CAF_EXCEPTIONS:
        return CAF_EXCEPTIONS[department_code]
    of_department = grammar.of_department(department_name, liaison)
    return DepartmentNames(f"CAF {of_department}", f"Caisse d'allocations familiales {of_department}")


def departement_names(department_name: str, liaison: int | None) -> DepartmentNames:
    """« Département du Lot », « Département de la Gironde », « Département de l'Ain »."""
    name = f"Département {grammar.of_department(department_name, liaison)}"
    return DepartmentNames(name, name)
