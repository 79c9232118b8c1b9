"""Writing the contractual content of an action plan: orientations and fiches actions.

The rules live here, not in views or templates:

- *Contractual* content (orientations, a fiche's definition, its planned funding and its evaluation
  indicators) may be written only while ``convention.get_abilities(by)["edit"]``: EPCI staff, while
  the convention is a draft or changes were requested.
- *Monitoring* data of a fiche (its status and progress, the funding lines' status, the indicators'
  current values) may be written by EPCI staff whatever the status (``follow_up``).
- No lost update: a fiche carries ``lock_version``. A save names the version its form started from;
  the service claims the next version with a conditional ``UPDATE`` and refuses with
  :class:`EditConflict` when someone else saved in between. Any write to the fiche, its funding
  lines or its indicators must claim a version (see :func:`action_claim_version`).
- No write to a frozen convention: every service first locks the convention's row inside its
  transaction and checks the abilities on that fresh row (``conventions.services.content``), the
  lock a submission for review takes too, so an edit never lands in a convention under review.
- Every write records the acting user in the history (``_history_user``), also outside a request.

Inputs arrive as plain dataclasses (:class:`ActionInput`), so a form, an import or a test call the
same function. A fiche input describes the whole fiche; its funding lines and indicators are
*changes*: a row with an ``id`` updates (or, with ``delete``, deletes) that line, a row without one
adds a line, and a line no row mentions is left as it is.

Refusals: :class:`~ctg_portal.errors.NotAllowed` for rights and frozen content,
:class:`EditConflict` for a concurrent save, :class:`~django.core.exceptions.ValidationError` with a
dict of messages for bad data. Keys of that dict are a fiche's field names, or
``"funding-<row>-<field>"`` / ``"indicators-<row>-<field>"`` for a line (``<row>`` being the
``row`` given in the input, the index of the form that typed it), so a view puts each message next
to what the user typed.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import formats
from django.utils.translation import gettext

from action_plans.choices import ActionStatus, FundingStatus
from action_plans.models import Action, ActionPlan, EvaluationIndicator, FundingLine, StrategicOrientation
from conventions.models import Convention, Domain, Party
from conventions.services.content import lock_editable_convention, lock_followed_convention
from ctg_portal.errors import NotAllowed, PortalError
from diagnostics.choices import FindingKind, Priority
from diagnostics.models import Finding
from partners.choices import OrganisationKind
from partners.models import Organisation

# What the convention's signature freezes, and what stays open to the follow-up.
CONTRACTUAL_ACTION_FIELDS = (
    "code",
    "title",
    "domain",
    "objectives",
    "target_public",
    "pilot",
    "start_date",
    "end_date",
    "priority",
)
CONTRACTUAL_ACTION_RELATIONS = ("partners", "answered_needs")
MONITORING_ACTION_FIELDS = ("status", "progress")
CONTRACTUAL_FUNDING_FIELDS = ("funder", "scheme", "year", "amount")
MONITORING_FUNDING_FIELDS = ("status",)
CONTRACTUAL_INDICATOR_FIELDS = ("label", "unit", "baseline", "target")
MONITORING_INDICATOR_FIELDS = ("current_value",)

UP, DOWN = "up", "down"


# --- Errors ---------------------------------------------------------------------------------------


class EditConflict(PortalError):
    """The fiche was saved by someone else since the version the user's form started from."""

    def __init__(self, *, action: Action, expected_version: int):
        self.action = action
        self.expected_version = expected_version
        self.current_version = action.lock_version
        super().__init__(
            gettext("Someone else saved this fiche action while you were editing it. Nothing of yours was saved yet.")
        )


def read_only_message() -> str:
    return gettext("You can read this action plan but not modify it.")


def frozen_message(convention: Convention) -> str:
    return gettext(
        "This convention is “%(status)s”: its orientations, fiches actions and planned funding can no longer "
        "be modified. Only the follow-up can be updated (status, progress, indicators' current values, "
        "funding status)."
    ) % {"status": convention.get_current_status_display()}


def edit_refusal(convention: Convention, abilities: dict[str, bool]) -> NotAllowed | None:
    """Why whoever has ``abilities`` may not edit the contractual content, or ``None`` if they may."""
    if abilities["edit"]:
        return None
    return NotAllowed(frozen_message(convention) if abilities["follow_up"] else read_only_message())


def _lock_for_edit(convention: Convention, by) -> Convention:
    """Call first inside the service's transaction: the convention locked, contractual edits allowed."""
    return lock_editable_convention(convention, by=by, refusal=edit_refusal)


