"""What the convention page's sections show of the diagnostic, the plan, the governance and the domains,
read in queries compiled once per process (``ctg_portal.precompiled``).

The page is rebuilt after every change of its convention (``conventions.render_cache``): building and
compiling a dozen querysets, then making hundreds of model instances, cost Django more than twice what
the database takes to answer. Each query here takes only the convention's id, keeps its SQL from one
request to the next, and returns the columns the page writes, as small read-only rows: no model
instance, no lazy relation to query by mistake. Dates come back as dates on every database (the timeline
and the versions, with datetimes, are in ``workflow.selectors_timeline``).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy

from action_plans.models import Action, StrategicOrientation
from conventions.choices import GovernanceBodyKind, GovernanceMemberRole, MeetingKind
from conventions.models import (
    Domain,
    GovernanceBody,
    GovernanceMember,
    Meeting,
    ReviewComment,
)
from ctg_portal.precompiled import PrecompiledQuery
from diagnostics.choices import FindingKind
from diagnostics.models import Consultation, Diagnostic, Finding, IndicatorValue

# How many fiches of each orientation the convention page lists (the plan page has them all).
FICHES_SHOWN_PER_ORIENTATION = 8


@dataclass(frozen=True, slots=True)
class Named:
    """An organisation or a domain as a row shows it."""

    name: str
    short_name: str = ""

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class Listed(tuple):
    """Rows already read, answering ``.all()`` like a prefetched relation (``action_plans.rows`` calls it)."""

    def all(self) -> "Listed":
        return self


# --- The plan: each orientation with its first fiches ---------------------------------------------


@dataclass(frozen=True, slots=True)
class FicheSummary:
    """What the plan's summary shows of a fiche (read by ``action_plans.rows.summary_rows_html``)."""

    pk: int
    code: str
    title: str
    status: str
    progress: int
    end_date: datetime.date
    domain: Named
    pilot: Named
    partners: Listed


@dataclass(slots=True)
class OrientationSummary:
    pk: int
    position: int
    title: str
    description: str
    action_count: int = 0
    shown_actions: list[FicheSummary] = field(default_factory=list)


def _shown_fiches(convention_id):
    """The first fiches of each orientation of the convention's plan, with how many each orientation has.

    The limit is written in the SQL (``RawSQL`` of a constant), not passed as a parameter: a precompiled
    query takes the convention's id only."""
    order = (F("position").asc(), F("code").asc(), F("pk").asc())
    return (
        Action.objects.filter(orientation__plan__convention_id=convention_id)
        .annotate(
            row=Window(RowNumber(), partition_by=F("orientation_id"), order_by=order),
            total=Window(Count("pk"), partition_by=F("orientation_id")),
        )
        .filter(row__lte=RawSQL(str(int(FICHES_SHOWN_PER_ORIENTATION)), ()))
    )


_ORIENTATIONS = PrecompiledQuery(
    lambda convention_id: (
        StrategicOrientation.objects.filter(plan__convention_id=convention_id)
        .order_by("position", "pk")
        .values_list("pk", "position", "title", "description")
    )
)
_FICHES = PrecompiledQuery(
    lambda convention_id: (
        _shown_fiches(convention_id)
        .order_by("orientation_id", "row")
        .values_list(
            "orientation_id",
            "total",
            "pk",
            "code",
            "title",
            "status",
            "progress",
            "end_date",
            "domain__name",
            "pilot__name",
            "pilot__short_name",
        )
    )
)
# Partners in the order of the organisations' names (``Organisation.Meta.ordering``).
_FICHE_PARTNERS = PrecompiledQuery(
    lambda convention_id: (
        Action.partners.through.objects.filter(action_id__in=_shown_fiches(convention_id).values("pk"))
        .order_by("action_id", "organisation__name", "organisation_id")
        .values_list("action_id", "organisation__name", "organisation__short_name")
    )
)


