"""Reads of the home page: a summary for whoever sees many conventions (the portal's administrators,
and anyone who sees more than ``SUMMARY_FROM``), else the conventions filtered and paginated, with
their counts per status on top.

Every read starts from the ids of the conventions the user may see (``visible_convention_ids``, one
query per request) and costs a fixed number of queries whatever their number: the counts per status
in one grouped query, one page of rows, its domains, the filter form's choices. Whoever sees at most a
page of conventions (a CAF officer and the few dozen EPCIs of a département at most) has them all in
that page: the counts per status and the départements come from its rows, two queries fewer. The rows
are written in Python (``rows_html``), the page's most repeated HTML.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, cached_property
from html import escape
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.template import engines
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from conventions.choices import ConventionStatus, PartyRole
from conventions.models import (
    Convention,
    Party,
    Signature,
    current_status_expression,
    visible_convention_ids,
)
from ctg_portal.fast_html import html_format
from workflow.filters import SUMMARY_ENDING_WITHIN_MONTHS, ConventionFilter, ending_condition

HOME_PAGE_SIZE = 25
# A user who sees more conventions than this lands on the summary rather than on a list.
SUMMARY_FROM = 50
# A user who sees more conventions than this gets the filters and the counts per status.
FILTERS_FROM = 10
# The order of the list: the latest periods first (an index serves it: ``home_convention_order``).
HOME_ORDERING = ("-period_start", "reference")


class KnownCountPaginator(Paginator):
    """A paginator told its count (the sum of the counts per status, already read) instead of asking
    the database a second time."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


@dataclass
class StatusCount:
    status: str
    count: int
    url: str
    is_selected: bool = False

    @property
    def label(self) -> str:
        return ConventionStatus(self.status).label


@dataclass
class SignaturesWaiting:
    signatures: int = 0
    conventions: int = 0


@dataclass
class HomePage:
    filter: ConventionFilter
    is_summary: bool
    sees_many: bool  # an administrator, or more than SUMMARY_FROM conventions: the summary is their home
    show_filters: bool
    total: int  # conventions matching every filter but the status
    status_counts: list[StatusCount] = field(default_factory=list)
    page: Page | None = None
    querystring: str = ""  # the filters, without the page number, for the pagination's links
    ending_soon: int = 0
    ending_soon_url: str = ""
    signatures_waiting: SignaturesWaiting | None = None
    signatures_waiting_url: str = ""
    all_url: str = "?page=1"
    rows_html: str = ""  # the table's rows (``rows_html``)

    @property
    def conventions(self) -> list[Convention]:
        return list(self.page.object_list) if self.page is not None else []

    @property
    def is_filtered(self) -> bool:
        return self.filter.is_filtered

    @property
    def page_range(self) -> list:
        """The page numbers the pagination links, with ``Paginator.ELLIPSIS`` between far ones."""
        if self.page is None:
            return []
        return list(self.page.paginator.get_elided_page_range(self.page.number, on_each_side=2, on_ends=1))


def _query(params: QueryDict, **changes) -> str:
    """The filters of ``params`` with ``changes`` (``None`` removes one), without the page, encoded."""
    # As ``QueryDict.copy()``, ``pop``, ``__setitem__`` then ``urlencode()`` would write it (a changed filter
    # goes last), without the copies: the counts per status write one link each.
    encoding = params.encoding
    pairs = [
        (key.encode(encoding), str(value).encode(encoding))
        for key, values in params.lists()
        if key != "page" and key not in changes
        for value in values
    ]
    pairs += [
        (key.encode(encoding), str(value).encode(encoding)) for key, value in changes.items() if value is not None
    ]
    return urlencode(pairs)


def _url(params: QueryDict, **changes) -> str:
    """A link to the list with these filters (``?page=1``, the whole list, when there are none)."""
    encoded = _query(params, **changes)
    return f"?{encoded}" if encoded else "?page=1"


def status_counts(conventions, *, today: datetime.date) -> tuple[dict[str, int], int]:
    """Per status as the badges show it, how many of ``conventions``; and how many of them end within
    ``SUMMARY_ENDING_WITHIN_MONTHS`` months. One grouped query."""
    rows = (
        conventions.order_by()
        .values(current=current_status_expression(today))
        .annotate(
            total=Count("pk"),
            ending=Count("pk", filter=ending_condition(SUMMARY_ENDING_WITHIN_MONTHS, today)),
        )
    )
    counts: dict[str, int] = {}
    ending = 0
    for row in rows:
        counts[row["current"]] = row["total"]
        ending += row["ending"]
    return counts, ending


