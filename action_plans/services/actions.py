"""Writing a fiche action: create, save (contractual content and follow-up together), delete, move.

- The *contractual* content of a fiche (its definition, planned funding and evaluation indicators)
  may be written only while ``convention.get_abilities(by)["edit"]``: EPCI staff, while the
  convention is a draft or changes were requested. Its *monitoring* data (status, progress, the
  funding lines' status, the indicators' current values) whenever they follow it up; the field
  lists are in ``action_plans.inputs``.
- No lost update: a save names the version its form started from (``services.conflicts``).
- No write to a frozen convention: each service first locks the convention's row inside its
  transaction (``services.convention_lock``).
- Every write records the acting user in the history (``_history_user``), also outside a request.

Refusals: :class:`~ctg_portal.errors.NotAllowed` for rights and frozen content,
:class:`~action_plans.services.conflicts.EditConflict` for a concurrent save,
:class:`~django.core.exceptions.ValidationError` with a dict of messages for bad data, keyed by a
fiche's field names or a line's row (``services.fiche_lines``), so a view puts each message next to
what the user typed.
"""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext

from action_plans.choices import ActionStatus
from action_plans.inputs import (
    CONTRACTUAL_ACTION_FIELDS,
    CONTRACTUAL_ACTION_RELATIONS,
    DOWN,
    FUNDING_FIELDS,
    INDICATOR_FIELDS,
    MONITORING_ACTION_FIELDS,
    MONITORING_FUNDING_FIELDS,
    MONITORING_INDICATOR_FIELDS,
    UP,
    ActionInput,
    input_value,
    normal_text,
    stored_value,
)
from action_plans.models import Action, EvaluationIndicator, FundingLine, StrategicOrientation
from action_plans.selectors import allowed_partners, allowed_pilots, code_taken, diagnostic_needs
from action_plans.services.conflicts import EditConflict, action_claim_version
from action_plans.services.convention_lock import lock_for_fiche_save, lock_for_plan_edit
from action_plans.services.fiche_lines import (
    final_funding_keys,
    full_clean_keyed,
    funding_problems,
    indicator_problems,
    line_changes,
    write_lines,
)
from action_plans.validators import date_problems, validate_progress
from conventions.models import Convention
from conventions.permissions import plan_edit_refusal
from ctg_portal.errors import NotAllowed
from diagnostics.choices import Priority

# Relations the services have already checked against the convention: no query per field.
ACTION_CLEAN_EXCLUDE = ["orientation", "domain", "pilot", "partners", "answered_needs"]


# --- Validation -----------------------------------------------------------------------------------


def _validate_action(
    *,
    convention: Convention,
    orientation: StrategicOrientation,
    data: ActionInput,
    action: Action | None,
    changed: set[str],
    funding_changes: list,
    indicator_changes: list,
    final_keys: list,
) -> None:
    """Checks what changes (everything on creation); raises one ValidationError with every message."""
    errors: dict[str, list[str]] = defaultdict(list)

    def problem(key, message):
        errors[key].append(message)

    data.code, data.title = (data.code or "").strip(), (data.title or "").strip()
    if "code" in changed:
        if not data.code:
            problem("code", gettext("Give a code, for example “2.3”."))
        elif len(data.code) > Action._meta.get_field("code").max_length:
            problem("code", gettext("Use at most 10 characters."))
        elif code_taken(orientation=orientation, code=data.code, exclude_pk=action.pk if action else None):
            problem("code", gettext("Another action of this orientation already has this code."))
    if "title" in changed and not data.title:
        problem("title", gettext("Give a title."))
    if "domain" in changed and (data.domain is None or not convention.domains.filter(pk=data.domain.pk).exists()):
        problem("domain", gettext("Choose one of the convention's domains."))
    if "pilot" in changed and (
        data.pilot is None or data.pilot.pk not in {o.pk for o in allowed_pilots(convention=convention)}
    ):
        problem("pilot", gettext("The pilot must be an organisation party to the convention."))
    if "partners" in changed:
        current = set(action.partners.values_list("pk", flat=True)) if action else set()
        added = {o.pk for o in data.partners} - current
        allowed = {o.pk for o in allowed_partners(convention=convention)}
        if added - allowed:
            problem("partners", gettext("Choose partners among the organisations offered."))
    if "answered_needs" in changed:
        current = set(action.answered_needs.values_list("pk", flat=True)) if action else set()
        added = {f.pk for f in data.answered_needs} - current
        if added - {f.pk for f in diagnostic_needs(convention=convention)}:
            problem("answered_needs", gettext("Choose needs found by this convention's diagnostic."))
    if "start_date" in changed or "end_date" in changed:
        if data.start_date is None:
            problem("start_date", gettext("Give a start date."))
        if data.end_date is None:
            problem("end_date", gettext("Give an end date."))
        for key, message in date_problems(convention=convention, start=data.start_date, end=data.end_date).items():
            problem(key, message)
    if "status" in changed and data.status not in ActionStatus.values:
        problem("status", gettext("Choose a status among those offered."))
    if "progress" in changed:
        try:
            validate_progress(data.progress)
        except ValidationError as error:
            for message in error.messages:
                problem("progress", message)
    if "priority" in changed and data.priority not in Priority.values:
        problem("priority", gettext("Choose a priority among high, medium and low."))

    # The organisations a funder may be, read only when a funder changes.
    funders = None
    if any("funder" in line_changed for _, line, line_changed in funding_changes if not line.delete):
        funders = {o.pk for o in allowed_partners(convention=convention)}
    for key, message in funding_problems(
        convention=convention, funding_changes=funding_changes, final_keys=final_keys, allowed_funders=funders
    ):
        problem(key, message)
    for key, message in indicator_problems(indicator_changes=indicator_changes):
        problem(key, message)

    if errors:
        raise ValidationError(dict(errors))


