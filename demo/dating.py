"""Dates a demo action plan's history when it happened, so a report as of a past day shows that day.

The loader writes the plan as it stands at the end (a convention of 2020–2023 is over); its history
(django-simple-history) would then say that everything was entered, finished and paid on the loading day,
and the copil report of 28 November 2023 would find no grant, no payment and no indicator value on that
day. This module rewrites the history of the records a run created or changed into the dated timeline
the data describe:

- a fiche action is recorded on the plan's validation day, not started (0 %), in progress from its start
  date, then at each dated progress update its progress; its final status (done, suspended, abandoned)
  from its last update on;
- a funding line is planned on the validation day, granted on 31 March of its year (15 October for a
  line of the validation year itself, once the convention is signed), paid on 31 October of its year
  (1 December for the validation year);
- an evaluation indicator has its baseline and target from the validation day, its intermediate values
  (``EvaluationRow.measured``) on their days and its current value from the fiche's last update;
- a progress update is recorded (``created_at`` and history) on the day it reports.

Only the records this run created or changed are dated (a reload that changes nothing touches no
history), and the last state of each timeline is the record as loaded.
"""

import datetime

from django.utils import timezone

from action_plans.choices import ActionStatus, FundingStatus
from action_plans.models import Action, EvaluationIndicator, FundingLine, ProgressUpdate
from demo.schema import ActionRow, EvaluationRow, FundingRow

# Meetings and decisions of the day are recorded at the end of the afternoon.
RECORDED_AT = datetime.time(18, 0)
STARTED_AT = datetime.time(8, 0)


def moment(day: datetime.date, at: datetime.time = RECORDED_AT) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, at))


def funding_dates(row: FundingRow, validated_on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """When a line was granted and when it was paid (illustrative: the demo's grants follow the year)."""
    if row.year <= validated_on.year:
        return datetime.date(validated_on.year, 10, 15), datetime.date(validated_on.year, 12, 1)
    return datetime.date(row.year, 3, 31), datetime.date(row.year, 10, 31)


def _action_timeline(row: ActionRow, validated_on: datetime.date) -> list[tuple[datetime.datetime, dict]]:
    started = row.start_date <= validated_on
    points = [
        (
            moment(validated_on),
            {"status": ActionStatus.IN_PROGRESS if started else ActionStatus.UPCOMING, "progress": 0},
        )
    ]
    if not started:
        points.append((moment(row.start_date, STARTED_AT), {"status": ActionStatus.IN_PROGRESS, "progress": 0}))
    updates = sorted(row.updates, key=lambda update: update.reported_on)
    for index, update in enumerate(updates):
        last = index == len(updates) - 1
        status = row.status if last else ActionStatus.IN_PROGRESS
        points.append((moment(update.reported_on), {"status": status, "progress": update.progress}))
    if points[-1][1] != {"status": row.status, "progress": row.progress}:
        points.append((points[-1][0], {"status": row.status, "progress": row.progress}))
    return points


def _funding_timeline(row: FundingRow, validated_on: datetime.date) -> list[tuple[datetime.datetime, dict]]:
    granted_on, paid_on = funding_dates(row, validated_on)
    points = [(moment(validated_on), {"status": FundingStatus.PLANNED})]
    if row.status in (FundingStatus.GRANTED, FundingStatus.PAID):
        points.append((moment(granted_on), {"status": FundingStatus.GRANTED}))
    if row.status == FundingStatus.PAID:
        points.append((moment(paid_on), {"status": FundingStatus.PAID}))
    if row.status not in (FundingStatus.PLANNED, FundingStatus.GRANTED, FundingStatus.PAID):
        points.append((moment(validated_on), {"status": row.status}))
    return points


def _indicator_timeline(
    row: EvaluationRow, action_row: ActionRow, validated_on: datetime.date, current
) -> list[tuple[datetime.datetime, dict]]:
    points = [(moment(validated_on), {"current_value": None})]
    for day, value in sorted(row.measured):
        points.append((moment(day), {"current_value": type(current)(str(value)) if current is not None else None}))
    last_update = max((update.reported_on for update in action_row.updates), default=validated_on)
    points.append((moment(last_update), {"current_value": current}))
    return points


def _rewrite(instance, timeline: list[tuple[datetime.datetime, dict]], user) -> None:
    """Replaces ``instance``'s history with one record per point of ``timeline`` (the first a creation)."""
    historical = type(instance).history.model
    records = list(instance.history.order_by("history_date", "history_id"))
    first, rest = records[0], records[1:]
    for record in rest:
        record.delete()  # with its many-to-many snapshot, if the model keeps one
    base = {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}
    when, changes = timeline[0]
    for name, value in {**base, **changes}.items():
        setattr(first, name, value)
    first.history_date, first.history_type, first.history_user_id = when, "+", getattr(user, "pk", None)
    first.save()
    historical.objects.bulk_create(
        [
            historical(
                **{**base, **changes}, history_date=when, history_type="~", history_user_id=getattr(user, "pk", None)
            )
            for when, changes in timeline[1:]
        ]
    )


def date_plan_history(*, action: Action, row: ActionRow, validated_on: datetime.date, touched: set, user) -> None:
    """Dates the history of ``action`` and of its lines, indicators and updates that this run touched."""
    if ("action", action.pk) in touched:
        _rewrite(action, _action_timeline(row, validated_on), user)
    for line in FundingLine.objects.filter(action=action):
        if ("funding", line.pk) not in touched:
            continue
        funding_row = next(
            (f for f in row.funding if (f.scheme, f.year) == (line.scheme, line.year) and f.amount == line.amount),
            None,
        )
        if funding_row is not None:
            _rewrite(line, _funding_timeline(funding_row, validated_on), user)
    for indicator in EvaluationIndicator.objects.filter(action=action):
        if ("indicator", indicator.pk) not in touched:
            continue
        evaluation_row = next((e for e in row.evaluation if e.label == indicator.label), None)
        if evaluation_row is not None:
            timeline = _indicator_timeline(evaluation_row, row, validated_on, indicator.current_value)
            _rewrite(indicator, timeline, user)
    for update in ProgressUpdate.objects.filter(action=action):
        if ("update", update.pk) not in touched:
            continue
        when = moment(update.reported_on)
        ProgressUpdate.objects.filter(pk=update.pk).update(created_at=when)
        update.history.all().update(history_date=when)