def signatures_waiting(*, visible_ids) -> SignaturesWaiting:
    """The signatures awaited on the conventions being signed: signatory parties without a valid
    signature of the version being signed. One query."""
    signed = Signature.objects.filter(
        party=OuterRef("pk"), version=OuterRef("convention__approved_version"), voided_at__isnull=True
    )
    parties = Party.objects.filter(role=PartyRole.SIGNATORY, convention__status=ConventionStatus.IN_SIGNATURE)
    if visible_ids is not None:
        parties = parties.filter(convention_id__in=visible_ids)
    totals = parties.exclude(Exists(signed)).aggregate(
        signatures=Count("pk"), conventions=Count("convention_id", distinct=True)
    )
    return SignaturesWaiting(**totals)


def home_rows(conventions):
    """What each row of the list shows: intercommunality, signatories, the text in force (the domains
    come with ``rows_html``). Only the columns the row shows: a page of 25 rows with every column of
    the convention and of its intercommunality cost more to build than to fetch."""
    signatories = (
        Party.objects.filter(convention=OuterRef("pk"), role=PartyRole.SIGNATORY)
        .order_by()
        .values("convention")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        conventions.select_related("epci")
        .only(*ROW_FIELDS)
        .annotate(
            signatory_count=Coalesce(Subquery(signatories), 0),
            # Which text stays in force while an avenant is prepared.
            text_in_force_number=F("signed_version__number"),
        )
        .order_by(*HOME_ORDERING)
    )


# The columns ``rows_html`` reads (``Convention.status_on`` and ``amendment_in_progress`` included).
ROW_FIELDS = (
    "reference",
    "title",
    "period_start",
    "period_end",
    "status",
    "amendment_number",
    "signed_version",
    "epci__name",
    "epci__short_name",
    "epci__department_code",
)


def _domain_names(convention_ids: list[int]) -> dict[int, list[str]]:
    """The domains of each convention, in their order, as names: one query, no model instance per pair."""
    names: dict[int, list[str]] = {pk: [] for pk in convention_ids}
    pairs = (
        Convention.domains.through.objects.filter(convention_id__in=convention_ids)
        .order_by("domain__position", "domain__name")
        .values_list("convention_id", "domain__name")
    )
    for convention_id, name in pairs:
        names[convention_id].append(name)
    return names


def _amendment_hint(convention: Convention) -> str:
    """Which avenant the convention is at, and which text runs meanwhile (as ``_amendment_hint.html``)."""
    number = convention.amendment_number
    if not convention.amendment_in_progress:
        text = escape(_("avenant no. %(number)s") % {"number": number})
    else:
        text = escape(_("avenant no. %(number)s in progress") % {"number": number})
        if convention.text_in_force_number:
            in_force = (
                _("in force (version %(number)s)") if convention.is_within_period else _("signed (version %(number)s)")
            )
            text += "<br>" + escape(in_force % {"number": convention.text_in_force_number})
    return f'<div class="small text-body-secondary mb-2 amendment-hint">{text}</div>'


def rows_html(conventions: list[Convention], *, today: datetime.date) -> SafeString:
    """The table rows of ``conventions``, written here rather than by the template: a row of the
    template costs about half a millisecond (a URL, a badge tag, an include, a dozen lookups), a row
    written by ``str.format`` a few hundredths; the page shows up to ``HOME_PAGE_SIZE`` of them."""
    if not conventions:
        return SafeString("")
    domains = _domain_names([convention.pk for convention in conventions])
    labels = {
        f"label_{key}": SafeString(escape(label))
        for key, label in (
            ("epci", _("Intercommunality")),
            ("period", _("Period")),
            ("status", _("Status")),
            ("domains", _("Domains")),
            ("signatories", _("Signatories")),
        )
    }
    no_domain = html_format('<span class="text-body-secondary">{}</span>', _("No domain"))
    badges: dict[str, str] = {}
    domain_badges: dict[str, str] = {}
    date_format = get_format("SHORT_DATE_FORMAT")
    dates: dict[datetime.date, str] = {}  # the conventions of a page share a few period bounds
    detail_url = reverse("workflow:detail", args=[0]).removesuffix("0/")  # + the convention's pk and "/"
    rows = []
    for convention in conventions:
        status = convention.status_on(today)
        if status not in badges:
            badges[status] = _status_badge_template().render({"status": status})
        for day in (convention.period_start, convention.period_end):
            if day not in dates:
                dates[day] = dateformat.format(day, date_format)
        names = domains[convention.pk]
        for name in names:
            if name not in domain_badges:
                domain_badges[name] = html_format(DOMAIN, name)
        rows.append(
            html_format(
                ROW,
                url=f"{detail_url}{convention.pk}/",
                title=convention.title,
                reference=convention.reference,
                epci=convention.epci.display_name,
                start_iso=convention.period_start.isoformat(),
                start=dates[convention.period_start],
                end_iso=convention.period_end.isoformat(),
                end=dates[convention.period_end],
                badge=SafeString(badges[status]),
                hint=SafeString(_amendment_hint(convention) if convention.amendment_number else ""),
                domains=SafeString(" ".join(domain_badges[name] for name in names) if names else no_domain),
                signatories=convention.signatory_count,
                **labels,
            )
        )
    return SafeString("\n".join(rows))


