"""A convention's lifecycle, applied here and nowhere else, following ``conventions.transitions``.

Every transition goes through :func:`convention_transition`, which locks the convention's row, first
records what the calendar already changed (entry into force, expiry), checks the source status, the
user's ability (``conventions.permissions``) and the action's own conditions, applies what the
transition brings about, then records a :class:`~conventions.models.StatusChange`. What a transition
triggers, read from the imports below: a submission only once the convention is ready for review
(``readiness``), a version frozen on approval (``versions``), the signed PDF
asked for on the last signature (``documents.services.queue``), the e-mails of every change (``notifications``).
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conventions.choices import ConventionStatus, LifecycleAction
from conventions.models import Convention, StatusChange
from conventions.permissions import transition_refusal
from conventions.transitions import REASON_REQUIRED, TRANSITIONS, VERSION_OF_ACTION, Transition, status_refusal
from ctg_portal.errors import NotAllowed, PortalError
from documents.services.queue import request_signed_convention_on_commit
from workflow import readiness
from workflow.services import notifications, versions


class TransitionRefused(PortalError):
    """The convention's status does not allow this action now (the message says why)."""


def lock_convention(convention: Convention) -> Convention:
    """The convention re-read under a row lock (call inside a transaction), calendar caught up."""
    locked = Convention.objects.select_for_update().select_related("epci").get(pk=convention.pk)
    catch_up_calendar(locked)
    return locked


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def catch_up_calendar(convention: Convention, today: datetime.date | None = None) -> list[StatusChange]:
    """Record the entry into force and the expiry the calendar has brought about, dated when they happened.

    The caller holds the row lock (or is the daily task, which takes it). Returns the changes made.
    """
    today = today or timezone.localdate()
    changes = []
    if convention.status == ConventionStatus.SIGNED and convention.status_on(today) != ConventionStatus.SIGNED:
        signed_at = (
            convention.status_changes.filter(action=LifecycleAction.COMPLETE_SIGNATURE).order_by("-occurred_at").first()
        )
        start = _start_of(convention.period_start)
        if signed_at is not None and signed_at.occurred_at > start:
            start = signed_at.occurred_at  # signed late: in force from the signature
        changes.append(_record(convention, TRANSITIONS[LifecycleAction.ENTER_INTO_FORCE], by=None, now=start))
    if convention.status == ConventionStatus.IN_FORCE and convention.status_on(today) == ConventionStatus.EXPIRED:
        end = _start_of(convention.period_end + datetime.timedelta(days=1))
        changes.append(_record(convention, TRANSITIONS[LifecycleAction.EXPIRE], by=None, now=end))
    return changes


def apply_calendar_transitions(today: datetime.date | None = None) -> int:
    """The daily task's work: every signed convention whose dates have come. Idempotent."""
    today = today or timezone.localdate()
    count = 0
    due = Convention.objects.filter(status__in=[ConventionStatus.SIGNED, ConventionStatus.IN_FORCE]).values_list(
        "pk", flat=True
    )
    for pk in due:
        with transaction.atomic():
            convention = Convention.objects.select_for_update().get(pk=pk)
            count += len(catch_up_calendar(convention, today))
    return count


def _record(
    convention: Convention,
    transition: Transition,
    *,
    by,
    now: datetime.datetime,
    comment: str = "",
    version=None,
    party=None,
    ip_address: str | None = None,
    historical: bool = False,
) -> StatusChange:
    if version is None and transition.action in VERSION_OF_ACTION:
        version = getattr(convention, VERSION_OF_ACTION[transition.action])
    change = StatusChange.objects.create(
        convention=convention,
        action=transition.action,
        from_status=convention.status,
        to_status=transition.target,
        version=version,
        actor=by,
        party=party,
        amendment_number=convention.amendment_number,
        comment=comment,
        occurred_at=now,
        ip_address=ip_address or None,
    )
    convention.status = transition.target
    convention.save(update_fields=["status", "approved_version", "signed_version", "amendment_number", "updated_at"])
    if not historical:
        notifications.on_status_change(change)
    return change


def convention_transition(
    *,
    convention: Convention,
    action: str,
    by,
    comment: str = "",
    expected_status: str | None = None,
    now: datetime.datetime | None = None,
    version=None,
    party=None,
    ip_address: str | None = None,
    historical: bool = False,
) -> StatusChange:
    """Apply one transition for ``by``; the caller's transaction (or this one) holds the row lock.

    ``expected_status`` is what the user's page showed: a stale tab is refused rather than acting
    on a convention that moved on since. ``historical`` records a step that happened long ago (the
    demo's 2020 signature): nobody is told today and no document is asked for. Raises
    ``TransitionRefused`` or ``NotAllowed``.
    """
    transition = TRANSITIONS[action]
    now = now or timezone.now()
    comment = (comment or "").strip()
    with transaction.atomic():
        locked = lock_convention(convention)
        if expected_status and locked.status != expected_status:
            raise TransitionRefused(
                _("This convention changed in the meantime: it is now “%(status)s”. Reload the page.")
                % {"status": ConventionStatus(locked.status).label}
            )
        if locked.status not in transition.sources:
            raise TransitionRefused(status_refusal(locked.status, transition))
        if transition.ability is not None and not locked.get_abilities(by)[transition.ability]:
            raise NotAllowed(transition_refusal(by, locked, transition))
        if action in REASON_REQUIRED and not comment:
            raise TransitionRefused(_("Give the reason: the other parties will read it."))
        _check_conditions(locked, transition, now=now)
        _apply_side_effects(locked, transition, by=by, now=now, historical=historical)
        change = _record(
            locked,
            transition,
            by=by,
            now=now,
            comment=comment,
            version=version,
            party=party,
            ip_address=ip_address,
            historical=historical,
        )
    convention.refresh_from_db()
    return change


def _check_conditions(convention: Convention, transition: Transition, *, now: datetime.datetime) -> None:
    open_comments = convention.review_comments.filter(parent__isnull=True, resolved_at__isnull=True).count()
    if transition.action == LifecycleAction.REQUEST_CHANGES and not open_comments:
        raise TransitionRefused(
            _("Write at least one comment saying what to change before sending the convention back.")
        )
    if transition.action == LifecycleAction.APPROVE and open_comments:
        raise TransitionRefused(
            _("%(count)s review comment(s) are still open: resolve them, or request changes, before approving.")
            % {"count": open_comments}
        )
    if transition.action == LifecycleAction.SUBMIT:
        ready = readiness.review_readiness(convention, on=timezone.localdate(now))
        if not ready.is_ready:
            raise TransitionRefused(ready.refusal())


def _apply_side_effects(convention: Convention, transition: Transition, *, by, now, historical: bool) -> None:
    if transition.action == LifecycleAction.APPROVE:
        convention.approved_version = versions.take_version(convention=convention, by=by, now=now)
    elif transition.action == LifecycleAction.COMPLETE_SIGNATURE:
        convention.signed_version = convention.approved_version
        convention.approved_version = None
        if not historical:  # the signed PDF
            request_signed_convention_on_commit(convention, convention.signed_version)
    elif transition.action in (LifecycleAction.DECLINE, LifecycleAction.WITHDRAW):
        convention.approved_version = None
    elif transition.action == LifecycleAction.OPEN_AMENDMENT:
        convention.amendment_number += 1
