"""What changed on a fiche action since a version: the page a refused save (an edit conflict) shows.

A read shared by the fiche form (its conflict page) and the quick edit (its one-sentence refusal),
from django-simple-history: the records of the fiche, of its many-to-many relations and of its
funding lines and indicators. ``services.conflicts.action_claim_version`` saves the fiche first in
every write, so the history records of the lines written in that transaction come after the first
record of the new version: that record's date separates what the user saw from what came after.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext

from action_plans.inputs import (
    CONTRACTUAL_ACTION_FIELDS,
    CONTRACTUAL_ACTION_RELATIONS,
    FUNDING_FIELDS,
    INDICATOR_FIELDS,
    MONITORING_ACTION_FIELDS,
    ActionInput,
    input_value,
    stored_value,
)
from action_plans.models import Action, EvaluationIndicator, FundingLine
from conventions.models import Domain
from diagnostics.models import Finding
from partners.models import Organisation

ACTION_HISTORY_FIELDS = CONTRACTUAL_ACTION_FIELDS + MONITORING_ACTION_FIELDS
RELATION_MODELS = {"partners": (Organisation, "organisation_id"), "answered_needs": (Finding, "finding_id")}


@dataclass
class FieldChange:
    label: str
    before: str
    after: str
    # What the user's refused form holds for this field (``None``: the form does not hold it).
    mine: str | None = None

    @property
    def undone_by_mine(self) -> bool:
        """Saving the user's form as it is would put the old value back."""
        return self.mine is not None and self.mine == self.before != self.after


@dataclass
class ChangeGroup:
    """What one part of the fiche (the fiche itself, one funding line, one indicator) went through."""

    element: str
    kind: str  # "changed", "added" or "deleted"
    changes: list[FieldChange]
    users: list[str]
    date: datetime.datetime
    notes: list[str] = field(default_factory=list)


def _user_name(user) -> str:
    if user is None:
        return gettext("unknown user")
    return user.get_full_name() or user.get_username()


def _label_of(obj) -> str:
    if isinstance(obj, Organisation):
        return obj.display_name
    if isinstance(obj, Finding):
        return obj.title
    return str(obj)


def _field_label(model, name) -> str:
    return str(capfirst(model._meta.get_field(name).verbose_name))


def _display(model, name, value, objects) -> str:
    """A stored value as the user reads it: a name, a choice's label, a French date or number."""
    if value is None or value == "":
        return "—"
    if name in RELATION_MODELS:
        related_model = RELATION_MODELS[name][0]
        labels = sorted(_label_of(objects[(related_model, pk)]) for pk in value if (related_model, pk) in objects)
        return ", ".join(labels) or "—"
    model_field = model._meta.get_field(name)
    if model_field.many_to_one:
        related = objects.get((model_field.related_model, value))
        return _label_of(related) if related else f"#{value}"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        # Whole numbers without their stored zeros (“4”, not “4,000”); amounts keep their cents.
        value = value.quantize(Decimal(1)) if value == value.to_integral() else value
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    return str(value)


def _load_related(pairs: set) -> dict:
    """``(model, pk) -> object`` in one query per model."""
    by_model = defaultdict(set)
    for model, pk in pairs:
        if pk is not None:
            by_model[model].add(pk)
    return {
        (model, obj.pk): obj for model, pks in by_model.items() for obj in model._default_manager.filter(pk__in=pks)
    }


def _line_title(model, record, objects) -> str:
    if model is FundingLine:
        funder = objects.get((Organisation, record.funder_id))
        return gettext("Funding: %(funder)s, %(year)s%(scheme)s") % {
            "funder": _label_of(funder) if funder else f"#{record.funder_id}",
            "year": record.year,
            "scheme": f" — {record.scheme}" if record.scheme else "",
        }
    return gettext("Indicator: %(label)s") % {"label": record.label}


def _mine_of_fiche(mine: ActionInput | None) -> dict:
    if mine is None:
        return {}
    values = {name: input_value(getattr(mine, name)) for name in ACTION_HISTORY_FIELDS}
    values.update({name: frozenset(obj.pk for obj in getattr(mine, name)) for name in RELATION_MODELS})
    return values


