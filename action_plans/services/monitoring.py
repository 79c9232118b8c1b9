"""Writes of the action plan's follow-up: status and progress of fiches actions, dated progress
updates, indicators' current values and the status of funding lines.

Monitoring data stays editable whatever the convention's status (a signed convention is followed up
for years), but only by the intercommunality's staff: the ``follow_up`` ability. The contractual
content (definitions, amounts, funders, years) is edited by ``services.actions``, never here.
Every function locks the convention's row first in its transaction and checks that ability on it
(``services.convention_lock``, the lock a status transition takes too), validates with
``full_clean()``, writes in that one transaction and names ``by`` as the author of the history
record (the request middleware does so for pages; this covers commands and tasks too). Each write
also claims the fiche's next ``lock_version`` (``services.conflicts.action_claim_version``), so an
editing form opened before it cannot silently overwrite it; the quick edit of status and progress
names the version it was opened on, and is refused (``EditConflict``) if someone saved since.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from action_plans.choices import ActionStatus, FundingStatus
from action_plans.models import Action, EvaluationIndicator, FundingLine, ProgressUpdate
from action_plans.services.conflicts import EditConflict, action_claim_version
from action_plans.services.convention_lock import lock_for_follow_up
from action_plans.validators import validate_progress
from conventions.models import Convention


def _convention_of(action: Action) -> Convention:
    """Through the relations, so a caller that selected them costs no query."""
    return action.orientation.plan.convention


def _full_clean_only(instance, *fields: str) -> None:
    """Validates the fields written (and the model's ``clean``), skipping checks of untouched ones.

    Checks of the other fields (foreign keys, unique codes) would cost a query each for nothing.
    """
    instance.full_clean(exclude=[field.name for field in instance._meta.fields if field.name not in fields])


def _check_progress(progress) -> None:
    try:
        validate_progress(progress)
    except ValidationError as error:
        raise ValidationError({"progress": error.messages}) from error


def action_update_status_progress(
    *, action: Action, status: str, progress: int, by, expected_version: int | None = None
) -> Action:
    """Sets a fiche action's status and progress, the quick edit of the plan page.

    ``expected_version`` is the fiche's ``lock_version`` the quick-edit form was opened on: if
    someone saved the fiche since, nothing is written and ``EditConflict`` says so (the view tells
    what changed). ``None`` (a command, a script) writes over whatever is current.
    """
    with transaction.atomic():
        lock_for_follow_up(convention=_convention_of(action), by=by)
        if status not in ActionStatus.values:
            raise ValidationError({"status": _("Choose a status from the list.")})
        _check_progress(progress)
        current = Action.objects.select_for_update(of=("self",)).get(pk=action.pk)
        if expected_version is not None and current.lock_version != expected_version:
            raise EditConflict(action=current, expected_version=expected_version)
        current.status = status
        current.progress = progress
        _full_clean_only(current, "status", "progress")
        # Claiming the version saves the fiche, with its new status and progress, in one record.
        action_claim_version(action=current, expected_version=current.lock_version, by=by)
    return current


def progress_update_create(
    *, action: Action, reported_on: datetime.date, progress: int, comment: str = "", by
) -> ProgressUpdate:
    """Records a dated progress update; the fiche takes its progress if it is the latest update.

    An update dated before the latest one completes the timeline without moving the fiche's
    current progress back to an older figure.
    """
    with transaction.atomic():
        lock_for_follow_up(convention=_convention_of(action), by=by)
        if reported_on is None:
            raise ValidationError({"reported_on": _("Give the date of this update.")})
        if reported_on > timezone.localdate():
            raise ValidationError({"reported_on": _("The date of an update cannot be in the future.")})
        _check_progress(progress)
        action = Action.objects.select_for_update().get(pk=action.pk)
        update = ProgressUpdate(
            action=action, author=by, reported_on=reported_on, progress=progress, comment=(comment or "").strip()
        )
        update.full_clean()
        if not action.progress_updates.filter(reported_on__gt=reported_on).exists():
            action.progress = progress
            _full_clean_only(action, "progress")
        action_claim_version(action=action, expected_version=None, by=by)
        update._history_user = by
        update.save()
    return update


def evaluation_indicator_update_current_value(
    *, indicator: EvaluationIndicator, current_value: Decimal | None, by
) -> EvaluationIndicator:
    """Sets (or clears, with ``None``) the current value of a fiche's evaluation indicator."""
    with transaction.atomic():
        lock_for_follow_up(convention=_convention_of(indicator.action), by=by)
        indicator = EvaluationIndicator.objects.select_for_update().get(pk=indicator.pk)
        indicator.current_value = current_value
        _full_clean_only(indicator, "current_value")
        action_claim_version(action=indicator.action, expected_version=None, by=by)
        indicator._history_user = by
        indicator.save(update_fields=["current_value"])
    return indicator


def funding_line_update_status(*, funding_line: FundingLine, status: str, by) -> FundingLine:
    """Moves a funding line along planned → requested → granted → paid.

    Any status may be chosen, backwards too: a wrong click must be correctable, and the history
    keeps every change. Amount, funder, year and scheme are contractual and stay untouched.
    """
    with transaction.atomic():
        lock_for_follow_up(convention=_convention_of(funding_line.action), by=by)
        if status not in FundingStatus.values:
            raise ValidationError({"status": _("Choose a status from the list.")})
        funding_line = FundingLine.objects.select_for_update().get(pk=funding_line.pk)
        funding_line.status = status
        _full_clean_only(funding_line, "status")
        action_claim_version(action=funding_line.action, expected_version=None, by=by)
        funding_line._history_user = by
        funding_line.save(update_fields=["status"])
    return funding_line
