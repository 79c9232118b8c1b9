"""What a committee meeting's report shows: the action plan's state as of the meeting's date.

**As of which day.** The report describes the plan on the meeting's date (``as_of``); for a meeting still
to come, as of today (the future is not known). Everything is read in a fixed number of queries.

**Where the past comes from.** For a meeting today or to come, the live records. For a past meeting:

- a fiche action's *progress* is its last dated progress report (``ProgressUpdate.reported_on``) on or
  before that day; without one, its progress recorded in its history (django-simple-history) at the end
  of that day; without either, 0 %;
- its *status* and *end date* are those its history holds at the end of that day;
- funding lines (amount, status) and evaluation indicators (baseline, target, current value) are those
  their history holds at the end of that day.

A record whose history starts after that day (entered or imported later, as the demo's data) has no
known past: a fiche's status is then *reconstructed* from its dates and its dated progress (not
started before its start date, done at 100 %, in progress otherwise), a funding line counts as planned
only (its grant or payment on that day is unknown), and an indicator's current value is unknown. The
report says how many records were reconstructed so. Records deleted since are not shown.

The rules of the plan page apply unchanged (``action_plans.selectors``): lateness (end date passed and
neither done nor abandoned, or marked late), the progress roll-ups (weighted by planned budget), and
planned / granted / paid amounts.

**One reading for every figure.** Lateness is decided once per fiche (``ActionState.is_late``); the
status counts count each fiche once, a late one as late (``ActionState.counted_as``), and the list of
late fiches is the same states: « En retard N » above a list of N fiches, always. The decisions printed
are the meeting's own record, beside figures read as of the same day.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from action_plans.choices import ActionStatus, FundingStatus
from action_plans.models import Action, EvaluationIndicator, FundingLine, ProgressUpdate, StrategicOrientation
from action_plans.selectors import (
    CLOSED_STATUSES,
    GRANTED_STATUSES,
    PAID_STATUSES,
    ZERO,
    Amounts,
    Rollup,
    progress_rollup,
)
from conventions.models import GovernanceMember, Meeting

# "Next steps" lists the fiches due within this many months after the meeting.
DUE_WITHIN_MONTHS = 6


@dataclass
class ActionState:
    """A fiche action as it stood on the report's day (what ``progress_rollup`` needs, and more)."""

    action: Action  # the live fiche: code, title, orientation, domain, pilot
    status: str
    progress: int
    end_date: datetime.date
    planned_budget: Decimal = ZERO
    reconstructed: bool = False
    is_late: bool = False

    @property
    def status_label(self) -> str:
        return ActionStatus(self.status).label

    @property
    def counted_as(self) -> str:
        """The status column this fiche is counted in: late when it is late (``is_late``), else its status.

        The summary and the list of late fiches both read ``is_late``, so « En retard N » and the list
        of N late fiches can never disagree.
        """
        return ActionStatus.LATE if self.is_late else self.status


@dataclass
class IndicatorState:
    indicator: EvaluationIndicator
    baseline: Decimal | None
    target: Decimal | None
    current: Decimal | None
    reconstructed: bool = False

    @property
    def achievement(self) -> int | None:
        """How far the current value went from the baseline towards the target, in %."""
        if None in (self.baseline, self.target, self.current) or self.target == self.baseline:
            return None
        share = (self.current - self.baseline) * 100 / (self.target - self.baseline)
        return int(share.quantize(Decimal("1")))


@dataclass
class CopilReport:
    meeting: Meeting
    as_of: datetime.date
    live: bool  # read from the live records (a meeting today or to come)
    actions: list[ActionState]
    overall: Rollup
    by_orientation: list[tuple[StrategicOrientation, Rollup]]
    by_domain: list[tuple[object, Rollup]]
    status_counts: list[tuple[str, str, int]]  # (status, label, count) by ``ActionState.counted_as``
    late_actions: list[ActionState]
    indicators: list[IndicatorState]
    funding_by_funder: list[tuple[str, Amounts]]
    funding_total: Amounts
    members: list[tuple[GovernanceMember, bool]]  # every member of the body, and whether present
    next_meeting: Meeting | None
    due_soon: list[ActionState]
    due_until: datetime.date
    reconstructed_actions: int = 0
    reconstructed_lines: int = 0
    reconstructed_indicators: int = 0
    has_plan: bool = True
    decisions: list[str] = field(default_factory=list)
    agenda: list[str] = field(default_factory=list)

    @property
    def late_count(self) -> int:
        return len(self.late_actions)

    @property
    def attendee_count(self) -> int:
        return sum(1 for _member, present in self.members if present)

    @property
    def reconstructed(self) -> bool:
        return bool(self.reconstructed_actions or self.reconstructed_lines or self.reconstructed_indicators)


