"""The articles' text: Markdown with placeholders, rendered safely and the same way everywhere.

An article's body is Markdown (CommonMark, with tables; a line break is kept as such, so the plain
text of older articles reads as it was typed) containing placeholders such as ``{{ epci }}`` from a
fixed vocabulary (:data:`PLACEHOLDERS`). While the convention is drafted, pages show the placeholders
filled from the convention as it stands; at approval the frozen version gets the text with the
values written in, so a signed text never changes with the data.

The API, stable for the pages, the versions and the PDFs:

- :func:`placeholder_values` ``(convention) -> dict``: the values for one convention, in three queries
  whatever its size (inline values are ``str``, list values such as ``domaines`` are ``list[str]``);
- :func:`resolve_placeholders` ``(text, values) -> str``: the Markdown with the values written in,
  escaped so that a value (an organisation's name…) can never add markup; a value opening a sentence
  gets its capital (« La Caisse… »); an unknown placeholder is left as typed;
- :func:`render_markdown` ``(text) -> SafeString``: HTML from markdown-it-py (raw HTML disabled), then
  cleaned by nh3 with a small allow-list (paragraphs, emphasis, lists, h3/h4, quotes, tables, http(s)
  links only);
- :func:`article_html` ``(text, convention=None, values=None)``: both, for templates (the
  ``article_html`` filter of ``conventions.templatetags.article_tags``);
- :func:`unknown_placeholders` and :func:`check_placeholders`: what the article form refuses.

What the drafters must still write shows as ``[à compléter : …]`` (:data:`TO_COMPLETE`), a value the
convention does not know yet too, so that readiness checks and readers can find it.
"""

import datetime
import re
from dataclasses import dataclass

import nh3
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from conventions import formats
from conventions.choices import PartyRole
from conventions.departments import administrative_court, department_name, of_department
from conventions.models import Party
from partners import grammar
from partners.choices import Civility, OrganisationKind

# --- The vocabulary ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placeholder:
    name: str
    description: str
    # A list (one item per line, such as the domains): write it on a line of its own.
    is_list: bool = False


PLACEHOLDERS: dict[str, Placeholder] = {
    placeholder.name: placeholder
    for placeholder in (
        Placeholder(
            "epci",
            gettext_lazy(
                "The intercommunality's legal denomination with its article "
                "(« la Communauté d'agglomération du Grand Cahors »)."
            ),
        ),
        Placeholder(
            "de_epci", gettext_lazy("The same after « de » (« de la Communauté d'agglomération du Grand Cahors »).")
        ),
        Placeholder("epci_nom", gettext_lazy("The intercommunality's usual name (« Grand Cahors »).")),
        Placeholder(
            "caf",
            gettext_lazy(
                "The CAF's legal denomination with its article (« la Caisse d'allocations familiales du Lot »)."
            ),
        ),
        Placeholder(
            "de_caf", gettext_lazy("The same after « de » (« de la Caisse d'allocations familiales du Lot »).")
        ),
        Placeholder("caf_nom", gettext_lazy("The CAF's usual name (« CAF du Lot »).")),
        Placeholder("etat", gettext_lazy("The State service that signs, with its article (« la Préfecture du Lot »).")),
        Placeholder("departement", gettext_lazy("The intercommunality's département (« Lot »).")),
        Placeholder("du_departement", gettext_lazy("The same after « de » (« du Lot », « de la Gironde »).")),
        Placeholder("communes", gettext_lazy("The number of communes of the intercommunality (« 36 »).")),
        Placeholder("population", gettext_lazy("Its population (« 68 000 »).")),
        Placeholder("date_debut", gettext_lazy("The first day of the period (« 1er janvier 2024 »).")),
        Placeholder("date_fin", gettext_lazy("The last day of the period (« 31 décembre 2027 »).")),
        Placeholder("annee_debut", gettext_lazy("The year the period starts (« 2024 »).")),
        Placeholder("annee_fin", gettext_lazy("The year the period ends (« 2027 »).")),
        Placeholder("duree", gettext_lazy("The length of the period (« quatre ans »).")),
        Placeholder(
            "contrat_precedent",
            gettext_lazy(
                "The contract the convention succeeds, with its reference and dates "
                "(« Contrat enfance jeunesse (CEJ) n° 2019-046, du … au … »)."
            ),
        ),
        Placeholder(
            "lieu_signature",
            gettext_lazy(
                "Where the originals are signed, after « Fait » (« à Cahors », « au Havre »): the place of "
                "signature, else the intercommunality's seat."
            ),
        ),
        Placeholder(
            "nombre_exemplaires",
            gettext_lazy(
                "The number of original copies in words (« trois »): as set in the parameters, else one per signatory."
            ),
        ),
        Placeholder(
            "tribunal",
            gettext_lazy(
                "The competent administrative court (« Tribunal administratif de Toulouse »): as set in the "
                "parameters, else the one of the département."
            ),
        ),
        Placeholder("domaines", gettext_lazy("The convention's domains, as a list."), is_list=True),
        Placeholder(
            "signataires", gettext_lazy("The signatories with their representatives, as a list."), is_list=True
        ),
    )
}

