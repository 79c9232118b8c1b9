from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionPlansConfig(AppConfig):
    name = "action_plans"
    verbose_name = _("Action plans")

    def ready(self):
        watch_rendered_models()


def watch_rendered_models():
    """Which conventions show a row of this app: their cached fragments' version goes up when the row
    changes (conventions/render_cache.py)."""
    from django.contrib.auth import get_user_model

    from action_plans.models import (
        Action,
        ActionPlan,
        EvaluationIndicator,
        FundingLine,
        ProgressUpdate,
        StrategicOrientation,
    )
    from conventions import render_cache
    from partners.models import Organisation

    def of_action(action_id):
        return Action.objects.filter(pk=action_id).values("orientation__plan__convention_id")

    render_cache.watch(ActionPlan, conventions_of=lambda plan: plan.convention_id)
    render_cache.watch(
        StrategicOrientation,
        conventions_of=lambda orientation: ActionPlan.objects.filter(pk=orientation.plan_id).values("convention_id"),
    )
    render_cache.watch(
        Action,
        conventions_of=lambda action: StrategicOrientation.objects.filter(pk=action.orientation_id).values(
            "plan__convention_id"
        ),
    )
    for model in (FundingLine, EvaluationIndicator, ProgressUpdate):
        render_cache.watch(model, conventions_of=lambda row: of_action(row.action_id))
    render_cache.watch(
        Organisation,
        conventions_of=lambda organisation: [
            Action.objects.filter(pilot=organisation.pk).values("orientation__plan__convention_id"),
            Action.objects.filter(partners=organisation.pk).values("orientation__plan__convention_id"),
            FundingLine.objects.filter(funder=organisation.pk).values("action__orientation__plan__convention_id"),
        ],
    )
    render_cache.watch(
        get_user_model(),
        conventions_of=lambda user: [
            ProgressUpdate.objects.filter(author=user.pk).values("action__orientation__plan__convention_id"),
        ],
    )