def plan_summary(*, convention_id: int) -> list[OrientationSummary]:
    """The plan's orientations in order, each with its fiche count and its first fiches (three queries,
    whatever the size of the plan)."""
    orientations = {pk: OrientationSummary(pk, *row) for pk, *row in _ORIENTATIONS.rows(convention_id)}
    if not orientations:
        return []
    partners: dict[int, list[Named]] = {}
    for action_id, name, short_name in _FICHE_PARTNERS.rows(convention_id):
        partners.setdefault(action_id, []).append(Named(name, short_name or ""))
    domains: dict[str, Named] = {}
    pilots: dict[tuple, Named] = {}
    for orientation_id, total, pk, code, title, status, progress, end_date, domain, pilot, pilot_short in _FICHES.rows(
        convention_id
    ):
        orientation = orientations[orientation_id]
        orientation.action_count = total
        orientation.shown_actions.append(
            FicheSummary(
                pk=pk,
                code=code,
                title=title,
                status=status,
                progress=progress,
                end_date=end_date,
                domain=domains.setdefault(domain, Named(domain)),
                pilot=pilots.setdefault((pilot, pilot_short), Named(pilot, pilot_short or "")),
                partners=Listed(partners.get(pk, ())),
            )
        )
    return list(orientations.values())


# --- The diagnostic: findings by domain and kind, counts ---------------------------------------------


_FINDINGS = PrecompiledQuery(
    lambda convention_id: (
        Finding.objects.filter(diagnostic__convention_id=convention_id)
        .order_by("domain__position", "kind", "position", "pk")
        .values_list("domain_id", "domain__name", "kind", "title")
    )
)


def _count_of(model):
    rows = model.objects.filter(diagnostic=OuterRef("pk")).order_by().values("diagnostic").annotate(n=Count("pk"))
    return Subquery(rows.values("n"), output_field=IntegerField())  # NULL for none: no constant parameter


_DIAGNOSTIC_COUNTS = PrecompiledQuery(
    lambda convention_id: Diagnostic.objects.filter(convention_id=convention_id).values_list(
        _count_of(IndicatorValue), _count_of(Consultation)
    )
)


@dataclass(frozen=True, slots=True)
class FindingsColumn:
    """The findings of one kind in one domain: the column's heading, its icon, the findings' titles."""

    heading: str
    icon: str  # a Bootstrap Icons name
    titles: list[str]


# The columns of each domain, in the page's order.
_COLUMNS = (
    (FindingKind.STRENGTH, gettext_lazy("Strengths"), "plus-circle"),
    (FindingKind.WEAKNESS, gettext_lazy("Weaknesses"), "dash-circle"),
    (FindingKind.NEED, gettext_lazy("Needs"), "exclamation-circle"),
)


def diagnostic_summary(*, convention) -> dict:
    """Findings' titles per domain and kind, and the counts of indicator values and consultations, for the
    convention page (two queries)."""
    diagnostic = getattr(convention, "diagnostic", None)
    if diagnostic is None:
        return {"diagnostic": None, "findings_by_domain": [], "indicator_value_count": 0, "consultation_count": 0}
    by_domain: dict[int, dict] = {}
    for domain_id, domain_name, kind, title in _FINDINGS.rows(convention.pk):
        entry = by_domain.get(domain_id)
        if entry is None:
            entry = by_domain[domain_id] = {"domain": Named(domain_name), **{k: [] for k in FindingKind.values}}
        entry[kind].append(title)
    counts = _DIAGNOSTIC_COUNTS.rows(convention.pk)
    indicator_value_count, consultation_count = counts[0] if counts else (None, None)
    return {
        "diagnostic": diagnostic,
        "findings_by_domain": [
            {
                "domain": entry["domain"],
                "columns": [FindingsColumn(heading, icon, entry[kind]) for kind, heading, icon in _COLUMNS],
            }
            for entry in by_domain.values()
        ],
        "indicator_value_count": indicator_value_count or 0,
        "consultation_count": consultation_count or 0,
    }