# Placeholders are written {{ name }}; anything between double braces is one, known or not.
PLACEHOLDER_PATTERN = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")

# What the drafters must still write, or a value the convention does not know yet.
TO_COMPLETE = "[à compléter"


def to_complete(what: str) -> str:
    return f"{TO_COMPLETE} : {what}]"


def placeholders_in(text: str) -> list[str]:
    """The placeholder names ``text`` uses, in order, each once."""
    return list(dict.fromkeys(match.group(1) for match in PLACEHOLDER_PATTERN.finditer(text or "")))


def unknown_placeholders(text: str) -> list[str]:
    return [name for name in placeholders_in(text) if name not in PLACEHOLDERS]


def check_placeholders(text: str) -> None:
    """Raises a ``ValidationError`` naming the unknown placeholders of ``text`` and the valid ones."""
    unknown = unknown_placeholders(text)
    if unknown:
        raise ValidationError(
            _("Unknown placeholder: %(unknown)s. The placeholders are: %(valid)s.")
            % {
                "unknown": ", ".join(f"{{{{ {name} }}}}" for name in unknown),
                "valid": ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS),
            },
            code="unknown_placeholder",
        )


# --- The values of one convention --------------------------------------------------------------------

_NUMBER_WORDS = [
    "zéro",
    "un",
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "sept",
    "huit",
    "neuf",
    "dix",
    "onze",
    "douze",
    "treize",
    "quatorze",
    "quinze",
    "seize",
    "dix-sept",
    "dix-huit",
    "dix-neuf",
    "vingt",
]


def number_in_words(number: int) -> str:
    """« quatre » for 4; digits beyond twenty."""
    return _NUMBER_WORDS[number] if 0 <= number < len(_NUMBER_WORDS) else str(number)


def _thousands(number: int) -> str:
    """« 68 000 », with a non-breaking space."""
    return f"{number:,}".replace(",", "\u00a0")


def duration_in_words(start: datetime.date, end: datetime.date) -> str:
    """« quatre ans », « trois ans et six mois », « dix-huit mois »: the period from ``start`` to ``end``
    included, in whole months (a period from 1 January to 31 December is a year)."""
    months = round(((end - start).days + 1) / (365.2425 / 12))
    years, months = divmod(months, 12)
    parts = []
    if years:
        parts.append(f"{number_in_words(years)} an{'s' if years > 1 else ''}")
    if months:
        parts.append(f"{number_in_words(months)} mois")
    return " et ".join(parts) or f"{(end - start).days + 1} jours"


def _represented(organisation) -> str:
    return grammar.represented(
        article=organisation.article, legal_denomination=organisation.legal_denomination, kind=organisation.kind
    )


def _signatory(party) -> str:
    """« la Caisse d'allocations familiales du Lot, représentée par Mme Anne Exemple, la Directrice »."""
    organisation = party.organisation
    text = organisation.legal_denomination_with_article
    representative = party.representative
    if representative is None:
        return f"{text}, {_represented(organisation)} par {to_complete('représentant signataire')}"
    text = f"{text}, {_represented(organisation)} par {representative.name_with_civility}"
    if representative.title:
        text = f"{text}, {representative.title_with_article}"
    if representative.delegation:
        text = f"{text}, {representative.delegation}"
    if party.deliberation_number or party.deliberation_date:
        habilitated = {Civility.MADAME: "habilitée", Civility.MONSIEUR: "habilité"}.get(
            representative.civility, "habilité(e)"
        )
        deliberation = "par délibération"
        if party.deliberation_number:
            deliberation += f" n° {party.deliberation_number}"
        if party.deliberation_date:
            deliberation += f" du {formats.long_date(party.deliberation_date)}"
        text = f"{text}, {habilitated} {deliberation}"
    return text