# The badge of a status, as every page writes it (the template tag decides its look), once per status shown.
# Through the template engine: views may not import another module's template tags (import-linter).
@cache
def _status_badge_template():
    return engines["django"].from_string("{% load workflow_tags %}{% status_badge_of status %}")


ROW = (
    '<tr><th scope="row" class="fw-normal"><a href="{url}" class="fw-semibold">{title}</a>'
    '<div class="small text-body-secondary">{reference}</div></th>'
    '<td data-label="{label_epci}">{epci}</td>'
    '<td data-label="{label_period}" class="text-nowrap">'
    '<time datetime="{start_iso}">{start}</time> – <time datetime="{end_iso}">{end}</time></td>'
    '<td data-label="{label_status}" class="text-nowrap">{badge}{hint}</td>'
    '<td data-label="{label_domains}" class="domain-badges">{domains}</td>'
    '<td data-label="{label_signatories}" class="text-end">{signatories}</td></tr>'
)
DOMAIN = '<span class="badge rounded-pill text-bg-light border">{}</span>'


def _status_links(counts: dict[str, int], params: QueryDict, selected: str | None) -> list[StatusCount]:
    return [
        StatusCount(
            status=status, count=counts[status], url=_url(params, statut=status), is_selected=status == selected
        )
        for status in ConventionStatus.values
        if counts.get(status)
    ]


def home_page(*, user, params: QueryDict, today: datetime.date | None = None) -> HomePage:
    """The home page of ``user`` for the GET parameters ``params`` (filters and page number)."""
    today = today or timezone.localdate()
    visible_ids = visible_convention_ids(user)
    conventions = Convention.objects.visible_to(user)
    conventions_filter = ConventionFilter(params or None, queryset=conventions, visible_ids=visible_ids, today=today)
    sees_many = visible_ids is None or len(visible_ids) > SUMMARY_FROM

    if sees_many and not params:
        counts, ending = status_counts(conventions, today=today)
        return HomePage(
            filter=conventions_filter,
            is_summary=True,
            sees_many=True,
            show_filters=True,
            total=sum(counts.values()),
            status_counts=_status_links(counts, params, None),
            ending_soon=ending,
            ending_soon_url=_url(params, echeance=str(SUMMARY_ENDING_WITHIN_MONTHS)),
            signatures_waiting=signatures_waiting(visible_ids=visible_ids),
            signatures_waiting_url=_url(params, statut=ConventionStatus.IN_SIGNATURE),
        )

    show_filters = visible_ids is None or len(visible_ids) > FILTERS_FROM or conventions_filter.is_filtered
    selected = conventions_filter.status
    rows = home_rows(conventions_filter.qs)
    if visible_ids is not None and len(visible_ids) <= HOME_PAGE_SIZE and not conventions_filter.is_filtered:
        # Everything the user sees fits in one page, which reads it anyway: its rows give the counts per
        # status (each row's badge status) and the départements to choose from, without queries of their own.
        rows = list(rows)
        counts = dict(Counter(row.status_on(today) for row in rows)) if show_filters else {}
        conventions_filter.department_codes = {row.epci.department_code for row in rows}
        total = count = len(rows)
    elif show_filters:
        counts, _ending = status_counts(conventions_filter.qs_without_status(), today=today)
        total = sum(counts.values())
        count = counts.get(selected, 0) if selected else total
    else:
        # A short list: everything the user sees, counted already.
        counts, total = {}, len(visible_ids)
        count = total
    paginator = KnownCountPaginator(rows, HOME_PAGE_SIZE, count=count)
    page = paginator.get_page(params.get("page"))
    return HomePage(
        filter=conventions_filter,
        is_summary=False,
        sees_many=sees_many,
        show_filters=show_filters,
        total=total,
        status_counts=_status_links(counts, params, selected),
        page=page,
        rows_html=rows_html(list(page.object_list), today=today),
        querystring=_query(params),
        all_url=_url(params, statut=None),
    )
