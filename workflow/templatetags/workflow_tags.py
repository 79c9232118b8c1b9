"""Template tags of the convention's workflow."""

from django import template

from conventions.choices import ConventionStatus
from conventions.templatetags.portal_tags import CONVENTION_STATUS_ICONS, convention_status_class
from ctg_portal.badges import status_badge
from workflow.selectors import lifecycle_buttons as buttons_for

register = template.Library()


@register.simple_tag
def lifecycle_buttons(abilities) -> list:
    """The lifecycle buttons the user may press now, in page order (``workflow.selectors.BUTTONS``)."""
    return buttons_for(abilities)


@register.simple_tag
def status_badge_of(status: str) -> str:
    """The badge of a convention status without a convention (the home page's counts per status)."""
    return status_badge(
        convention_status_class(status), CONVENTION_STATUS_ICONS.get(status, "circle"), ConventionStatus(status).label
    )