def _predecessor(convention) -> str:
    if not convention.replaces_contract:
        return to_complete("contrat précédent, ou « aucun »")
    text = convention.replaces_contract
    if convention.predecessor_reference:
        text += f" n° {convention.predecessor_reference}"
    if convention.predecessor_start and convention.predecessor_end:
        text += (
            f", du {formats.long_date(convention.predecessor_start)} au {formats.long_date(convention.predecessor_end)}"
        )
    return text


def _court(convention, department_code: str) -> str:
    court = " ".join(convention.competent_court.split())
    if court.lower().startswith("le "):  # « du {{ tribunal }} »: the model text brings the article
        court = court[3:]
    return capfirst(court) or administrative_court(department_code) or to_complete("tribunal administratif compétent")


def _prefetched(convention, name: str):
    return getattr(convention, "_prefetched_objects_cache", {}).get(name)


def _signatories(convention) -> list:
    """The signatory parties in signing order, from the page's prefetch when it loaded their
    organisations and representatives (the convention page), else in one query."""
    prefetched = _prefetched(convention, "parties")
    if prefetched is not None:
        organisation_field = Party._meta.get_field("organisation")
        representative_field = Party._meta.get_field("representative")
        if all(
            organisation_field.is_cached(party)
            and (party.representative_id is None or representative_field.is_cached(party))
            for party in prefetched
        ):
            signatories = [party for party in prefetched if party.role == PartyRole.SIGNATORY]
            return sorted(signatories, key=lambda party: (party.signing_order or 0, party.organisation.name, party.pk))
    return list(
        convention.parties.filter(role=PartyRole.SIGNATORY)
        .select_related("organisation", "representative")
        .order_by("signing_order", "organisation__name", "pk")
    )


def _domains(convention) -> list:
    prefetched = _prefetched(convention, "domains")
    if prefetched is not None:
        return sorted(prefetched, key=lambda domain: (domain.position, domain.name))
    return list(convention.domains.order_by("position", "name"))


def placeholder_values(convention) -> dict[str, str | list[str]]:
    """Every placeholder's value for ``convention`` as it stands, in French whatever the page's language.

    Three queries whatever the convention's size (its parties, its domains, its communes), plus one
    for its intercommunality unless already loaded; the parties and domains a page prefetched are used
    as they are.
    """
    epci = convention.epci
    parties = _signatories(convention)
    domains = [domain.name for domain in _domains(convention)]
    communes = epci.member_communes.filter(kind=OrganisationKind.COMMUNE).aggregate(
        count=Count("pk"), population=Sum("population")
    )
    caf = next((p.organisation for p in parties if p.organisation.kind == OrganisationKind.CAF), None)
    state = next((p.organisation for p in parties if p.organisation.kind == OrganisationKind.STATE_SERVICE), None)
    population = epci.population or communes["population"]
    department_code = epci.department_code
    with override("fr"):
        place = convention.signing_place.strip()
        if place:
            signing_place = grammar.at_place(place)
        elif epci.city:
            signing_place = grammar.at_place(epci.city)
        else:
            signing_place = f"à {to_complete('lieu de signature')}"
        copies = convention.original_copies or len(parties)
        return {
            "epci": epci.legal_denomination_with_article,
            "de_epci": epci.of_legal_denomination,
            "epci_nom": epci.display_name,
            "caf": caf.legal_denomination_with_article if caf else to_complete("Caf signataire"),
            "de_caf": caf.of_legal_denomination if caf else f"de {to_complete('Caf signataire')}",
            "caf_nom": caf.display_name if caf else to_complete("Caf signataire"),
            "etat": state.legal_denomination_with_article if state else to_complete("service de l'État signataire"),
            "departement": department_name(department_code) or to_complete("département"),
            "du_departement": of_department(department_code) or f"de {to_complete('département')}",
            "communes": str(communes["count"]) if communes["count"] else to_complete("nombre de communes"),
            "population": _thousands(population) if population else to_complete("population"),
            "date_debut": formats.long_date(convention.period_start),
            "date_fin": formats.long_date(convention.period_end),
            "annee_debut": str(convention.period_start.year),
            "annee_fin": str(convention.period_end.year),
            "duree": duration_in_words(convention.period_start, convention.period_end),
            "contrat_precedent": _predecessor(convention),
            "lieu_signature": signing_place,
            "nombre_exemplaires": number_in_words(copies) if copies else to_complete("nombre d'exemplaires"),
            "tribunal": _court(convention, department_code),
            "domaines": domains or [to_complete("champs d'intervention")],
            "signataires": [_signatory(party) for party in parties] or [to_complete("signataires")],
        }


