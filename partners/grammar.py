"""French grammar with proper names, written once: « du Havre », « des Sables-d'Olonne », « au Havre »,
« la Caisse d'allocations familiales du Lot », « la Présidente ».

Place names follow INSEE's *type de nom en clair* (TNCC, ``typeLiaison`` in Etalab's files), which says
which article the name carries and how it joins « de »: 0 « de » + consonant, 1 « d' » (vowel or mute h),
2 « Le » → « du », 3 « La » → « de La », 4 « Les » → « des », 5 « L' » → « de L' », 6 « Aux » → « des »,
7 « Las » → « de Las », 8 « Los » → « de Los ». Without that code (a name typed by hand), the
article is read off the name itself; a mute h cannot be guessed, so « H… » takes « de ».
"""

import re
import unicodedata

from partners.choices import OrganisationKind

# TNCC codes (INSEE) and the article each implies at the start of the name.
LIAISON_DE = 0
LIAISON_D_APOSTROPHE = 1
LIAISON_LE = 2
LIAISON_LA = 3
LIAISON_LES = 4
LIAISON_L_APOSTROPHE = 5
LIAISON_AUX = 6
LIAISON_LAS = 7
LIAISON_LOS = 8

LIAISON_CHOICES = [
    (LIAISON_DE, "de …"),
    (LIAISON_D_APOSTROPHE, "d'…"),
    (LIAISON_LE, "du … (Le …)"),
    (LIAISON_LA, "de La …"),
    (LIAISON_LES, "des … (Les …)"),
    (LIAISON_L_APOSTROPHE, "de L'…"),
    (LIAISON_AUX, "des … (Aux …)"),
    (LIAISON_LAS, "de Las …"),
    (LIAISON_LOS, "de Los …"),
]

# The straight apostrophe, as Etalab's names (« CA d'Agen », « Les Sables-d'Olonne ») and what people type
# write it: an elision made here must not read « Caisse d'allocations familiales de l’Ain » beside them.
APOSTROPHE = "'"
_APOSTROPHES = "'\u2019"
_ARTICLE_PREFIXES = [
    ("Les ", LIAISON_LES),
    ("Le ", LIAISON_LE),
    ("La ", LIAISON_LA),
    ("Aux ", LIAISON_AUX),
    ("Las ", LIAISON_LAS),
    ("Los ", LIAISON_LOS),
    ("L'", LIAISON_L_APOSTROPHE),
    ("L\u2019", LIAISON_L_APOSTROPHE),
]
_VOWELS = "aeiouyAEIOUY"


def _starts_with_vowel(word: str) -> bool:
    base = unicodedata.normalize("NFD", word[:1])[:1]
    return bool(base) and base in _VOWELS


def guess_liaison(name: str) -> int:
    """The TNCC a place name implies when nobody gave it (« Le Havre » → 2, « Agen » → 1)."""
    name = name.strip()
    for prefix, liaison in _ARTICLE_PREFIXES:
        if name.startswith(prefix):
            return liaison
    return LIAISON_D_APOSTROPHE if _starts_with_vowel(name) else LIAISON_DE


def _without_article(name: str, liaison: int) -> str:
    """The name without its leading article (« Le Havre » → « Havre »), for the contracted forms."""
    for prefix, prefix_liaison in _ARTICLE_PREFIXES:
        if liaison == prefix_liaison and name.startswith(prefix):
            return name[len(prefix) :]
    return name


def of_place(name: str, liaison: int | None = None) -> str:
    """« de » joined to a place name: « de Cahors », « d'Agen », « du Havre », « de La Rochelle »,
    « des Sables-d'Olonne », « de l'Ain »."""
    name = name.strip()
    if liaison is None:
        liaison = guess_liaison(name)
    if liaison == LIAISON_LE:
        return f"du {_without_article(name, liaison)}"
    if liaison in (LIAISON_LES, LIAISON_AUX):
        return f"des {_without_article(name, liaison)}"
    if liaison == LIAISON_D_APOSTROPHE:
        return f"d{APOSTROPHE}{name}"
    if liaison == LIAISON_L_APOSTROPHE:
        # Départements are written « de l'Ain », communes « de L'Isle-Adam »: keep the name's own case.
        return f"de {name}"
    if liaison == LIAISON_DE and _starts_with_vowel(name):
        return f"d{APOSTROPHE}{name}"
    return f"de {name}"


def at_place(name: str, liaison: int | None = None) -> str:
    """« à » joined to a place name: « à Cahors », « au Havre », « aux Sables-d'Olonne », « à La Rochelle »."""
    name = name.strip()
    if liaison is None:
        liaison = guess_liaison(name)
    if liaison == LIAISON_LE:
        return f"au {_without_article(name, liaison)}"
    if liaison in (LIAISON_LES, LIAISON_AUX):
        return f"aux {_without_article(name, liaison)}"
    return f"à {name}"