def _apply(action: Action, data: ActionInput, changed: set[str]) -> None:
    for name in changed - set(CONTRACTUAL_ACTION_RELATIONS):
        value = getattr(data, name)
        setattr(action, name, normal_text(value) if isinstance(value, str) else value)


def _integrity_error(error: IntegrityError) -> ValidationError:
    """A constraint a concurrent write broke after our checks passed: say which, never a 500."""
    text = str(error)
    if "action_code_unique_per_orientation" in text or "orientation_id, action_plans_action.code" in text:
        return ValidationError({"code": gettext("Another action of this orientation already has this code.")})
    if "funding_line_unique" in text or "action_plans_fundingline" in text:
        return ValidationError({"funding_lines": gettext("This funder already has a line for this year and scheme.")})
    return ValidationError(gettext("The fiche action could not be saved: check the values and try again."))


# --- Writes ---------------------------------------------------------------------------------------


def action_create(*, orientation: StrategicOrientation, data: ActionInput, by) -> Action:
    """Adds a fiche action at the end of the orientation, with its funding lines and indicators."""
    for line in (*data.funding_lines, *data.indicators):
        line.id = None
    funding_changes = line_changes({}, data.funding_lines, FUNDING_FIELDS)
    indicator_changes = line_changes({}, data.indicators, INDICATOR_FIELDS)
    changed = set(CONTRACTUAL_ACTION_FIELDS + CONTRACTUAL_ACTION_RELATIONS + MONITORING_ACTION_FIELDS)
    try:
        with transaction.atomic():
            convention = lock_for_plan_edit(convention=orientation.plan.convention, by=by)
            _validate_action(
                convention=convention,
                orientation=orientation,
                data=data,
                action=None,
                changed=changed,
                funding_changes=funding_changes,
                indicator_changes=indicator_changes,
                final_keys=final_funding_keys({}, funding_changes),
            )
            last = Action.objects.filter(orientation=orientation).aggregate(last=Max("position"))["last"] or 0
            action = Action(orientation=orientation, position=last + 1)
            _apply(action, data, changed)
            full_clean_keyed(action, exclude=ACTION_CLEAN_EXCLUDE)
            action._history_user = by
            action.save()
            action.partners.set(data.partners)
            action.answered_needs.set(data.answered_needs)
            write_lines(
                model=FundingLine, action=action, existing={}, changes=funding_changes, fields=FUNDING_FIELDS, by=by
            )
            write_lines(
                model=EvaluationIndicator,
                action=action,
                existing={},
                changes=indicator_changes,
                fields=INDICATOR_FIELDS,
                by=by,
            )
    except IntegrityError as error:
        raise _integrity_error(error) from error
    return action


