"""Presentation helpers shared by the portal's templates.

The look of a status (its badge colour class and icon) is decided here and only here, so a
convention or an action shows the same badge on every page, export and PDF. Colours themselves
live in ``static/css/portal.css`` under the class names built below.
"""

import datetime

from django import template
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from conventions import formats
from conventions.choices import ConventionStatus, PartyRole
from conventions.selectors import version_standing
from ctg_portal.badges import status_badge
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


@register.filter
def convention_status_class(status: str) -> str:
    """The colour class of a convention status, such as ``status-convention-in-review``."""
    return f"status-convention-{status.replace('_', '-')}"


@register.simple_tag
def convention_status_badge(convention) -> str:
    """The coloured badge of a convention's status, with its French label."""
    status = convention.current_status  # as the calendar makes it today, recorded or not yet
    return status_badge(
        convention_status_class(status),
        CONVENTION_STATUS_ICONS.get(status, "circle"),
        ConventionStatus(status).label,
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


# --- Versions: their standing among the convention's versions --------------------------------------


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


@register.simple_tag
def version_standing_badge(version, convention) -> str:
    label, css_class, icon = VERSION_STANDINGS[version_standing(version, convention)]
    return status_badge(css_class, icon, label)


@register.simple_tag
def version_standing_key(version, convention) -> str:
    return version_standing(version, convention)


@register.filter
def long_date(value) -> str:
    """A date as a French deed writes it (``conventions.formats.long_date``)."""
    return formats.long_date(value)
