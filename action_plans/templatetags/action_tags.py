"""Template tags of the action plan: the status of a fiche action as a colour and a badge, and the
pieces written once per fiche (see ``action_plans.rows``)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from action_plans import plan_html, rows

register = template.Library()


@register.filter
def action_status_class(status: str) -> str:
    """The colour class of an action status, used by its badge and its progress bar."""
    return rows.action_status_class(status)


@register.simple_tag
def action_status_badge(action) -> str:
    """The coloured badge of a fiche action's status, with its French label."""
    return rows.action_status_badge(action)


@register.simple_tag
def action_progress(action) -> str:
    """The progress bar of one fiche."""
    return rows.progress_html(action)


@register.simple_tag(takes_context=True)
def action_monitoring(context, action) -> str:
    """Status, lateness and progress of one fiche, from the context's convention, abilities, ``origin``
    and the optional ``saved``, ``focus_edit`` and ``swap_oob`` flags."""
    return rows.monitoring_html(
        action,
        convention_pk=context["convention"].pk,
        can_follow_up=bool(context["abilities"].get("follow_up")),
        origin=context.get("origin") or "plan",
        saved=bool(context.get("saved")),
        focus_edit=bool(context.get("focus_edit")),
        swap_oob=bool(context.get("swap_oob")),
    )


def _csrf_input(context) -> str:
    token = context.get("csrf_token")
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token) if token else ""


@register.simple_tag(takes_context=True)
def plan_action_rows(context, actions) -> str:
    """The rows of one orientation's fiches on the plan page."""
    return rows.plan_rows_html(
        actions,
        convention_pk=context["convention"].pk,
        abilities=context["abilities"],
        reorderable=bool(context.get("reorderable")),
        csrf_input=_csrf_input(context),
    )


@register.simple_tag(takes_context=True)
def plan_orientations(context, tree) -> str:
    """Each orientation of the plan page with its roll-up, its edit links and its fiches."""
    return plan_html.orientations_html(
        tree,
        convention_pk=context["convention"].pk,
        abilities=context["abilities"],
        reorderable=bool(context.get("reorderable")),
        csrf_input=_csrf_input(context),
    )


@register.simple_tag(takes_context=True)
def plan_filters(context) -> str:
    """The filters' form of the plan page."""
    convention = context["convention"]
    return plan_html.plan_filters_html(
        context["filter"],
        choices=context["filter_choices"],
        action_url=reverse("action_plans:plan", kwargs={"convention_pk": convention.pk}),
        show_reset=bool(context.get("is_filtered") or context.get("querystring")),
    )


@register.simple_tag
def rollup_bar(rollup, label) -> str:
    """The progress bar of a roll-up and how it was computed."""
    return plan_html.rollup_html(rollup, label)


@register.simple_tag
def orientation_rollup(orientation, rollup, oob=False) -> str:
    return plan_html.orientation_rollup_html(orientation, rollup, oob=bool(oob))


@register.simple_tag
def domain_rollups(progress, oob=False) -> str:
    return plan_html.domain_rollups_html(progress, oob=bool(oob))


@register.simple_tag(takes_context=True)
def summary_action_rows(context, actions) -> str:
    """The rows of one orientation's fiches in the convention page's summary of the plan."""
    return rows.summary_rows_html(actions, convention_pk=context["convention"].pk)