def of_department(name: str, liaison: int | None = None) -> str:
    """« du Lot », « de la Gironde », « de l'Ain », « des Landes », « de Paris »: the Etalab code of a
    département gives its article, written in lower case as in « Conseil départemental de la Gironde »."""
    name = name.strip()
    if liaison is None:
        liaison = guess_liaison(name)
    if liaison == LIAISON_LA:
        return f"de la {name}"
    if liaison == LIAISON_L_APOSTROPHE:
        return f"de l{APOSTROPHE}{name}"
    if liaison == LIAISON_LE:
        return f"du {name}"
    if liaison in (LIAISON_LES, LIAISON_AUX):
        return f"des {name}"
    return of_place(name, liaison)


# The definite article an organisation's legal name takes in a sentence, read off its first word.
_FEMININE_HEADS = {
    "caisse",
    "communauté",
    "commune",
    "métropole",
    "mutualité",
    "préfecture",
    "direction",
    "ville",
    "fédération",
    "maison",
    "mission",
    "région",
    "collectivité",
    "délégation",
    "mairie",
    "eurométropole",
}
_MASCULINE_HEADS = {
    "département",
    "conseil",
    "centre",
    "syndicat",
    "service",
    "pôle",
    "comité",
    "relais",
    "groupement",
    "secrétariat",
    "établissement",
}

ARTICLE_CHOICES = [
    ("le", "le"),
    ("la", "la"),
    ("l'", "l'"),
    ("les", "les"),
    ("-", "—"),  # no article (a name used as is: « Enfance et Familles »)
]


def guess_definite_article(legal_name: str) -> str:
    """« la » for « Caisse d'allocations familiales du Lot », « le » for « Département du Lot »,
    « l' » for « Association … » or « État »; « - » (none) when the first word says nothing."""
    words = legal_name.strip().split()
    if not words:
        return "-"
    head = words[0].lower().rstrip(",")
    if head in {"le", "la", "les"} or head.startswith(("l'", "l\u2019")):
        return "-"  # the name carries its own article
    if head in _FEMININE_HEADS | _MASCULINE_HEADS and _starts_with_vowel(head):
        return "l'"
    if head in _FEMININE_HEADS:
        return "la"
    if head in _MASCULINE_HEADS:
        return "le"
    if head in {"association", "union", "agence", "état", "office", "udaf", "urssaf", "académie"}:
        return "l'"
    return "-"


def with_article(legal_name: str, article: str) -> str:
    """« la Caisse d'allocations familiales du Lot », « l'Association … », or the name alone."""
    if article == "l'":
        return f"l{APOSTROPHE}{legal_name}"
    if article in ("le", "la", "les"):
        return f"{article} {legal_name}"
    return legal_name


def contracted_with_de(phrase: str) -> str:
    """« de » before a phrase that may start with an article: « de la Caisse… », « du Département… »
    (« de le » → « du »), « des … » (« de les »), « de l'Association… », « d'Enfance… »."""
    if phrase.startswith("le "):
        return "du " + phrase[3:]
    if phrase.startswith("les "):
        return "des " + phrase[4:]
    if phrase.startswith(("la ", "l'", "l\u2019")):
        return "de " + phrase
    return f"d{APOSTROPHE}{phrase}" if _starts_with_vowel(phrase) else f"de {phrase}"


def title_with_article(title: str, civility: str) -> str:
    """A representative's title as a sentence names them: « la Présidente », « le Maire », « l'Adjointe »;
    the title alone when the civility is unknown."""
    title = title.strip()
    if not title or civility not in ("mme", "m"):
        return title
    if _starts_with_vowel(title):
        return f"l{APOSTROPHE}{title}"
    return f"{'la' if civility == 'mme' else 'le'} {title}"


# Feminine heads of names taking « l' » (« l'Association », « l'Union »…): the participle agrees
# (« représentée »). Other names taking « l' » are masculine (« l'État », « l'Office »…).
_FEMININE_ELIDED_HEADS = {"association", "union", "agence", "académie", "agglomération", "entente", "école"}
# Without an article to go by, the kind says it: « la Caisse », « la Commune », « la Mutualité », « l'Association ».
_FEMININE_KINDS = {OrganisationKind.CAF, OrganisationKind.MSA, OrganisationKind.COMMUNE, OrganisationKind.ASSOCIATION}


def represented(*, article: str, legal_denomination: str, kind: str) -> str:
    """« représentée », « représenté » or « représentés », agreeing with an organisation's legal
    denomination: its article, else its first word, else its kind."""
    words = legal_denomination.split()
    head = words[0].lower() if words else ""
    if article == "la" or (article != "le" and head in _FEMININE_ELIDED_HEADS):
        return "représentée"
    if article == "les":
        return "représentés"
    if article in ("le", "l'"):
        return "représenté"
    return "représentée" if kind in _FEMININE_KINDS else "représenté"


_SPACES = re.compile(r"\s+")


def normalise_spaces(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
