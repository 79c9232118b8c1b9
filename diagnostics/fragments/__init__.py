"""The diagnostic page's repeated HTML, written in Python: indicator cards, lists of findings, consultations.

Through template includes, each finding cost about a millisecond of CPU (three URL reversals, a dozen
translations, variable lookups) and each indicator card as much again: the page spent some 90 ms in
its templates. Here each piece is one ``html_format`` from strings computed once per page (labels,
URL patterns). The page and its htmx answers (a list of findings after a change, an indicator card
after its values are saved, the fiches answering one need) write the same HTML through these functions.

``diagnostic_body`` gathers the part of the page that depends only on the diagnostic's content and on
whether the reader may edit it: it is kept in the render cache (``conventions/render_cache.py``) and
read again until anything shown changes. The forms in it (move or delete a finding) carry their CSRF
token through ``CSRF_SLOT``, replaced on every request: no token is ever cached.
"""

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from conventions.render_cache import cached_html
from diagnostics import selectors
from diagnostics.fragments.common import CSRF_SLOT, Labels, Urls, with_csrf
from diagnostics.fragments.consultations import consultations_section_html
from diagnostics.fragments.findings import answering_actions_html, finding_list_html, findings_section_html
from diagnostics.fragments.indicators import indicator_card_html, indicators_section_html

__all__ = [
    "CSRF_SLOT",
    "Labels",
    "Urls",
    "answering_actions_html",
    "consultations_section_html",
    "diagnostic_body",
    "finding_list_html",
    "findings_section_html",
    "indicator_card_html",
    "indicators_section_html",
    "with_csrf",
]


def _render_body(convention, *, can_edit: bool, unfolded: int | None) -> str:
    page = selectors.diagnostic_page(convention=convention)
    urls, labels = Urls(convention.pk), Labels.current()
    return render_to_string(
        "diagnostics/_body.html",
        {
            "page": page,
            "indicators_html": SafeString(indicators_section_html(page, can_edit=can_edit, urls=urls, labels=labels)),
            "findings_html": SafeString(
                findings_section_html(page, can_edit=can_edit, urls=urls, labels=labels, unfolded=unfolded)
            ),
            "consultations_html": SafeString(
                consultations_section_html(page, can_edit=can_edit, urls=urls, labels=labels)
            ),
        },
    )


def diagnostic_body(convention, *, can_edit: bool, request, unfolded: int | None = None) -> SafeString:
    """The page below the diagnostic's introduction: key figures, indicators, findings, consultations.

    Cached per content version and per ``can_edit`` (the only thing of the reader's it shows); the
    page unfolded at one need (the no-JavaScript way to see all its fiches) is written afresh.
    """

    def render() -> str:
        return _render_body(convention, can_edit=can_edit, unfolded=unfolded)

    if unfolded is not None:
        html = render()
    else:
        html = cached_html(
            convention, "diagnostic-body", vary=("edit" if can_edit else "read",), render=render, request=request
        )
    return with_csrf(html, request)