def action_changes_since(*, action: Action, version: int, mine: ActionInput | None = None) -> list[ChangeGroup]:
    """What was saved on the fiche, its funding lines and indicators after ``version``, field by field.

    For each field of the fiche: its value in the last record of ``version`` (before) and in the
    latest record (after), with who changed it and when; for each funding line and indicator,
    whether it was added, deleted or changed. With ``mine`` (the refused input), each change also
    says what the user's form holds, so the user sees which changes saving it again would undo.
    Empty when the history holds no later version.
    """
    later = list(action.history.filter(lock_version__gt=version).order_by("history_date", "history_id"))
    if not later:
        return []
    since = later[0].history_date
    base = (
        action.history.filter(history_date__lte=since, lock_version__lte=version)
        .exclude(history_id=later[0].history_id)
        .order_by("-history_date", "-history_id")
        .first()
    )
    sequence = ([base] if base else []) + later
    relation_ids = {name: defaultdict(set) for name in RELATION_MODELS}
    history_model = type(later[0])
    for name, (_model, column) in RELATION_MODELS.items():
        rows = getattr(history_model, name).model.objects.filter(history__in=sequence)
        for history_id, target_id in rows.values_list("history_id", column):
            relation_ids[name][history_id].add(target_id)

    def state(record) -> dict:
        values = {name: stored_value(record, name) for name in ACTION_HISTORY_FIELDS}
        values.update({name: frozenset(relation_ids[name][record.history_id]) for name in RELATION_MODELS})
        return values

    states = [state(record) for record in sequence]
    first, last, mine_fiche = states[0], states[-1], _mine_of_fiche(mine)
    # Who changed each field, in the order they did.
    authors: dict[str, list] = defaultdict(list)
    for previous, current, record in zip(states, states[1:], sequence[1:], strict=False):
        for name, value in current.items():
            if previous[name] != value:
                authors[name].append(record)

    line_histories = {
        model: list(model.history.filter(action_id=action.pk).order_by("history_date", "history_id"))
        for model in (FundingLine, EvaluationIndicator)
    }
    mine_lines = {
        FundingLine: {line.id: line for line in (mine.funding_lines if mine else []) if line.id is not None},
        EvaluationIndicator: {line.id: line for line in (mine.indicators if mine else []) if line.id is not None},
    }
    wanted = {(Organisation, record.funder_id) for record in line_histories[FundingLine]}
    wanted |= {(Organisation, line.funder.pk) for line in mine.funding_lines if line.funder} if mine else set()
    for values in (first, last, mine_fiche):
        if values:
            wanted |= {(Domain, values["domain"]), (Organisation, values["pilot"])}
            for name, (model, _column) in RELATION_MODELS.items():
                wanted |= {(model, pk) for pk in values[name]}
    objects = _load_related(wanted)

    groups = []
    changes, users, dates = [], [], []
    for name in ACTION_HISTORY_FIELDS + CONTRACTUAL_ACTION_RELATIONS:
        if base is not None and first[name] == last[name]:
            continue  # unchanged, or changed and changed back
        records = authors.get(name) or [later[0]]
        changes.append(
            FieldChange(
                _field_label(Action, name),
                _display(Action, name, first[name], objects) if base is not None else "?",
                _display(Action, name, last[name], objects),
                _display(Action, name, mine_fiche[name], objects) if mine_fiche else None,
            )
        )
        users += [_user_name(record.history_user) for record in records]
        dates += [record.history_date for record in records]
    if changes:
        groups.append(ChangeGroup(gettext("Fiche action"), "changed", changes, list(dict.fromkeys(users)), max(dates)))

    for model, fields in ((FundingLine, FUNDING_FIELDS), (EvaluationIndicator, INDICATOR_FIELDS)):
        starts, windows = {}, defaultdict(list)
        for record in line_histories[model]:
            if record.history_date < since:
                starts[record.id] = record
            else:
                windows[record.id].append(record)
        for line_id, window in windows.items():
            start = starts.get(line_id)
            start = None if start is None or start.history_type == "-" else start
            end = None if window[-1].history_type == "-" else window[-1]
            if start is None and end is None:
                continue  # added and deleted meanwhile
            mine_line = mine_lines[model].get(line_id)
            line_changes = []
            for name in fields:
                before = _display(model, name, stored_value(start, name) if start else None, objects)
                after = _display(model, name, stored_value(end, name) if end else None, objects)
                if before == after:
                    continue
                if mine is None or mine_line is None:
                    own = None
                elif mine_line.delete:
                    own = "—"
                else:
                    value = getattr(mine_line, name)
                    own = _display(model, name, value.pk if isinstance(value, Organisation) else value, objects)
                line_changes.append(FieldChange(_field_label(model, name), before, after, own))
            if not line_changes:
                continue
            notes = []
            if mine is not None and end is None and mine_line is not None and not mine_line.delete:
                notes.append(gettext("Your form still holds this line: saving it again would create it again."))
            if mine is not None and start is None:
                notes.append(gettext("Your form does not show this line; saving it again keeps it."))
            groups.append(
                ChangeGroup(
                    _line_title(model, end or start, objects),
                    "added" if start is None else "deleted" if end is None else "changed",
                    line_changes,
                    list(dict.fromkeys(_user_name(record.history_user) for record in window)),
                    window[-1].history_date,
                    notes,
                )
            )
    return groups


def _when(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment)
    time = formats.time_format(local, "H:i")
    if local.date() == timezone.localdate():
        return gettext("at %(time)s") % {"time": time}
    return gettext("on %(date)s at %(time)s") % {"date": formats.date_format(local, "SHORT_DATE_FORMAT"), "time": time}


def _change_text(change: FieldChange) -> str:
    if change.label == _field_label(Action, "progress"):
        return gettext("progress %(before)s %% → %(after)s %%") % {"before": change.before, "after": change.after}
    return f"{change.label[:1].lower()}{change.label[1:]} {change.before} → {change.after}"


def action_conflict_message(*, action: Action, version: int) -> str:
    """One sentence for a refused quick edit: who saved the fiche after ``version``, when, and what.

    « Cette fiche a été modifiée par X à 14:05 : statut À venir → En cours, avancement 20 % → 55 % ;
    votre saisie n’a pas été enregistrée. » Read from the same history as the fiche form's conflict page.
    """
    groups = action_changes_since(action=action, version=version)
    if not groups:
        return gettext(
            "Someone else saved this fiche action while you were editing it. Nothing of yours was saved yet."
        )
    fiche = gettext("Fiche action")
    changes = []
    for group in groups:
        if group.element == fiche:
            changes += [_change_text(change) for change in group.changes]
        else:
            changes.append(group.element)
    return gettext("This fiche was modified by %(users)s %(when)s: %(changes)s; your entry was not saved.") % {
        "users": ", ".join(dict.fromkeys(user for group in groups for user in group.users)),
        "when": _when(max(group.date for group in groups)),
        "changes": ", ".join(changes),
    }
