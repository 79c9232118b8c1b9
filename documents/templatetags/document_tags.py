"""Template tags of the documents of record."""

from django import template

from diagnostics.choices import IndicatorSource
from documents.version_content import readable_version_content
from partners.selectors import epci_in_catalogue
from partners.territory_data import TerritoryDataError

register = template.Library()


@register.simple_tag
def readable_content(content: dict) -> dict:
    """A version's frozen content ready for ``workflow/versions/_content.html`` (see ``readable_version_content``)."""
    return readable_version_content(content)


@register.filter
def indicator_source_label(value: str) -> str:
    """The French label of an indicator's source frozen as its code (« insee » → « INSEE », « state » →
    « État »); a code no longer among the choices is printed as it was stored."""
    try:
        return str(IndicatorSource(value).label)
    except ValueError:
        return value


@register.simple_tag
def commune_coverage(rows: list[dict], epci_siren: str) -> dict | None:
    """``{"shown": n, "total": m}`` when an indicator table lists fewer communes (``n``) than the
    intercommunality has (``m``, from the official territory files, no query); None when it lists them
    all, lists none, or the territory is not in the files."""
    shown = sum(1 for row in rows if not row.get("is_epci"))
    if not shown or not epci_siren:
        return None
    try:
        entry = epci_in_catalogue(epci_siren)
    except TerritoryDataError:
        return None
    if entry is None or shown >= entry.commune_count:
        return None
    return {"shown": shown, "total": entry.commune_count}
