"""Writes of the action plan's follow-up: status and progress of fiches actions, dated progress
updates, indicators' current values and the status of funding lines.

Monitoring data stays editable whatever the convention's status (a signed convention is followed up
for years), but only by the intercommunality's staff: the ``follow_up`` ability. The contractual
content (definitions, amounts, funders, years) is edited by ``services.editing``, never here.
Every function checks that ability, validates with ``full_clean()``, writes in one transaction and
names ``by`` as the author of the history record (the request middleware does so for pages; this
covers commands and tasks too). Each write also claims the fiche's next ``lock_version``
(``services.editing.action_claim_version``), so an editing form opened before it cannot silently
overwrite it.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conventions.models import Convention
from ctg_portal.errors import NotAllowed

from ..choices import ActionStatus, FundingStatus
from ..models import Action, EvaluationIndicator, FundingLine, ProgressUpdate
from .editing import action_claim_version


def _check_follow_up(*, convention: Convention, by) -> None:
    if not convention.get_abilities(by)["follow_up"]:
        raise NotAllowed(_("Only the intercommunality's staff can follow up this action plan."))


def _convention_of(action: Action) -> Convention:
    """Through the relations, so a caller that selected them costs no query."""
    return action.orientation.plan.convention


def _full_clean_only(instance, *fields: str) -> None:
    """Validates the fields written (and the model's ``clean``), skipping checks of untouched ones.

    Checks of the other fields (foreign keys, unique codes) would cost a query each for nothing.
    """
    instance.full_clean(exclude=[field.name for field in instance._meta.fields if field.name not in fields])


def _check_progress(progress) -> None:
    if progress is None or not 0 <= progress <= 100:
        raise ValidationError({"progress": _("Progress must be between 0 and 100 %.")})


def action_update_status_progress(*, action: Action, status: str, progress: int, by) -> Action:
    """Sets a fiche action's status and progress, the quick edit of the plan page."""
    _check_follow_up(convention=_convention_of(action), by=by)
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    _check_progress(progress)
    with transaction.atomic():
        action = Action.objects.select_for_update().get(pk=action.pk)
        action.status = status
        action.progress = progress
        _full_clean_only(action, "status", "progress")
        # Claiming the version saves the fiche, with its new status and progress, in one record.
        action_claim_version(action=action, expected_version=None, by=by)
    return action


def progress_update_create(
    *, action: Action, reported_on: datetime.date, progress: int, comment: str = "", by
) -> ProgressUpdate:
    """Records a dated progress update; the fiche takes its progress if it is the latest update.

    An update dated before the latest one completes the timeline without moving the fiche's
    current progress back to an older figure.
    """
    _check_follow_up(convention=_convention_of(action), by=by)
    if reported_on is None:
        raise ValidationError({"reported_on": _("Give the date of this update.")})
    if reported_on > timezone.localdate():
        raise ValidationError({"reported_on": _("The date of an update cannot be in the future.")})
    _check_progress(progress)
    with transaction.atomic():
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
    _check_follow_up(convention=_convention_of(indicator.action), by=by)
    with transaction.atomic():
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
    _check_follow_up(convention=_convention_of(funding_line.action), by=by)
    if status not in FundingStatus.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    with transaction.atomic():
        funding_line = FundingLine.objects.select_for_update().get(pk=funding_line.pk)
        funding_line.status = status
        _full_clean_only(funding_line, "status")
        action_claim_version(action=funding_line.action, expected_version=None, by=by)
        funding_line._history_user = by
        funding_line.save(update_fields=["status"])
    return funding_line
