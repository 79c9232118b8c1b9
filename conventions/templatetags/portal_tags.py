"""Presentation helpers shared by the portal's templates.

The look of a status (its badge colour class and icon) is decided here and only here, so a
convention or an action shows the same badge on every page, export and PDF. Colours themselves
live in ``static/css/portal.css`` under the class names built below.
"""

import datetime

from django import template
from django.db.models import QuerySet
from django.utils.html import format_html

from action_plans.choices import ActionStatus
from conventions.choices import ConventionStatus, PartyRole
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
    return _badge(
        convention_status_class(convention.status),
        CONVENTION_STATUS_ICONS.get(convention.status, "circle"),
        convention.get_status_display(),
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
