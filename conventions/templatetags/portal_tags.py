"""Presentation helpers shared by the portal's templates.

The look of a status (its badge colour class and icon) is decided here and only here, so a
convention or an action shows the same badge on every page, export and PDF. Colours themselves
live in ``static/css/portal.css`` under the class names built below.
"""

import datetime
from decimal import Decimal

from django import template
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from action_plans.choices import ActionStatus
from conventions.choices import SIGNED_STATUSES, ConventionStatus, PartyRole
from diagnostics.choices import FindingKind, Priority
from partners.choices import OrganisationKind
from partners.models import Organisation

register = template.Library()

# Icons repeat the status in a shape, so the badge never relies on colour alone.
CONVENTION_STATUS_ICONS = {
    ConventionStatus.DRAFT: "pencil",
    ConventionStatus.IN_REVIEW: "search",
    ConventionStatus.CHANGES_REQUESTED: "arrow-counterclockwise",
    ConventionStatus.APPROVED: "check",
    ConventionStatus.IN_SIGNATURE: "pen",
    ConventionStatus.SIGNED: "patch-check",
    ConventionStatus.IN_FORCE: "play-circle",
    ConventionStatus.EXPIRED: "hourglass-bottom",
    ConventionStatus.TERMINATED: "x-octagon",
}

ACTION_STATUS_ICONS = {
    ActionStatus.UPCOMING: "calendar-event",
    ActionStatus.IN_PROGRESS: "arrow-repeat",
    ActionStatus.DONE: "check-circle",
    ActionStatus.LATE: "exclamation-triangle",
    ActionStatus.SUSPENDED: "pause-circle",
    ActionStatus.ABANDONED: "slash-circle",
}


@register.filter
def convention_status_class(status: str) -> str:
    """The colour class of a convention status, such as ``status-convention-in-review``."""
    return f"status-convention-{status.replace('_', '-')}"


@register.filter
def action_status_class(status: str) -> str:
    """The colour class of an action status, used by its badge and its progress bar."""
    return f"status-action-{status.replace('_', '-')}"


def _badge(css_class: str, icon: str, label) -> str:
    return format_html(
        '<span class="badge status-badge {}"><i class="bi bi-{}" aria-hidden="true"></i> {}</span>',
        css_class,
        icon,
        label,
    )


@register.simple_tag
def convention_status_badge(convention) -> str:
    """The coloured badge of a convention's status, with its French label."""
    status = convention.current_status  # as the calendar makes it today, recorded or not yet
    return _badge(
        convention_status_class(status),
        CONVENTION_STATUS_ICONS.get(status, "circle"),
        ConventionStatus(status).label,
    )


@register.simple_tag
def action_status_badge(action) -> str:
    """The coloured badge of a fiche action's status, with its French label."""
    return _badge(
        action_status_class(action.status),
        ACTION_STATUS_ICONS.get(action.status, "circle"),
        action.get_status_display(),
    )


@register.simple_tag
def user_organisations(user) -> QuerySet | list:
    """The organisations the user belongs to, in one query, for the navigation bar."""
    if not getattr(user, "is_authenticated", False):
        return []
    return Organisation.objects.filter(memberships__user=user).order_by("name").distinct()