def _lock_for_follow_up(convention: Convention, by) -> tuple[Convention, dict[str, bool]]:
    """Call first inside the service's transaction: the convention locked, its follow-up allowed."""
    return lock_followed_convention(convention, by=by, refusal=_read_only_refusal)


def _read_only_refusal(convention: Convention, abilities: dict[str, bool]) -> NotAllowed:
    return NotAllowed(read_only_message())


# --- Inputs ---------------------------------------------------------------------------------------


@dataclass
class FundingLineInput:
    funder: Organisation | None
    year: int | None
    amount: Decimal | None
    scheme: str = ""
    status: str = FundingStatus.PLANNED
    id: int | None = None
    delete: bool = False
    row: int | None = None


@dataclass
class IndicatorInput:
    label: str
    unit: str = ""
    baseline: Decimal | None = None
    target: Decimal | None = None
    current_value: Decimal | None = None
    id: int | None = None
    delete: bool = False
    row: int | None = None


@dataclass
class ActionInput:
    code: str
    title: str
    domain: Domain | None
    pilot: Organisation | None
    start_date: datetime.date | None
    end_date: datetime.date | None
    objectives: str = ""
    target_public: str = ""
    status: str = ActionStatus.UPCOMING
    progress: int = 0
    priority: int = Priority.MEDIUM
    partners: list[Organisation] = field(default_factory=list)
    answered_needs: list[Finding] = field(default_factory=list)
    funding_lines: list[FundingLineInput] = field(default_factory=list)
    indicators: list[IndicatorInput] = field(default_factory=list)


# --- Choices: what a fiche may point to (read by the forms, enforced here) --------------------------


def convention_domains(*, convention: Convention) -> list[Domain]:
    return list(convention.domains.order_by("position", "name"))


def allowed_pilots(*, convention: Convention) -> list[Organisation]:
    """The organisations party to the convention; the intercommunality always is one."""
    parties = Party.objects.filter(convention=convention).values("organisation_id")
    return list(Organisation.objects.filter(Q(pk=convention.epci_id) | Q(pk__in=parties)).order_by("name"))


def allowed_partners(*, convention: Convention, keep: Iterable[int] = ()) -> list[Organisation]:
    """Partners and funders a fiche may name: the parties, the communes of the intercommunalities
    among them, and the other organisations (associations, social centres, services…) of the
    intercommunality's département or of none; plus ``keep``, those a fiche already names."""
    parties = Party.objects.filter(convention=convention).values("organisation_id")
    territories = (OrganisationKind.EPCI, OrganisationKind.COMMUNE)
    local = Q(department_code="")
    if convention.epci.department_code:
        local |= Q(department_code=convention.epci.department_code)
    party_epcis = Party.objects.filter(convention=convention, organisation__kind=OrganisationKind.EPCI).values(
        "organisation_id"
    )
    return list(
        Organisation.objects.filter(
            Q(pk=convention.epci_id)
            | Q(pk__in=parties)
            | Q(epci_id=convention.epci_id)
            | Q(epci_id__in=party_epcis)
            | (~Q(kind__in=territories) & local)
            | Q(pk__in=list(keep))
        ).order_by("name")
    )


def diagnostic_needs(*, convention: Convention) -> list[Finding]:
    """The needs found by the convention's diagnostic, which a fiche action may answer."""
    return list(
        Finding.objects.filter(diagnostic__convention=convention, kind=FindingKind.NEED)
        .select_related("domain")
        .order_by("domain__position", "position", "id")
    )


def period_years(convention: Convention) -> list[int]:
    return list(range(convention.period_start.year, convention.period_end.year + 1))


def date_problems(convention: Convention, start: datetime.date | None, end: datetime.date | None) -> dict[str, str]:
    """Messages for dates outside the convention's period or in the wrong order (shared with forms)."""
    problems = {}
    period = {
        "start": formats.date_format(convention.period_start, "SHORT_DATE_FORMAT"),
        "end": formats.date_format(convention.period_end, "SHORT_DATE_FORMAT"),
    }
    outside = gettext("Choose a date within the convention's period (%(start)s – %(end)s).") % period
    for name, value in (("start_date", start), ("end_date", end)):
        if value and not convention.period_start <= value <= convention.period_end:
            problems[name] = outside
    if start and end and end < start and "end_date" not in problems:
        problems["end_date"] = gettext("The end date cannot come before the start date.")
    return problems


