"""Reads of the home page: a summary for whoever sees many conventions (the portal's administrators,
and anyone who sees more than ``SUMMARY_FROM``), else the conventions filtered and paginated, with
their counts per status on top.

Every read starts from the ids of the conventions the user may see (``visible_convention_ids``, one
query per request) and costs a fixed number of queries whatever their number: the counts per status
in one grouped query, one page of rows, its domains, the filter form's choices.
"""

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from conventions.choices import ConventionStatus, PartyRole
from conventions.models import (
    Convention,
    Party,
    Signature,
    current_status_expression,
    visible_convention_ids,
)
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
    query = params.copy()
    query.pop("page", None)
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    return query.urlencode()


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
    """What each row of the list shows: intercommunality, domains, signatories, the text in force."""
    signatories = (
        Party.objects.filter(convention=OuterRef("pk"), role=PartyRole.SIGNATORY)
        .order_by()
        .values("convention")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        conventions.select_related("epci")
        .prefetch_related("domains")
        .annotate(
            signatory_count=Coalesce(Subquery(signatories), 0),
            # Which text stays in force while an avenant is prepared.
            text_in_force_number=F("signed_version__number"),
        )
        .order_by(*HOME_ORDERING)
    )


def _with_row_html(page: Page) -> Page:
    """Each row's period and domains as HTML, written once here rather than by template filters per
    row (the page shows up to ``HOME_PAGE_SIZE`` rows)."""
    no_domain = format_html('<span class="text-body-secondary">{}</span>', _("No domain"))
    for convention in page.object_list:
        convention.period_html = format_html(
            '<time datetime="{}">{}</time> – <time datetime="{}">{}</time>',
            convention.period_start.isoformat(),
            date_format(convention.period_start, "SHORT_DATE_FORMAT"),
            convention.period_end.isoformat(),
            date_format(convention.period_end, "SHORT_DATE_FORMAT"),
        )
        convention.domains_html = (
            format_html_join(
                " ",
                '<span class="badge rounded-pill text-bg-light border">{}</span>',
                ((domain.name,) for domain in convention.domains.all()),
            )
            or no_domain
        )
    return page


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
    if show_filters:
        counts, _ending = status_counts(conventions_filter.qs_without_status(), today=today)
        total = sum(counts.values())
        count = counts.get(selected, 0) if selected else total
    else:
        # A short list: everything the user sees, counted already.
        counts, total = {}, len(visible_ids)
        count = total
    rows = home_rows(conventions_filter.qs)
    paginator = KnownCountPaginator(rows, HOME_PAGE_SIZE, count=count)
    return HomePage(
        filter=conventions_filter,
        is_summary=False,
        sees_many=sees_many,
        show_filters=show_filters,
        total=total,
        status_counts=_status_links(counts, params, selected),
        page=_with_row_html(paginator.get_page(params.get("page"))),
        querystring=_query(params),
        all_url=_url(params, statut=None),
    )
