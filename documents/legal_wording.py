"""How the convention document names its parties in sentences, as a French deed writes them.

« La Caisse d'allocations familiales du Lot, dont le siège est situé 304 rue Victor Hugo, 46000 Cahors,
représentée par Mme Catherine Prunet, sa Directrice » in the preamble; « Vu la délibération n° 2024-15
du conseil communautaire de la Communauté d'agglomération du Grand Cahors en date du 12 mars 2024 »;
« Fait à Cahors, le …, en 3 exemplaires originaux »; and one signature block per signatory.

Works from a version's readable content (``documents.version_content``) alone: the grammar of names
frozen with the version (legal denomination with its article, title with its article) is used as it
was frozen, so a version's wording never changes with the portal's code. Schema 1 froze none of it:
its documents keep the wording they always had (``convention_pdf``).

These phrases are the contract's own words: written in French, like the model text
(``conventions.model_text``) and its placeholders (``conventions.markup``), not translated.
"""

import re
import unicodedata

from django.utils.text import capfirst

from conventions.formats import long_date
from conventions.markup import number_in_words
from partners import grammar
from partners.choices import Civility, OrganisationKind

# An article that already holds the closing formula (« Fait à Cahors, le … »): the document adds none.
CLOSING_LINE = re.compile(r"(?m)^[ \t]*Fait (?:à|au|aux|en) ")

# A blank the signatories fill in by hand (« Fait à Cahors, le ………… »).
BLANK = "…………………"


def represented(organisation: dict) -> str:
    """« représentée », « représenté » or « représentés » for a frozen organisation (``partners.grammar``)."""
    return grammar.represented(
        article=organisation.get("article", ""),
        legal_denomination=organisation.get("legal_denomination", ""),
        kind=organisation.get("kind", ""),
    )


def possessive_title(representative: dict) -> str:
    """« sa Directrice », « son Président », « son Adjointe » (« son » before a vowel); the title alone
    when the civility is unknown."""
    title = representative.get("title", "").strip()
    civility = representative.get("civility", "")
    if not title or civility not in Civility.values:
        return title
    if unicodedata.normalize("NFD", title[:1])[:1].lower() in "aeiouy":
        return f"son {title}"  # « son Adjointe »: « sa » never comes before a vowel
    return f"{'sa' if civility == Civility.MADAME else 'son'} {title}"


def party_designation(party: dict) -> str:
    """The preamble's words for one signatory: « La Caisse d'allocations familiales du Lot, dont le
    siège est situé …, représentée par Mme Catherine Prunet, sa Directrice »; « …, représenté par
    M. Paul Martin, son Secrétaire général, pour le préfet et par délégation »."""
    organisation = party["organisation"]
    text = capfirst(organisation["legal_denomination_with_article"])
    if organisation.get("address", {}).get("street"):  # a town alone is no address: the name says it
        text = f"{text}, dont le siège est situé {organisation['address_line']}"
    representative = party.get("representative")
    if not representative:
        return text
    text = f"{text}, {represented(organisation)} par {representative['name_with_civility']}"
    capacity = possessive_title(representative)
    if capacity:
        text = f"{text}, {capacity}"
    if representative.get("delegation"):
        text = f"{text}, {representative['delegation']}"
    return text


def _deliberative_body(organisation: dict) -> str | None:
    """« du conseil communautaire de la Communauté d'agglomération du Grand Cahors »; None for State
    services, which sign by delegation without a deliberative body."""
    kind = organisation.get("kind")
    if kind == OrganisationKind.STATE_SERVICE:
        return None
    of_organisation = organisation.get("of_legal_denomination") or grammar.contracted_with_de(
        organisation["legal_denomination_with_article"]
    )
    body = {
        OrganisationKind.COMMUNE: "du conseil municipal",
        OrganisationKind.EPCI: "du conseil communautaire",
        OrganisationKind.CAF: "du conseil d'administration",
        OrganisationKind.MSA: "du conseil d'administration",
    }.get(kind)
    return f"{body} {of_organisation}" if body else of_organisation


def deliberation(party: dict) -> str | None:
    """What follows « Vu la délibération » for one signatory: « n° 2024-15 du conseil communautaire de
    la Communauté d'agglomération du Grand Cahors en date du 12 mars 2024 »; None without a
    deliberative body."""
    body = _deliberative_body(party["organisation"])
    if body is None:
        return None
    parts = []
    if party.get("deliberation_number"):
        parts.append(f"n° {party['deliberation_number']}")
    parts.append(body)
    if party.get("deliberation_date"):
        parts.append(f"en date du {long_date(party['deliberation_date'])}")
    return " ".join(parts)


def predecessor(document: dict) -> str:
    """The contract the convention succeeds, as the preamble names it: « Contrat enfance jeunesse (CEJ)
    n° 2019-046, du 1er janvier 2019 au 31 décembre 2022 »; "" when it succeeds none."""
    succeeded = document["predecessor"]
    text = succeeded["kind"]
    if not text:
        return ""
    if succeeded["reference"]:
        text = f"{text} n° {succeeded['reference']}"
    if succeeded["start"] and succeeded["end"]:
        text = f"{text}, du {long_date(succeeded['start'])} au {long_date(succeeded['end'])}"
    return text


def closing_formula(document: dict, *, signed_on=None) -> str:
    """« Fait à Cahors, le 12 mars 2025, en quatre exemplaires originaux. »: the date once every
    signatory signed (``signed_on``), else a blank to fill in; the place likewise when the convention
    names none."""
    place = document.get("signing_place") or ""
    copies = document.get("original_copies") or 1
    at_place = grammar.at_place(place) if place else f"à {BLANK}"
    day = long_date(signed_on) if signed_on else BLANK
    if copies == 1:
        return f"Fait {at_place}, le {day}, en un exemplaire original."
    return f"Fait {at_place}, le {day}, en {number_in_words(copies)} exemplaires originaux."


def signature_block(party: dict) -> dict:
    """One signatory's block under the closing formula: « Pour la Caisse d'allocations familiales du
    Lot, », the delegation, « La Directrice, », « Mme Catherine Prunet »."""
    organisation = party["organisation"]
    representative = party.get("representative") or {}
    lines = [f"Pour {organisation['legal_denomination_with_article']},"]
    if representative.get("delegation"):
        lines.append(f"{capfirst(representative['delegation'])},")
    if representative.get("title_with_article"):
        lines.append(f"{capfirst(representative['title_with_article'])},")
    return {
        "party": party,
        "lines": lines,
        "name": representative.get("name_with_civility", ""),
    }