def year_problem(convention: Convention, year: int | None) -> str | None:
    years = period_years(convention)
    if year is not None and year not in years:
        return gettext("Choose a year within the convention's period (%(first)s – %(last)s).") % {
            "first": years[0],
            "last": years[-1],
        }
    return None


def code_taken(*, orientation: StrategicOrientation, code: str, exclude_pk: int | None = None) -> bool:
    return Action.objects.filter(orientation=orientation, code=code.strip()).exclude(pk=exclude_pk).exists()


# --- Orientations ---------------------------------------------------------------------------------


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
        _lock_for_edit(convention, by)
        plan = action_plan_ensure(convention=convention, by=by)
        # Serialises concurrent creations in the same plan on PostgreSQL (the unique position does elsewhere).
        ActionPlan.objects.select_for_update().filter(pk=plan.pk).first()
        last = plan.orientations.aggregate(last=Max("position"))["last"] or 0
        orientation = StrategicOrientation(
            plan=plan, position=last + 1, title=_normal(title), description=_normal(description)
        )
        _orientation_validate(orientation)
        orientation._history_user = by
        orientation.save()
    return orientation


def orientation_update(
    *, orientation: StrategicOrientation, title: str, description: str = "", by
) -> StrategicOrientation:
    with transaction.atomic():
        _lock_for_edit(orientation.plan.convention, by)
        orientation = StrategicOrientation.objects.select_for_update().select_related("plan").get(pk=orientation.pk)
        if (_normal(orientation.title), _normal(orientation.description)) == (_normal(title), _normal(description)):
            return orientation
        orientation.title, orientation.description = _normal(title), _normal(description)
        _orientation_validate(orientation)
        orientation._history_user = by
        orientation.save()
    return orientation


def orientation_move(*, orientation: StrategicOrientation, direction: str, by) -> StrategicOrientation:
    """Swaps the orientation with its neighbour above or below; the numbers stay unique throughout."""
    if direction not in (UP, DOWN):
        raise ValidationError(gettext("Choose to move up or down."))
    with transaction.atomic():
        _lock_for_edit(orientation.plan.convention, by)
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
        _lock_for_edit(orientation.plan.convention, by)
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
            _action_delete_rows(action, by)
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


# --- Fiches actions: validation -------------------------------------------------------------------


def _line_key(prefix: str, line, index: int, name: str | None = None) -> str:
    row = line.row if line.row is not None else index
    return f"{prefix}-{row}-{name}" if name else f"{prefix}-{row}"


def _validate_action(
    *,
    convention: Convention,
    orientation: StrategicOrientation,
    data: ActionInput,
    action: Action | None,
    changed: set[str],
    funding_changes: list,
    indicator_changes: list,
    final_funding_keys: list,
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
        for key, message in date_problems(convention, data.start_date, data.end_date).items():
            problem(key, message)
    if "status" in changed and data.status not in ActionStatus.values:
        problem("status", gettext("Choose a status among those offered."))
    if "progress" in changed and (data.progress is None or not 0 <= data.progress <= 100):
        problem("progress", gettext("Progress must be between 0 and 100 %."))
    if "priority" in changed and data.priority not in Priority.values:
        problem("priority", gettext("Choose a priority among high, medium and low."))

    funders = None
    for index, line, line_changed in funding_changes:
        if line.delete:
            continue
        if "funder" in line_changed:
            if funders is None:
                funders = {o.pk for o in allowed_partners(convention=convention)}
            if line.funder is None or line.funder.pk not in funders:
                problem(_line_key("funding", line, index, "funder"), gettext("Choose a funder among those offered."))
        if "year" in line_changed:
            message = gettext("Give a year.") if line.year is None else year_problem(convention, line.year)
            if message:
                problem(_line_key("funding", line, index, "year"), message)
        if "amount" in line_changed:
            if line.amount is None:
                problem(_line_key("funding", line, index, "amount"), gettext("Give an amount in euros."))
            elif line.amount < 0:
                problem(_line_key("funding", line, index, "amount"), gettext("An amount cannot be negative."))
        if "status" in line_changed and line.status not in FundingStatus.values:
            problem(_line_key("funding", line, index, "status"), gettext("Choose a status among those offered."))
    seen = set()
    for key, identity in final_funding_keys:
        if identity in seen:
            problem(key, gettext("This funder already has a line for this year and scheme."))
        seen.add(identity)

    for index, line, line_changed in indicator_changes:
        if not line.delete and "label" in line_changed and not (line.label or "").strip():
            problem(_line_key("indicators", line, index, "label"), gettext("Give a label."))

    if errors:
        raise ValidationError(dict(errors))


# --- Fiches actions: comparing what is asked with what is stored ----------------------------------


def _normal(text: str) -> str:
    """Text as stored: browsers send line breaks as CR LF, forms strip the ends."""
    return text.replace("\r\n", "\n").strip()


def stored_value(instance, name):
    """A field's value as compared with an input: a related object's id, text normalised."""
    model_field = instance._meta.get_field(name)
    value = getattr(instance, model_field.attname) if model_field.many_to_one else getattr(instance, name)
    return _normal(value) if isinstance(value, str) else value


def input_value(value):
    """An input's value as compared with a stored one (see :func:`stored_value`)."""
    if isinstance(value, Organisation | Domain):
        return value.pk
    if isinstance(value, str):
        return _normal(value)
    return value


def _line_changes(existing: dict, lines: list, fields: tuple[str, ...]) -> list:
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


FUNDING_FIELDS = CONTRACTUAL_FUNDING_FIELDS + MONITORING_FUNDING_FIELDS
INDICATOR_FIELDS = CONTRACTUAL_INDICATOR_FIELDS + MONITORING_INDICATOR_FIELDS


def _funding_identity(funder_id, year, scheme):
    return (funder_id, year, (scheme or "").strip())


def _final_funding_keys(existing: dict, changes: list) -> list:
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
                    _line_key("funding", line, index, "scheme"),
                    _funding_identity(line.funder.pk if line.funder else None, line.year, line.scheme),
                )
            )
    return keys