# --- Governance: bodies, their members and meetings ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberSummary:
    full_name: str
    title: str
    organisation: Named
    role: str

    def get_role_display(self) -> str:
        return _MEMBER_ROLES.get(self.role, self.role)


@dataclass(frozen=True, slots=True)
class MeetingSummary:
    pk: int
    held_on: datetime.date
    kind: str
    location: str
    agenda: str
    decisions: str

    def get_kind_display(self) -> str:
        return _MEETING_KINDS.get(self.kind, self.kind)


@dataclass(slots=True)
class BodySummary:
    pk: int
    kind: str
    name: str
    mission: str
    members: Listed = Listed()
    meetings: Listed = Listed()

    def get_kind_display(self) -> str:
        return _BODY_KINDS.get(self.kind, self.kind)


_BODY_KINDS = dict(GovernanceBodyKind.choices)
_MEMBER_ROLES = dict(GovernanceMemberRole.choices)
_MEETING_KINDS = dict(MeetingKind.choices)

# In the models' orders (``Meta.ordering`` of each), the primary key last so that ties never swap.
_BODIES = PrecompiledQuery(
    lambda convention_id: (
        GovernanceBody.objects.filter(convention_id=convention_id)
        .order_by("kind", "name", "pk")
        .values_list("pk", "kind", "name", "mission")
    )
)
_MEMBERS = PrecompiledQuery(
    lambda convention_id: (
        GovernanceMember.objects.filter(body__convention_id=convention_id)
        .order_by("body_id", "role", "representative__full_name", "pk")
        .values_list(
            "body_id",
            "representative__full_name",
            "representative__title",
            "representative__organisation__name",
            "representative__organisation__short_name",
            "role",
        )
    )
)
_MEETINGS = PrecompiledQuery(
    lambda convention_id: (
        Meeting.objects.filter(body__convention_id=convention_id)
        .order_by("body_id", "-held_on", "pk")
        .values_list("body_id", "pk", "held_on", "kind", "location", "agenda", "decisions")
    )
)


def governance(*, convention_id: int) -> list[BodySummary]:
    """The convention's committees with their members and meetings (three queries)."""
    bodies = {pk: BodySummary(pk, *row) for pk, *row in _BODIES.rows(convention_id)}
    if not bodies:
        return []
    members: dict[int, list] = {}
    for body_id, full_name, title, name, short_name, role in _MEMBERS.rows(convention_id):
        members.setdefault(body_id, []).append(MemberSummary(full_name, title, Named(name, short_name or ""), role))
    meetings: dict[int, list] = {}
    for body_id, *row in _MEETINGS.rows(convention_id):
        meetings.setdefault(body_id, []).append(MeetingSummary(*row))
    for pk, body in bodies.items():
        body.members = Listed(members.get(pk, ()))
        body.meetings = Listed(meetings.get(pk, ()))
    return list(bodies.values())


# --- Header and review summary -----------------------------------------------------------------------


_DOMAIN_NAMES = PrecompiledQuery(
    lambda convention_id: (
        Domain.objects.filter(conventions__id=convention_id).order_by("position", "name", "pk").values_list("name")
    )
)
_OPEN_THREADS = PrecompiledQuery(
    lambda convention_id: (
        ReviewComment.objects.filter(convention_id=convention_id, parent__isnull=True, resolved_at__isnull=True)
        .order_by()
        .values("convention_id")
        .annotate(count=Count("pk"))
        .values_list("count")
    )
)


def domain_names(*, convention_id: int) -> list[str]:
    """The names of the convention's domains, in the catalogue's order."""
    return [name for (name,) in _DOMAIN_NAMES.rows(convention_id)]


def open_review_comment_count(*, convention_id: int) -> int:
    """The review threads still open on the convention."""
    rows = _OPEN_THREADS.rows(convention_id)  # no row when none is open
    return rows[0][0] if rows else 0
