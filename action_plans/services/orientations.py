"""Writing the strategic orientations of an action plan: create, rename, move, delete.

Orientations are contractual content: written only while the convention is editable, each service
first locking the convention's row inside its transaction (``services.convention_lock``). Every
write records the acting user in the history (``_history_user``), also outside a request.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext

from action_plans.inputs import DOWN, UP, normal_text
from action_plans.models import Action, ActionPlan, StrategicOrientation
from action_plans.services.actions import delete_action_rows
from action_plans.services.convention_lock import lock_for_plan_edit
from conventions.models import Convention
from ctg_portal.errors import PortalError


def action_plan_ensure(*, convention: Convention, by) -> ActionPlan:
    """The convention's action plan, created on first use."""
    plan = ActionPlan.objects.filter(convention=convention).first()
    if plan is None:
        plan = ActionPlan(convention=convention)
        plan._history_user = by
        plan.save()
    return plan


def _orientation_validate(orientation: StrategicOrientation) -> None:
    orientation.title = orientation.title.strip()
    if not orientation.title:
        raise ValidationError({"title": gettext("Give a title.")})
    orientation.full_clean(exclude=["plan", "position"], validate_unique=False, validate_constraints=False)


def orientation_create(*, convention: Convention, title: str, description: str = "", by) -> StrategicOrientation:
    """Adds an orientation at the end of the plan, creating the plan if the convention has none yet."""
    with transaction.atomic():
        lock_for_plan_edit(convention=convention, by=by)
        plan = action_plan_ensure(convention=convention, by=by)
        # Serialises concurrent creations in the same plan on PostgreSQL (the unique position does elsewhere).
        ActionPlan.objects.select_for_update().filter(pk=plan.pk).first()
        last = plan.orientations.aggregate(last=Max("position"))["last"] or 0
        orientation = StrategicOrientation(
            plan=plan, position=last + 1, title=normal_text(title), description=normal_text(description)
        )
        _orientation_validate(orientation)
        orientation._history_user = by
        orientation.save()
    return orientation


def orientation_update(
    *, orientation: StrategicOrientation, title: str, description: str = "", by
) -> StrategicOrientation:
    with transaction.atomic():
        lock_for_plan_edit(convention=orientation.plan.convention, by=by)
        orientation = StrategicOrientation.objects.select_for_update().select_related("plan").get(pk=orientation.pk)
        stored = (normal_text(orientation.title), normal_text(orientation.description))
        if stored == (normal_text(title), normal_text(description)):
            return orientation
        orientation.title, orientation.description = normal_text(title), normal_text(description)
        _orientation_validate(orientation)
        orientation._history_user = by
        orientation.save()
    return orientation


def orientation_move(*, orientation: StrategicOrientation, direction: str, by) -> StrategicOrientation:
    """Swaps the orientation with its neighbour above or below; the numbers stay unique throughout."""
    if direction not in (UP, DOWN):
        raise ValidationError(gettext("Choose to move up or down."))
    with transaction.atomic():
        lock_for_plan_edit(convention=orientation.plan.convention, by=by)
        siblings = list(
            StrategicOrientation.objects.select_for_update().filter(plan_id=orientation.plan_id).order_by("position")
        )
        index = next(i for i, sibling in enumerate(siblings) if sibling.pk == orientation.pk)
        other_index = index - 1 if direction == UP else index + 1
        if not 0 <= other_index < len(siblings):
            return siblings[index]
        moved, other = siblings[index], siblings[other_index]
        # Park one row on a free number first, so the unique (plan, position) holds at every statement.
        parking = siblings[-1].position + 1
        StrategicOrientation.objects.filter(pk=moved.pk).update(position=parking)
        moved.position, other.position = other.position, moved.position
        for row in (other, moved):
            row._history_user = by
            row.save(update_fields=["position"])
    return moved


def orientation_delete(*, orientation: StrategicOrientation, confirmed_action_ids: Iterable[int], by) -> None:
    """Deletes the orientation with its fiches actions, which the user confirmed one by one.

    ``confirmed_action_ids`` are the fiches the confirmation page listed: if a fiche was added or
    removed since, nothing is deleted and the user is asked to look again.
    """
    with transaction.atomic():
        lock_for_plan_edit(convention=orientation.plan.convention, by=by)
        orientation = StrategicOrientation.objects.select_for_update().get(pk=orientation.pk)
        actions = list(Action.objects.select_for_update().filter(orientation=orientation))
        if {action.pk for action in actions} != {int(pk) for pk in confirmed_action_ids}:
            raise PortalError(
                gettext(
                    "The fiches actions of this orientation changed since the confirmation page was opened: "
                    "check the list again before deleting."
                )
            )
        for action in actions:
            delete_action_rows(action=action, by=by)
        orientation._history_user = by
        position = orientation.position
        orientation.delete()
        # Close the gap, lowest first, so each number taken was freed just before.
        for following in StrategicOrientation.objects.filter(
            plan_id=orientation.plan_id, position__gt=position
        ).order_by("position"):
            following.position -= 1
            following._history_user = by
            following.save(update_fields=["position"])
