"""Template tags of the convention's workflow."""

from django import template

from conventions.choices import ConventionStatus
from conventions.templatetags.portal_tags import CONVENTION_STATUS_ICONS, convention_status_class
from ctg_portal.badges import status_badge
from workflow import detail_parts, review_parts
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


@register.simple_tag(takes_context=True)
def review_part(context, part) -> str:
    """One part of the review page with its threads and comment form (``workflow.review_parts``)."""
    return review_parts.part_html(part, context)


@register.simple_tag
def plan_summary(convention) -> str:
    """The plan's orientations with their first fiches, on the convention page (``workflow.detail_parts``)."""
    return detail_parts.plan_summary_html(convention.plan_orientations, convention_pk=convention.pk)


@register.simple_tag
def timeline_steps(steps, convention) -> str:
    """The steps of the convention's timeline, oldest first (``workflow.detail_parts``)."""
    return detail_parts.timeline_steps_html(steps, convention_pk=convention.pk)