def action_update(*, action: Action, data: ActionInput, expected_version: int, by) -> Action:
    """Saves the fiche as the user's form describes it, if nobody saved it since ``expected_version``.

    Only what differs from the stored fiche is written (nothing at all if nothing differs, and
    then no version is claimed). Contractual changes need ``edit``; monitoring ones ``follow_up``.
    """
    try:
        with transaction.atomic():
            convention, abilities = lock_for_fiche_save(convention=action.orientation.plan.convention, by=by)
            current = (
                Action.objects.select_for_update(of=("self",))
                .select_related("orientation__plan__convention")
                .get(pk=action.pk)
            )
            if current.lock_version != expected_version:
                raise EditConflict(action=current, expected_version=expected_version)

            changed = {
                name
                for name in CONTRACTUAL_ACTION_FIELDS + MONITORING_ACTION_FIELDS
                if stored_value(current, name) != input_value(getattr(data, name))
            }
            if {o.pk for o in current.partners.all()} != {o.pk for o in data.partners}:
                changed.add("partners")
            if {f.pk for f in current.answered_needs.all()} != {f.pk for f in data.answered_needs}:
                changed.add("answered_needs")
            funding = {line.pk: line for line in current.funding_lines.all()}
            indicators = {line.pk: line for line in current.evaluation_indicators.all()}
            funding_changes = line_changes(funding, data.funding_lines, FUNDING_FIELDS)
            indicator_changes = line_changes(indicators, data.indicators, INDICATOR_FIELDS)

            contractual = (
                bool(changed - set(MONITORING_ACTION_FIELDS))
                or any(c - set(MONITORING_FUNDING_FIELDS) for _, _, c in funding_changes)
                or any(c - set(MONITORING_INDICATOR_FIELDS) for _, _, c in indicator_changes)
            )
            if contractual and not abilities["edit"]:
                raise NotAllowed(plan_edit_refusal(convention, abilities))
            if not (changed or any(c for _, _, c in funding_changes) or any(c for _, _, c in indicator_changes)):
                return current

            _validate_action(
                convention=convention,
                orientation=current.orientation,
                data=data,
                action=current,
                changed=changed,
                funding_changes=funding_changes,
                indicator_changes=indicator_changes,
                final_keys=final_funding_keys(funding, funding_changes),
            )
            _apply(current, data, changed)
            full_clean_keyed(current, exclude=ACTION_CLEAN_EXCLUDE)
            action_claim_version(action=current, expected_version=expected_version, by=by)
            current._history_user = by
            if "partners" in changed:
                current.partners.set(data.partners)
            if "answered_needs" in changed:
                current.answered_needs.set(data.answered_needs)
            write_lines(
                model=FundingLine,
                action=current,
                existing=funding,
                changes=funding_changes,
                fields=FUNDING_FIELDS,
                by=by,
            )
            write_lines(
                model=EvaluationIndicator,
                action=current,
                existing=indicators,
                changes=indicator_changes,
                fields=INDICATOR_FIELDS,
                by=by,
            )
    except IntegrityError as error:
        raise _integrity_error(error) from error
    return current


def delete_action_rows(*, action: Action, by) -> None:
    """Deletes a fiche and its lines one by one, so each deletion is in the history with its author.

    Inside the caller's transaction, the convention already locked (also used by
    ``orientations.orientation_delete``).
    """
    for related in (action.funding_lines.all(), action.evaluation_indicators.all(), action.progress_updates.all()):
        for row in related:
            row._history_user = by
            row.delete()
    action._history_user = by
    action.delete()


def action_delete(*, action: Action, by, expected_version: int | None = None) -> None:
    """Deletes the fiche with its funding lines, indicators and progress updates.

    With ``expected_version``, refuses if the fiche was saved since the confirmation page showed it.
    """
    with transaction.atomic():
        lock_for_plan_edit(convention=action.orientation.plan.convention, by=by)
        current = Action.objects.select_for_update().get(pk=action.pk)
        if expected_version is not None and current.lock_version != expected_version:
            raise EditConflict(action=current, expected_version=expected_version)
        delete_action_rows(action=current, by=by)


def action_move(*, action: Action, direction: str, by) -> Action:
    """Swaps the fiche with its neighbour in the orientation (positions are renumbered 1…n)."""
    if direction not in (UP, DOWN):
        raise ValidationError(gettext("Choose to move up or down."))
    with transaction.atomic():
        lock_for_plan_edit(convention=action.orientation.plan.convention, by=by)
        siblings = list(
            Action.objects.select_for_update()
            .filter(orientation_id=action.orientation_id)
            .order_by("position", "code", "pk")
        )
        index = next(i for i, sibling in enumerate(siblings) if sibling.pk == action.pk)
        other_index = index - 1 if direction == UP else index + 1
        if 0 <= other_index < len(siblings):
            siblings[index], siblings[other_index] = siblings[other_index], siblings[index]
        for position, sibling in enumerate(siblings, start=1):
            if sibling.position != position:
                sibling.position = position
                sibling._history_user = by
                sibling.save(update_fields=["position"])
    return next(sibling for sibling in siblings if sibling.pk == action.pk)