def _full_clean(instance, *, exclude: list[str], key_prefix: str = "") -> None:
    """The model's own field checks (lengths, digits, choices), with keys where the user typed."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise ValidationError(
            {f"{key_prefix}{name}": messages for name, messages in error.message_dict.items()}
        ) from error


def _write_lines(model, action: Action, existing: dict, changes: list, fields: tuple[str, ...], by) -> None:
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
            setattr(instance, name, _normal(value) if isinstance(value, str) else value)
        if stored is None and model is EvaluationIndicator:
            instance.position, next_position = next_position, next_position + 1
        prefix = "funding" if model is FundingLine else "indicators"
        _full_clean(instance, exclude=["action", "funder"], key_prefix=_line_key(prefix, line, index) + "-")
        instance._history_user = by
        instance.save()


def action_claim_version(*, action: Action, expected_version: int | None, by) -> Action:
    """Claims the fiche's next version inside the caller's transaction, or raises :class:`EditConflict`.

    Every service writing a fiche, its funding lines or its indicators calls it first (inside its
    ``transaction.atomic()``), so a form opened on an older version cannot silently overwrite the
    write. The conditional ``UPDATE`` is atomic on PostgreSQL and SQLite alike. It saves the fiche
    with its new version, which records who claimed it in the history: the history records of the
    lines written afterwards in the same transaction come after it, which is how
    :func:`action_plans.services.editing_history.action_changes_since` finds them.

    ``expected_version=None`` claims whatever version is current: for writes that do not come from
    a form showing the fiche (a progress update), which must still make open forms conflict.
    """
    if expected_version is None:
        expected_version = Action.objects.values_list("lock_version", flat=True).get(pk=action.pk)
    claimed = Action.objects.filter(pk=action.pk, lock_version=expected_version).update(
        lock_version=F("lock_version") + 1
    )
    if not claimed:
        raise EditConflict(action=Action.objects.get(pk=action.pk), expected_version=expected_version)
    action.lock_version = expected_version + 1
    action._history_user = by
    action.save()
    return action


# Relations the services have already checked against the convention: no query per field.
ACTION_CLEAN_EXCLUDE = ["orientation", "domain", "pilot", "partners", "answered_needs"]


def _apply(action: Action, data: ActionInput, changed: set[str]) -> None:
    for name in changed - set(CONTRACTUAL_ACTION_RELATIONS):
        value = getattr(data, name)
        setattr(action, name, _normal(value) if isinstance(value, str) else value)


def action_create(*, orientation: StrategicOrientation, data: ActionInput, by) -> Action:
    """Adds a fiche action at the end of the orientation, with its funding lines and indicators."""
    for line in (*data.funding_lines, *data.indicators):
        line.id = None
    funding_changes = _line_changes({}, data.funding_lines, FUNDING_FIELDS)
    indicator_changes = _line_changes({}, data.indicators, INDICATOR_FIELDS)
    changed = set(CONTRACTUAL_ACTION_FIELDS + CONTRACTUAL_ACTION_RELATIONS + MONITORING_ACTION_FIELDS)
    try:
        with transaction.atomic():
            convention = _lock_for_edit(orientation.plan.convention, by)
            _validate_action(
                convention=convention,
                orientation=orientation,
                data=data,
                action=None,
                changed=changed,
                funding_changes=funding_changes,
                indicator_changes=indicator_changes,
                final_funding_keys=_final_funding_keys({}, funding_changes),
            )
            last = Action.objects.filter(orientation=orientation).aggregate(last=Max("position"))["last"] or 0
            action = Action(orientation=orientation, position=last + 1)
            _apply(action, data, changed)
            _full_clean(action, exclude=ACTION_CLEAN_EXCLUDE)
            action._history_user = by
            action.save()
            action.partners.set(data.partners)
            action.answered_needs.set(data.answered_needs)
            _write_lines(FundingLine, action, {}, funding_changes, FUNDING_FIELDS, by)
            _write_lines(EvaluationIndicator, action, {}, indicator_changes, INDICATOR_FIELDS, by)
    except IntegrityError as error:
        raise _integrity_error(error) from error
    return action


def _integrity_error(error: IntegrityError) -> ValidationError:
    """A constraint a concurrent write broke after our checks passed: say which, never a 500."""
    text = str(error)
    if "action_code_unique_per_orientation" in text or "orientation_id, action_plans_action.code" in text:
        return ValidationError({"code": gettext("Another action of this orientation already has this code.")})
    if "funding_line_unique" in text or "action_plans_fundingline" in text:
        return ValidationError({"funding_lines": gettext("This funder already has a line for this year and scheme.")})
    return ValidationError(gettext("The fiche action could not be saved: check the values and try again."))


def action_update(*, action: Action, data: ActionInput, expected_version: int, by) -> Action:
    """Saves the fiche as the user's form describes it, if nobody saved it since ``expected_version``.

    Only what differs from the stored fiche is written (nothing at all if nothing differs, and
    then no version is claimed). Contractual changes need ``edit``; monitoring ones ``follow_up``.
    """
    try:
        with transaction.atomic():
            convention, abilities = _lock_for_follow_up(action.orientation.plan.convention, by)
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
            funding_changes = _line_changes(funding, data.funding_lines, FUNDING_FIELDS)
            indicator_changes = _line_changes(indicators, data.indicators, INDICATOR_FIELDS)

            contractual = (
                bool(changed - set(MONITORING_ACTION_FIELDS))
                or any(c - set(MONITORING_FUNDING_FIELDS) for _, _, c in funding_changes)
                or any(c - set(MONITORING_INDICATOR_FIELDS) for _, _, c in indicator_changes)
            )
            if contractual and not abilities["edit"]:
                raise NotAllowed(frozen_message(convention))
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
                final_funding_keys=_final_funding_keys(funding, funding_changes),
            )
            _apply(current, data, changed)
            _full_clean(current, exclude=ACTION_CLEAN_EXCLUDE)
            action_claim_version(action=current, expected_version=expected_version, by=by)
            current._history_user = by
            if "partners" in changed:
                current.partners.set(data.partners)
            if "answered_needs" in changed:
                current.answered_needs.set(data.answered_needs)
            _write_lines(FundingLine, current, funding, funding_changes, FUNDING_FIELDS, by)
            _write_lines(EvaluationIndicator, current, indicators, indicator_changes, INDICATOR_FIELDS, by)
    except IntegrityError as error:
        raise _integrity_error(error) from error
    return current


def _action_delete_rows(action: Action, by) -> None:
    """Deletes a fiche and its lines one by one, so each deletion is in the history with its author."""
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
        _lock_for_edit(action.orientation.plan.convention, by)
        current = Action.objects.select_for_update().get(pk=action.pk)
        if expected_version is not None and current.lock_version != expected_version:
            raise EditConflict(action=current, expected_version=expected_version)
        _action_delete_rows(current, by)


def action_move(*, action: Action, direction: str, by) -> Action:
    """Swaps the fiche with its neighbour in the orientation (positions are renumbered 1…n)."""
    if direction not in (UP, DOWN):
        raise ValidationError(gettext("Choose to move up or down."))
    with transaction.atomic():
        _lock_for_edit(action.orientation.plan.convention, by)
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
