"""Template tags of the convention's workflow."""

from django import template

from workflow.selectors import lifecycle_buttons as buttons_for

register = template.Library()


@register.simple_tag
def lifecycle_buttons(abilities) -> list:
    """The lifecycle buttons the user may press now, in page order (``workflow.selectors.BUTTONS``)."""
    return buttons_for(abilities)