@register.filter
def minutes(duration: datetime.timedelta | None) -> int:
    """A duration in whole minutes, rounded up so a wait is never announced shorter than it is."""
    if not duration:
        return 0
    return -(-int(duration.total_seconds()) // 60)


@register.filter
def signatories(parties) -> list:
    """The signatory parties, from an already-prefetched list (no query)."""
    return [party for party in parties if party.role == PartyRole.SIGNATORY]


@register.filter
def associates(parties) -> list:
    """The associated parties, who take part without signing, from an already-prefetched list."""
    return [party for party in parties if party.role == PartyRole.ASSOCIATE]


@register.filter
def is_draft(convention) -> bool:
    """Whether the convention is still a draft, when its drafting phase is worth showing."""
    return convention.status == ConventionStatus.DRAFT


# --- Versions: their frozen content, their standing, the timeline ------------------------------------


def _day(value: str | None) -> datetime.date | None:
    """A date of a version's content (ISO 8601 text), for the ``date`` filter."""
    return datetime.date.fromisoformat(value) if value else None


def _number(value: str | int | None) -> Decimal | None:
    """A decimal of a version's content (its exact digits as text), for ``floatformat``."""
    return None if value is None or value == "" else Decimal(str(value))


def _label(choices, value) -> str:
    """The French label of a stored choice, or the value itself if the choice has gone since."""
    try:
        return choices(value).label
    except ValueError:
        return str(value)


def _funding_table(lines: list[dict]) -> dict:
    """Planned funding as a funder × year table with row, column and grand totals."""
    years = sorted({line["year"] for line in lines})
    rows: dict[str, dict] = {}
    for line in lines:
        row = rows.setdefault(line["funder"], {"funder": line["funder"], "schemes": [], "by_year": {}})
        if line.get("scheme") and line["scheme"] not in row["schemes"]:
            row["schemes"].append(line["scheme"])
        amount = _number(line["amount"]) or Decimal(0)
        row["by_year"][line["year"]] = row["by_year"].get(line["year"], Decimal(0)) + amount
    table_rows = [
        {
            "funder": row["funder"],
            "schemes": row["schemes"],
            "amounts": [row["by_year"].get(year) for year in years],
            "total": sum(row["by_year"].values(), Decimal(0)),
        }
        for row in sorted(rows.values(), key=lambda r: r["funder"])
    ]
    return {
        "years": years,
        "rows": table_rows,
        "year_totals": [sum((r["by_year"].get(year, Decimal(0)) for r in rows.values()), Decimal(0)) for year in years],
        "total": sum((r["total"] for r in table_rows), Decimal(0)),
    }


@register.simple_tag
def readable_content(content: dict) -> dict:
    """A version's frozen content (``ConventionVersion.content``) ready for ``versions/_content.html``.

    Works from the dictionary alone, without a query, so the sign page, the version page and the
    PDF render the exact text that was hashed: dates and decimals parsed back from their canonical
    text, domain codes named from the version's own list, parties in signing order, funding totalled.
    """
    domain_names = {domain["code"]: domain["name"] for domain in content.get("domains", [])}

    def domain_name(code: str) -> str:
        return domain_names.get(code, code)

    def organisation(row: dict) -> dict:
        return {
            **row,
            "display_name": row.get("short_name") or row["name"],
            "kind_label": _label(OrganisationKind, row["kind"]),
        }

    parties = [{**party, "organisation": organisation(party["organisation"])} for party in content.get("parties", [])]
    signatories = sorted(
        (party for party in parties if party["role"] == PartyRole.SIGNATORY),
        key=lambda party: (party["signing_order"] or 0, party["organisation"]["name"]),
    )
    rounds: dict[int, list] = {}
    for party in signatories:
        rounds.setdefault(party["signing_order"], []).append(party)

    diagnostic = content.get("diagnostic")
    if diagnostic is not None:
        by_domain: dict[str, dict] = {}
        for finding in diagnostic.get("findings", []):
            entry = by_domain.setdefault(
                finding["domain"],
                {"domain": domain_name(finding["domain"]), **{kind: [] for kind in FindingKind.values}},
            )
            entry.setdefault(finding["kind"], []).append(
                {**finding, "priority_label": _label(Priority, finding.get("priority"))}
            )
        diagnostic = {
            "summary": diagnostic.get("summary", ""),
            "started_on": _day(diagnostic.get("started_on")),
            "completed_on": _day(diagnostic.get("completed_on")),
            "findings_by_domain": [
                {
                    "domain": entry["domain"],
                    "strengths": entry[FindingKind.STRENGTH],
                    "weaknesses": entry[FindingKind.WEAKNESS],
                    "needs": entry[FindingKind.NEED],
                }
                for entry in by_domain.values()
            ],
        }

    plan = content.get("action_plan")
    if plan is not None:
        every_line = []
        orientations = []
        for orientation in plan.get("orientations", []):
            actions = []
            for action in orientation.get("actions", []):
                lines = action.get("planned_funding", [])
                every_line.extend(lines)
                actions.append(
                    {
                        **action,
                        "domain": domain_name(action["domain"]),
                        "start_date": _day(action.get("start_date")),
                        "end_date": _day(action.get("end_date")),
                        "priority_label": _label(Priority, action.get("priority")),
                        "funding": _funding_table(lines),
                        "evaluation_indicators": [
                            {
                                **indicator,
                                "baseline": _number(indicator["baseline"]),
                                "target": _number(indicator["target"]),
                            }
                            for indicator in action.get("evaluation_indicators", [])
                        ],
                    }
                )
            orientations.append({**orientation, "actions": actions})
        plan = {"summary": plan.get("summary", ""), "orientations": orientations, "funding": _funding_table(every_line)}

    period = content.get("period", {})
    return {
        "reference": content.get("reference", ""),
        "title": content.get("title", ""),
        "amendment_number": content.get("amendment_number", 0),
        "epci": organisation(content["epci"]),
        "period_start": _day(period.get("start")),
        "period_end": _day(period.get("end")),
        "replaces_contract": content.get("replaces_contract", ""),
        "perimeter_note": content.get("perimeter_note", ""),
        "domains": content.get("domains", []),
        "articles": content.get("articles", []),
        "signing_rounds": [{"order": order, "parties": members} for order, members in rounds.items()],
        "signatory_count": len(signatories),
        "associates": [party for party in parties if party["role"] == PartyRole.ASSOCIATE],
        "diagnostic": diagnostic,
        "action_plan": plan,
    }


# What a version is to its convention, worded for its badge; colours reuse the status palette.
VERSION_STANDINGS = {
    "in_force": (_("Text in force"), "status-convention-in-force", "play-circle"),
    "signed": (_("Signed"), "status-convention-signed", "patch-check"),
    "expired": (_("Signed, expired"), "status-convention-expired", "hourglass-bottom"),
    "terminated": (_("Signed, terminated"), "status-convention-terminated", "x-octagon"),
    "approved": (_("Approved, signature not open yet"), "status-convention-approved", "check"),
    "being_signed": (_("Being signed"), "status-convention-in-signature", "pen"),
    "superseded": (_("Superseded"), "text-bg-light border", "archive"),
    "void": (_("Void (signature declined)"), "text-bg-warning", "slash-circle"),
}


def version_standing(version, convention, today: datetime.date | None = None) -> str:
    """A key of ``VERSION_STANDINGS`` for ``version``, annotated by ``selectors.versions_of`` or
    ``selectors.version_detail`` (``is_current``, ``is_being_signed``, ``is_signed``)."""
    today = today or timezone.localdate()
    if version.is_current:
        status = convention.status_on(today)
        if status == ConventionStatus.TERMINATED:
            return "terminated"
        # While an avenant is prepared the convention is a draft again, but its signed text still
        # runs by the calendar: it is in force between the period's dates.
        if today > convention.period_end or status == ConventionStatus.EXPIRED:
            return "expired"
        return "in_force" if today >= convention.period_start else "signed"
    if version.is_being_signed:
        return "being_signed" if convention.status == ConventionStatus.IN_SIGNATURE else "approved"
    # Approval is followed by signature; a version neither signed nor being signed was declined.
    return "superseded" if version.is_signed else "void"


@register.simple_tag
def version_standing_badge(version, convention) -> str:
    label, css_class, icon = VERSION_STANDINGS[version_standing(version, convention)]
    return _badge(css_class, icon, label)


@register.simple_tag
def version_standing_key(version, convention) -> str:
    return version_standing(version, convention)


@register.filter
def amendment_in_progress(convention) -> bool:
    """Whether an avenant is being drafted, reviewed or signed while the last signed text still runs."""
    return (
        convention.amendment_number > 0
        and convention.signed_version_id is not None
        and convention.status not in SIGNED_STATUSES | {ConventionStatus.EXPIRED, ConventionStatus.TERMINATED}
    )


@register.filter
def within_period(convention) -> bool:
    """Whether today falls in the convention's period (its signed text then runs)."""
    return convention.period_start <= timezone.localdate() <= convention.period_end


@register.simple_tag
def lifecycle_buttons(abilities) -> list:
    """The lifecycle buttons the user may press now, in page order (see conventions/views/lifecycle.py)."""
    from workflow.views.lifecycle import lifecycle_buttons as buttons_for

    return buttons_for(abilities)


@register.filter
def long_date(value: datetime.date | datetime.datetime | None) -> str:
    """A date as a French deed writes it: « 1er janvier 2020 », « 21 septembre 2020 »."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    text = date_format(value, "j F Y")
    if value.day == 1 and get_language().startswith("fr"):
        text = "1er" + text[1:]
    return text
