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

import datetime
import re
import unicodedata
from zoneinfo import ZoneInfo

from django.utils.formats import date_format
from django.utils.text import capfirst

from conventions.formats import long_date
from conventions.markup import number_in_words
from partners import grammar
from partners.choices import Civility, OrganisationKind

# An article that already holds the closing formula (« Fait à Cahors, le … »): the document adds none.
CLOSING_LINE = re.compile(r"(?m)^[ \t]*Fait (?:à|au|aux|en) ")

# A blank the signatories fill in by hand (« Fait à Cahors, le ………… »).
BLANK = "…………………"

# The time zone every moment of the signature page and the audit trail is written in, and says so.
PARIS = ZoneInfo("Europe/Paris")


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


def representation(organisation: dict, representative: dict) -> str:
    """« représentée par Mme Catherine Prunet, sa Directrice », « représenté par M. Paul Martin, son
    Secrétaire général, pour le préfet et par délégation »: the participle agrees with the organisation,
    the possessive with the person's civility."""
    text = f"{represented(organisation)} par {representative['name_with_civility']}"
    capacity = possessive_title(representative)
    if capacity:
        text = f"{text}, {capacity}"
    if representative.get("delegation"):
        text = f"{text}, {representative['delegation']}"
    return text


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
    return f"{text}, {representation(organisation, representative)}"


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


# --- The signature page -----------------------------------------------------------------------------


def utc_offset(moment: datetime.datetime) -> str:
    """« UTC+1 » in winter, « UTC+2 » in summer: Paris's offset at ``moment``."""
    minutes = int(moment.astimezone(PARIS).utcoffset().total_seconds() // 60)
    hours, rest = divmod(abs(minutes), 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def paris_time(moment: datetime.datetime) -> str:
    """« 14:32:05 (heure de Paris, UTC+1) »."""
    return f"{moment.astimezone(PARIS):%H:%M:%S} (heure de Paris, {utc_offset(moment)})"


def paris_moment(moment: datetime.datetime) -> str:
    """« 12 mars 2030 à 14:32:05 (heure de Paris, UTC+1) »."""
    local = moment.astimezone(PARIS)
    day = date_format(local.date(), "j F Y")
    if local.day == 1:
        day = "1er" + day[1:]
    return f"{day} à {paris_time(moment)}"


def signatory_statement(party: dict, *, signer_name: str = "", signer_title: str = "") -> str:
    """Who signed for one party: « La Caisse d'allocations familiales du Lot, représentée par Mme
    Catherine Prunet, sa Directrice ». When the paper was signed by someone other than the representative
    the version names (the name recorded with the signature), that person's name and title as recorded,
    without a civility the portal does not know."""
    organisation = party["organisation"]
    text = capfirst(organisation["legal_denomination_with_article"])
    representative = party.get("representative")
    if representative and (not signer_name or signer_name == representative.get("full_name")):
        return f"{text}, {representation(organisation, representative)}"
    if not signer_name:
        return text
    text = f"{text}, {represented(organisation)} par {signer_name}"
    return f"{text}, {signer_title}" if signer_title else text


def signature_page_formula(document: dict, *, signed_on, places: list[str]) -> str:
    """« Fait à Cahors, le 14 mars 2030, en quatre exemplaires originaux. » on the signature page, dated
    by the last signature. A version frozen before schema 2 named neither place nor copies: the place
    is the paper signatures' one when they share it, and the copies are not counted."""
    distinct = sorted(set(filter(None, places)))
    place = document.get("signing_place") or (distinct[0] if len(distinct) == 1 else "")
    if document.get("schema", 1) >= 2:
        return closing_formula({**document, "signing_place": place}, signed_on=signed_on)
    at_place = f"Fait {grammar.at_place(place)}, le" if place else "Fait le"
    return f"{at_place} {long_date(signed_on) if signed_on else BLANK}."


def electronic_signature(moment: datetime.datetime) -> str:
    """« Signature électronique dans le Portail CTG, le 12 mars 2030 à 14:32:05 (heure de Paris, UTC+1). »"""
    return f"Signature électronique dans le Portail CTG, le {paris_moment(moment)}."


def paper_signature(*, signed_on: datetime.date, place: str) -> str:
    """« Signature manuscrite sur papier, à Cahors, le 14 mars 2030 (date portée sur l'original ; heure non
    connue). »: paper says the day, not the hour."""
    return (
        f"Signature manuscrite sur papier, {grammar.at_place(place)}, le {long_date(signed_on)} "
        "(date portée sur l'original ; heure non connue)."
    )


def originals_custody(document: dict) -> str:
    """Where the paper originals are kept. « en N exemplaires originaux » with one copy per signatory (the
    portal's default) means each signatory keeps its own; otherwise the intercommunality, whose staff
    alone record paper signatures in the portal, keeps them."""
    copies = document.get("original_copies")
    if copies and copies == document.get("signatory_count"):
        return (
            "Les originaux papier sont conservés par les signataires, chacun le sien, la convention étant "
            f"faite en {number_in_words(copies)} exemplaires originaux."
            if copies > 1
            else "L'original papier est conservé par le signataire."
        )
    epci = document["epci"]
    return (
        f"L'original papier est conservé par {epci['legal_denomination_with_article']}, qui a enregistré "
        "les signatures sur papier dans le portail."
    )


def paper_copy(document: dict) -> str:
    """The statement under a paper signature: what this PDF is, and where the original is."""
    return f"Le présent PDF est une copie de l'original papier signé. {originals_custody(document)}"


def scan_attached(*, size: int) -> str:
    """« Page signée numérisée jointe à ce PDF, 84 Ko, fichier associé : », the file's name following on
    its own (a long name wraps there, not in the sentence)."""
    kilobytes = max(1, round(size / 1024))
    return f"Page signée numérisée jointe à ce PDF, {kilobytes} Ko, fichier associé :"


def paper_recorded(*, moment: datetime.datetime, by: str, ip_address: str = "") -> str:
    """« Signature enregistrée dans le portail le 15 mars 2030 à 09:12:44 (heure de Paris, UTC+1) par
    Marie Agent, depuis l'adresse IP 192.0.2.1. »"""
    text = f"Signature enregistrée dans le portail le {paris_moment(moment)}"
    if by:
        text = f"{text} par {by}"
    if ip_address:
        text = f"{text}, depuis l'adresse IP {ip_address}"
    return f"{text}."


# --- The audit trail: what a recorded event claims besides the moment it was recorded ----------------

TIME_ZONE_NOTE = "Les heures sont celles de Paris (Europe/Paris) : UTC+1 en hiver, UTC+2 en été."


def paper_date_claimed(signed_on: datetime.date) -> str:
    """« Signée sur papier le 2 décembre 2025 (date portée sur l'original ; sans heure) »."""
    return f"Signée sur papier le {long_date(signed_on)} (date portée sur l'original ; sans heure)"


def completion_date_claimed(signed_on: datetime.date) -> str:
    """« Prend date le 2 décembre 2025, jour de la dernière signature »."""
    return f"Prend date le {long_date(signed_on)}, jour de la dernière signature"


def entry_into_force_claimed(effective_on: datetime.date) -> str:
    """« Prend effet le 2 décembre 2025 »: the entry into force a signature recorded later brought about."""
    return f"Prend effet le {long_date(effective_on)}"
