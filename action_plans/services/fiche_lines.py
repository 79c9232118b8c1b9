"""A fiche action's funding lines and evaluation indicators: what the form's rows change, their
checks and their writing, inside the fiche's save (``services.actions``).

The input rows are *changes* (see ``action_plans.inputs``). Messages are keyed where the user typed
them: ``"funding-<row>-<field>"`` / ``"indicators-<row>-<field>"``, ``<row>`` being the ``row`` given
in the input (the index of the form that typed it), or ``"funding_lines"`` for a duplicate with a
stored line the form does not show.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from action_plans.choices import FundingStatus
from action_plans.inputs import input_value, normal_text, stored_value
from action_plans.models import Action, EvaluationIndicator, FundingLine
from action_plans.validators import year_problem
from conventions.models import Convention


def line_key(prefix: str, line, index: int, name: str | None = None) -> str:
    row = line.row if line.row is not None else index
    return f"{prefix}-{row}-{name}" if name else f"{prefix}-{row}"


def line_changes(existing: dict, lines: list, fields: tuple[str, ...]) -> list:
    """``(index, line, changed field names)`` for each input row; a new row changes all its fields."""
    result = []
    for index, line in enumerate(lines):
        stored = existing.get(line.id) if line.id is not None else None
        if stored is None:
            line.id = None  # a line deleted meanwhile, or not this fiche's: the row is a new line
            result.append((index, line, set() if line.delete else set(fields) | {"__new__"}))
        elif line.delete:
            result.append((index, line, {"__delete__"}))
        else:
            result.append(
                (
                    index,
                    line,
                    {name for name in fields if stored_value(stored, name) != input_value(getattr(line, name))},
                )
            )
    return result


def _funding_identity(funder_id, year, scheme):
    return (funder_id, year, (scheme or "").strip())


def final_funding_keys(existing: dict, changes: list) -> list:
    """``(error key, identity)`` of every funding line the fiche will have, to find duplicates."""
    mentioned = {line.id for _, line, _ in changes if line.id is not None}
    keys = [
        ("funding_lines", _funding_identity(stored.funder_id, stored.year, stored.scheme))
        for pk, stored in existing.items()
        if pk not in mentioned
    ]
    for index, line, _ in changes:
        if not line.delete:
            keys.append(
                (
                    line_key("funding", line, index, "scheme"),
                    _funding_identity(line.funder.pk if line.funder else None, line.year, line.scheme),
                )
            )
    return keys


def funding_problems(
    *, convention: Convention, funding_changes: list, final_keys: list, allowed_funders: set[int] | None = None
) -> list[tuple[str, str]]:
    """``(key, message)`` for each problem of the funding rows that change, and for duplicates.

    ``allowed_funders`` (the organisations a fiche may name) is only needed when a funder changes.
    """
    problems = []
    for index, line, line_changed in funding_changes:
        if line.delete:
            continue
        if "funder" in line_changed and (line.funder is None or line.funder.pk not in (allowed_funders or set())):
            problems.append(
                (line_key("funding", line, index, "funder"), gettext("Choose a funder among those offered."))
            )
        if "year" in line_changed:
            message = (
                gettext("Give a year.") if line.year is None else year_problem(convention=convention, year=line.year)
            )
            if message:
                problems.append((line_key("funding", line, index, "year"), message))
        if "amount" in line_changed:
            if line.amount is None:
                problems.append((line_key("funding", line, index, "amount"), gettext("Give an amount in euros.")))
            elif line.amount < 0:
                problems.append((line_key("funding", line, index, "amount"), gettext("An amount cannot be negative.")))
        if "status" in line_changed and line.status not in FundingStatus.values:
            problems.append(
                (line_key("funding", line, index, "status"), gettext("Choose a status among those offered."))
            )
    seen = set()
    for key, identity in final_keys:
        if identity in seen:
            problems.append((key, gettext("This funder already has a line for this year and scheme.")))
        seen.add(identity)
    return problems


def indicator_problems(*, indicator_changes: list) -> list[tuple[str, str]]:
    """``(key, message)`` for each problem of the indicator rows that change."""
    return [
        (line_key("indicators", line, index, "label"), gettext("Give a label."))
        for index, line, line_changed in indicator_changes
        if not line.delete and "label" in line_changed and not (line.label or "").strip()
    ]


def full_clean_keyed(instance, *, exclude: list[str], key_prefix: str = "") -> None:
    """The model's own field checks (lengths, digits, choices), with keys where the user typed."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise ValidationError(
            {f"{key_prefix}{name}": messages for name, messages in error.message_dict.items()}
        ) from error


def write_lines(*, model, action: Action, existing: dict, changes: list, fields: tuple[str, ...], by) -> None:
    """Writes the changed rows of ``model`` (funding lines or indicators) of ``action``, one history
    record each; new indicators go after the existing ones."""
    next_position = (
        max((line.position for line in existing.values()), default=0) + 1 if model is EvaluationIndicator else 0
    )
    for index, line, changed in changes:
        if not changed:
            continue
        stored = existing.get(line.id) if line.id is not None else None
        if stored is not None and line.delete:
            stored._history_user = by
            stored.delete()
            continue
        instance = stored or model(action=action)
        for name in fields:
            value = getattr(line, name)
            setattr(instance, name, normal_text(value) if isinstance(value, str) else value)
        if stored is None and model is EvaluationIndicator:
            instance.position, next_position = next_position, next_position + 1
        prefix = "funding" if model is FundingLine else "indicators"
        full_clean_keyed(instance, exclude=["action", "funder"], key_prefix=line_key(prefix, line, index) + "-")
        instance._history_user = by
        instance.save()
