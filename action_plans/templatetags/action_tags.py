"""Template tags of the action plan: the status of a fiche action as a colour and a badge."""

from django import template

from action_plans.choices import ActionStatus
from ctg_portal.badges import status_badge

register = template.Library()

ACTION_STATUS_ICONS = {
    ActionStatus.UPCOMING: "calendar-event",
    ActionStatus.IN_PROGRESS: "arrow-repeat",
    ActionStatus.DONE: "check-circle",
    ActionStatus.LATE: "exclamation-triangle",
    ActionStatus.SUSPENDED: "pause-circle",
    ActionStatus.ABANDONED: "slash-circle",
}


@register.filter
def action_status_class(status: str) -> str:
    """The colour class of an action status, used by its badge and its progress bar."""
    return f"status-action-{status.replace('_', '-')}"


@register.simple_tag
def action_status_badge(action) -> str:
    """The coloured badge of a fiche action's status, with its French label."""
    return status_badge(
        action_status_class(action.status),
        ACTION_STATUS_ICONS.get(action.status, "circle"),
        action.get_status_display(),
    )