def cached_placeholder_values(convention) -> dict[str, str | list[str]]:
    """:func:`placeholder_values`, computed once per convention object (a page showing twenty
    articles pays for it once)."""
    if not hasattr(convention, "_placeholder_values"):
        convention._placeholder_values = placeholder_values(convention)
    return convention._placeholder_values


# --- Filling the placeholders -----------------------------------------------------------------------

# Characters that could make Markdown of a value: escaped wherever they are.
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]<>|~&])")
# At the start of a line, a value could open a heading, a quote, a list or a setext underline.
_LINE_START_MARKUP = re.compile(r"^([#>+=-]|\d+(?=[.)]))")
# What comes before a placeholder that opens a sentence: the start of the text, of a line (after a
# heading, quote or list marker), or a full stop; then perhaps the opening of an emphasis (« **{{ caf }}** »).
_SENTENCE_START = re.compile(
    r"(?:(?:\A|\n)[ \t]*(?:#{1,6}[ \t]+|>[ \t]*|[-*+][ \t]+|\d+[.)][ \t]+)?|[.!?…][ \t]+)[*_]{0,3}\Z"
)


def escape_markdown(value: str) -> str:
    """``value`` as literal text in Markdown, on one line: « 1. A & B » stays « 1. A & B » once rendered."""
    value = " ".join(str(value).split())
    value = _MARKDOWN_SPECIALS.sub(r"\\\1", value)
    match = _LINE_START_MARKUP.match(value)
    if match:
        if match.group(1).isdigit():  # « 1. » would number a list: escape its dot or parenthesis
            end = match.end()
            value = f"{value[:end]}\\{value[end:]}"
        else:
            value = f"\\{value}"
    return value


def _list_markdown(items: list[str]) -> str:
    """A bulleted list in the French way: « ; » after each item, « . » after the last."""
    lines = []
    for index, item in enumerate(items):
        item = item.rstrip(" ;.")
        end = "." if index == len(items) - 1 else " ;"
        lines.append(f"- {escape_markdown(capfirst(item))}{end}")
    return "\n".join(lines)


def resolve_placeholders(text: str, values: dict[str, str | list[str]]) -> str:
    """``text`` with each known placeholder replaced by its value, escaped for Markdown.

    ``values`` is what :func:`placeholder_values` returns. A list value becomes a bulleted list on lines
    of its own; a value opening a sentence takes a capital; an unknown placeholder stays as typed.
    """
    text = text or ""
    pieces = []
    last = 0
    for match in PLACEHOLDER_PATTERN.finditer(text):
        name = match.group(1)
        if name not in values:
            continue
        before = text[last : match.start()]
        pieces.append(before)
        value = values[name]
        if isinstance(value, list):
            written = "".join(pieces)
            opening = "" if not written or written.endswith("\n") else "\n\n"
            following = text[match.end() :]
            closing = "" if not following or following.startswith("\n") else "\n\n"
            pieces.append(f"{opening}{_list_markdown(value)}{closing}")
        else:
            if _SENTENCE_START.search(text[: match.start()]):
                value = capfirst(value)
            pieces.append(escape_markdown(value))
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces)


# --- Rendering --------------------------------------------------------------------------------------

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "h3",
    "h4",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https"}

# CommonMark with raw HTML off; tables on; a line break typed is a line break shown.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False, "typographer": False})
_MARKDOWN.enable("table")


def _image_as_text(renderer, tokens, index, options, env) -> str:
    """An image shows its description: a convention's text carries no pictures (nor their requests)."""
    return escapeHtml(renderer.renderInlineAsText(tokens[index].children or [], options, env))


_MARKDOWN.add_render_rule("image", _image_as_text)

# An article's title is the heading of its page section: its own headings come below it.
_HEADING_TAGS = {"h1": "h3", "h2": "h3", "h3": "h3", "h4": "h4", "h5": "h4", "h6": "h4"}


def render_markdown(text: str) -> SafeString:
    """Sanitised HTML of the Markdown ``text``: raw HTML is shown as text, never run; ``javascript:``
    and other non-http(s) links lose their target; only the allow-listed tags remain."""
    tokens = _MARKDOWN.parse(text or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = _HEADING_TAGS.get(token.tag, "h4")
    html = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {})
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # cleaned by nh3 with the allow-list above


def article_html(text: str, convention=None, values: dict | None = None) -> SafeString:
    """An article's body for a page: placeholders filled from ``values``, else from ``convention``
    (computed once per convention object), else left as typed; then rendered and sanitised."""
    if values is None and convention is not None:
        values = cached_placeholder_values(convention)
    if values:
        text = resolve_placeholders(text, values)
    return render_markdown(text)