def _end_of(day: datetime.date) -> datetime.datetime:
    """The first instant after ``day`` in the portal's time zone: history strictly before it counts."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def _states_at(model, ids: list[int], moment: datetime.datetime) -> tuple[dict[int, object], dict[int, object]]:
    """For each id: its historical record at ``moment`` (if its history reaches back so far), and its first."""
    at, first = {}, {}
    if not ids:
        return at, first
    for record in model.history.filter(id__in=ids).order_by("history_date", "history_id"):
        first.setdefault(record.id, record)
        if record.history_date < moment:
            at[record.id] = record
    at = {pk: record for pk, record in at.items() if record.history_type != "-"}
    return at, first


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


# "1. ", "2) ", "- ", "• " at the start of a line: the report numbers the lines itself.
LIST_MARKER = re.compile(r"^\s*(?:\d{1,3}\s*[.)-]|[-•*–])\s+")


def _lines(text: str) -> list[str]:
    """The non-blank lines of ``text``, without the list markers the writer may have typed."""
    lines = (LIST_MARKER.sub("", line).strip() for line in (text or "").splitlines())
    return [line for line in lines if line]


def _members(meeting: Meeting) -> list[tuple[GovernanceMember, bool]]:
    members = list(
        GovernanceMember.objects.filter(body_id=meeting.body_id)
        .select_related("representative__organisation")
        .order_by("role", "representative__full_name")
    )
    present = set(meeting.attendees.values_list("pk", flat=True))
    return [(member, member.pk in present) for member in members]


def _next_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(body_id=meeting.body_id, held_on__gt=meeting.held_on).order_by("held_on", "pk").first()
    )


def _action_states(actions: list[Action], as_of: datetime.date, live: bool) -> list[ActionState]:
    if live:
        return [ActionState(action, action.status, action.progress, action.end_date) for action in actions]
    ids = [action.pk for action in actions]
    at, _first = _states_at(Action, ids, _end_of(as_of))
    reported = {}
    for update in ProgressUpdate.objects.filter(action_id__in=ids, reported_on__lte=as_of).order_by(
        "action_id", "reported_on", "created_at", "pk"
    ):
        reported[update.action_id] = update.progress  # the last one wins
    states = []
    for action in actions:
        record = at.get(action.pk)
        if record is not None:
            progress = reported.get(action.pk, record.progress)
            states.append(ActionState(action, record.status, progress, record.end_date))
            continue
        progress = reported.get(action.pk, 0)
        if action.start_date > as_of:
            status = ActionStatus.UPCOMING
        elif progress >= 100:
            status = ActionStatus.DONE
        else:
            status = ActionStatus.IN_PROGRESS
        states.append(ActionState(action, status, progress, action.end_date, reconstructed=True))
    return states


def _line_states(lines: list[FundingLine], as_of: datetime.date, live: bool) -> tuple[list[tuple], int]:
    """``(funder, year, amount, status)`` of each line on the day, and how many were reconstructed."""
    if live:
        return [(line.funder, line.year, line.amount, line.status, line.action_id) for line in lines], 0
    at, first = _states_at(FundingLine, [line.pk for line in lines], _end_of(as_of))
    states, reconstructed = [], 0
    for line in lines:
        record = at.get(line.pk)
        if record is None:
            reconstructed += 1
            amount = first[line.pk].amount if line.pk in first else line.amount
            states.append((line.funder, line.year, amount, FundingStatus.PLANNED, line.action_id))
        else:
            states.append((line.funder, record.year, record.amount, record.status, line.action_id))
    return states, reconstructed


def _indicator_states(indicators: list[EvaluationIndicator], as_of: datetime.date, live: bool) -> list[IndicatorState]:
    if live:
        return [
            IndicatorState(indicator, indicator.baseline, indicator.target, indicator.current_value)
            for indicator in indicators
        ]
    at, first = _states_at(EvaluationIndicator, [indicator.pk for indicator in indicators], _end_of(as_of))
    states = []
    for indicator in indicators:
        record = at.get(indicator.pk)
        if record is not None:
            states.append(IndicatorState(indicator, record.baseline, record.target, record.current_value))
        else:
            known = first.get(indicator.pk, indicator)
            states.append(IndicatorState(indicator, known.baseline, known.target, None, reconstructed=True))
    return states


def copil_report_data(meeting: Meeting, *, today: datetime.date | None = None) -> CopilReport:
    """Everything the report of ``meeting`` shows (see the module doc for the rules)."""
    today = today or timezone.localdate()
    meeting = Meeting.objects.select_related("body__convention__epci").get(pk=meeting.pk)
    convention = meeting.body.convention
    as_of = min(meeting.held_on, today)
    live = meeting.held_on >= today
    plan = getattr(convention, "action_plan", None)

    actions, lines, indicators, orientations = [], [], [], []
    if plan is not None:
        orientations = list(StrategicOrientation.objects.filter(plan=plan).order_by("position", "pk"))
        actions = list(
            Action.objects.filter(orientation__plan=plan)
            .select_related("orientation", "domain", "pilot")
            .order_by("orientation__position", "position", "code", "pk")
        )
        lines = list(
            FundingLine.objects.filter(action__orientation__plan=plan)
            .select_related("funder")
            .order_by("funder__name", "year", "pk")
        )
        indicators = list(
            EvaluationIndicator.objects.filter(action__orientation__plan=plan)
            .prefetch_related(Prefetch("action", queryset=Action.objects.only("id", "code", "title")))
            .order_by("action__orientation__position", "action__position", "action__code", "position", "pk")
        )

    states = _action_states(actions, as_of, live)
    indicator_states = _indicator_states(indicators, as_of, live)
    line_states, reconstructed_lines = _line_states(lines, as_of, live)
    budgets = defaultdict(lambda: ZERO)
    by_funder: dict[int, list] = {}
    for funder, _year, amount, status, action_id in line_states:
        budgets[action_id] += amount
        entry = by_funder.setdefault(funder.pk, [funder.short_name or funder.name, Amounts()])
        entry[1] += Amounts(
            amount,
            amount if status in GRANTED_STATUSES else ZERO,
            amount if status in PAID_STATUSES else ZERO,
        )
    for state in states:
        state.planned_budget = budgets[state.action.pk]
        state.is_late = state.status == ActionStatus.LATE or (
            state.end_date < as_of and state.status not in CLOSED_STATUSES
        )

    grouped_orientation, grouped_domain, domains = defaultdict(list), defaultdict(list), {}
    for state in states:
        grouped_orientation[state.action.orientation_id].append(state)
        grouped_domain[state.action.domain_id].append(state)
        domains[state.action.domain_id] = state.action.domain
    domain_order = sorted(domains.values(), key=lambda domain: (domain.position, domain.name))

    # One reading of lateness for the tiles, the list of late fiches and the decisions' context.
    late_actions = [state for state in states if state.is_late]
    counts = defaultdict(int)
    for state in states:
        counts[state.counted_as] += 1
    due_until = _add_months(as_of, DUE_WITHIN_MONTHS)
    funding = sorted(by_funder.values(), key=lambda entry: (-entry[1].planned, entry[0].lower()))

    return CopilReport(
        meeting=meeting,
        as_of=as_of,
        live=live,
        actions=states,
        overall=progress_rollup(states),
        by_orientation=[
            (orientation, progress_rollup(grouped_orientation[orientation.pk])) for orientation in orientations
        ],
        by_domain=[(domain, progress_rollup(grouped_domain[domain.pk])) for domain in domain_order],
        status_counts=[(status, label, counts[status]) for status, label in ActionStatus.choices],
        late_actions=late_actions,
        indicators=indicator_states,
        funding_by_funder=[(label, amounts) for label, amounts in funding],
        funding_total=sum((amounts for _label, amounts in funding), Amounts()),
        members=_members(meeting),
        next_meeting=_next_meeting(meeting),
        # A suspended fiche is not "due": the committee stopped it (it stays in the counts and, once its
        # end date has passed, among the late ones, as the plan page says).
        due_soon=[
            state
            for state in states
            if as_of < state.end_date <= due_until
            and state.status not in CLOSED_STATUSES
            and state.status != ActionStatus.SUSPENDED
        ],
        due_until=due_until,
        reconstructed_actions=sum(1 for state in states if state.reconstructed),
        reconstructed_lines=reconstructed_lines,
        reconstructed_indicators=sum(1 for state in indicator_states if state.reconstructed),
        has_plan=plan is not None,
        decisions=_lines(meeting.decisions),
        agenda=_lines(meeting.agenda),
    )
