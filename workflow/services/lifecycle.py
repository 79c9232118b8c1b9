"""A convention's lifecycle: an explicit transition table, enforced here and nowhere else.

    brouillon → en relecture → (modifications demandées → brouillon) → approuvée → en signature
    → signée → en vigueur (from its start date) → échue (after its end date); résiliée from any
    signed status, with a reason; an avenant reopens a signed convention as a new draft.

Why a table rather than a state-machine library: django-fsm, the usual choice, is archived by its
author (who points to viewflow's fsm, a much larger dependency), and a dozen transitions read better
as one table than as decorators spread over a model. Every transition is applied by
:func:`perform`, which locks the convention's row, first records what the calendar already changed
(entry into force, expiry), checks the source status, the user's ability and the action's own
conditions, then records a :class:`~conventions.models.StatusChange` and queues the e-mails.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conventions.choices import ConventionStatus as S
from conventions.choices import LifecycleAction as A
from conventions.models import Convention, StatusChange
from ctg_portal.errors import NotAllowed, PortalError


class TransitionRefused(PortalError):
    """The convention's status does not allow this action now (the message says why)."""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: str
    # The key of ``convention.get_abilities(user)`` a person needs; ``None`` for the transitions the
    # portal itself makes (the last signature, a decline, the calendar).
    ability: str | None


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(A.SUBMIT, frozenset({S.DRAFT}), S.IN_REVIEW, "submit"),
        Transition(A.WITHDRAW, frozenset({S.IN_REVIEW}), S.DRAFT, "withdraw"),
        Transition(A.REQUEST_CHANGES, frozenset({S.IN_REVIEW}), S.CHANGES_REQUESTED, "request_changes"),
        Transition(A.RESUME_DRAFTING, frozenset({S.CHANGES_REQUESTED}), S.DRAFT, "resume_drafting"),
        Transition(A.APPROVE, frozenset({S.IN_REVIEW}), S.APPROVED, "approve"),
        Transition(A.OPEN_SIGNATURE, frozenset({S.APPROVED}), S.IN_SIGNATURE, "open_signature"),
        Transition(A.COMPLETE_SIGNATURE, frozenset({S.IN_SIGNATURE}), S.SIGNED, None),
        Transition(A.DECLINE, frozenset({S.IN_SIGNATURE}), S.DRAFT, None),
        Transition(A.ENTER_INTO_FORCE, frozenset({S.SIGNED}), S.IN_FORCE, None),
        Transition(A.EXPIRE, frozenset({S.SIGNED, S.IN_FORCE}), S.EXPIRED, None),
        Transition(A.TERMINATE, frozenset({S.SIGNED, S.IN_FORCE}), S.TERMINATED, "terminate"),
        Transition(A.OPEN_AMENDMENT, frozenset({S.SIGNED, S.IN_FORCE}), S.DRAFT, "open_amendment"),
    )
}

# The version a change refers to when the caller names none: the one just approved or being signed,
# or the signed one the calendar or a termination acts on. Other changes concern the working draft.
VERSION_OF_ACTION = {
    A.APPROVE: "approved_version",
    A.OPEN_SIGNATURE: "approved_version",
    A.COMPLETE_SIGNATURE: "signed_version",
    A.ENTER_INTO_FORCE: "signed_version",
    A.EXPIRE: "signed_version",
    A.TERMINATE: "signed_version",
    A.OPEN_AMENDMENT: "signed_version",
}

# Actions that need a written reason.
REASON_REQUIRED = frozenset({A.REQUEST_CHANGES, A.DECLINE, A.TERMINATE})


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
    if convention.status == S.SIGNED and convention.status_on(today) != S.SIGNED:
        signed_at = convention.status_changes.filter(action=A.COMPLETE_SIGNATURE).order_by("-occurred_at").first()
        start = _start_of(convention.period_start)
        if signed_at is not None and signed_at.occurred_at > start:
            start = signed_at.occurred_at  # signed late: in force from the signature
        changes.append(_record(convention, TRANSITIONS[A.ENTER_INTO_FORCE], by=None, now=start))
    if convention.status == S.IN_FORCE and convention.status_on(today) == S.EXPIRED:
        end = _start_of(convention.period_end + datetime.timedelta(days=1))
        changes.append(_record(convention, TRANSITIONS[A.EXPIRE], by=None, now=end))
    return changes


def apply_calendar_transitions(today: datetime.date | None = None) -> int:
    """The daily task's work: every signed convention whose dates have come. Idempotent."""
    today = today or timezone.localdate()
    count = 0
    due = Convention.objects.filter(status__in=[S.SIGNED, S.IN_FORCE]).values_list("pk", flat=True)
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
    from workflow.services import notifications

    notifications.on_status_change(change)
    return change


def refusal_for_status(convention: Convention, transition: Transition) -> TransitionRefused:
    allowed = ", ".join(f"« {S(source).label} »" for source in sorted(transition.sources))
    return TransitionRefused(
        _("This convention is “%(status)s”: “%(action)s” is only possible when it is %(allowed)s.")
        % {"status": S(convention.status).label, "action": A(transition.action).label, "allowed": allowed}
    )


def perform(
    convention: Convention,
    action: str,
    *,
    by,
    comment: str = "",
    expected_status: str | None = None,
    now: datetime.datetime | None = None,
    version=None,
    party=None,
    ip_address: str | None = None,
) -> StatusChange:
    """Apply one transition for ``by``; the caller's transaction (or this one) holds the row lock.

    ``expected_status`` is what the user's page showed: a stale tab is refused rather than acting
    on a convention that moved on since. Raises ``TransitionRefused`` or ``NotAllowed``.
    """
    transition = TRANSITIONS[action]
    now = now or timezone.now()
    comment = (comment or "").strip()
    with transaction.atomic():
        locked = lock_convention(convention)
        if expected_status and locked.status != expected_status:
            raise TransitionRefused(
                _("This convention changed in the meantime: it is now “%(status)s”. Reload the page.")
                % {"status": S(locked.status).label}
            )
        if locked.status not in transition.sources:
            raise refusal_for_status(locked, transition)
        if transition.ability is not None and not locked.get_abilities(by)[transition.ability]:
            raise NotAllowed(_refusal_for_ability(locked, transition, by))
        if action in REASON_REQUIRED and not comment:
            raise TransitionRefused(_("Give the reason: the other parties will read it."))
        _check_conditions(locked, transition)
        _apply_side_effects(locked, transition, by=by, now=now)
        change = _record(
            locked,
            transition,
            by=by,
            now=now,
            comment=comment,
            version=version,
            party=party,
            ip_address=ip_address,
        )
    convention.refresh_from_db()
    return change


def _refusal_for_ability(convention: Convention, transition: Transition, by) -> str:
    from conventions.permissions import is_caf_officer, is_epci_staff

    if transition.action in (A.APPROVE, A.REQUEST_CHANGES) and is_epci_staff(by, convention):
        return _("The intercommunality's staff cannot review their own convention: its CAF does.")
    if transition.action in (A.APPROVE, A.REQUEST_CHANGES):
        return _("Only an officer of the CAF that is party to this convention can review it.")
    if transition.action == A.TERMINATE and not is_caf_officer(by, convention):
        return _("Only the intercommunality's staff or the CAF's officers can terminate this convention.")
    return _("Only the intercommunality's staff can do this.")


def _check_conditions(convention: Convention, transition: Transition) -> None:
    open_comments = convention.review_comments.filter(parent__isnull=True, resolved_at__isnull=True).count()
    if transition.action == A.REQUEST_CHANGES and not open_comments:
        raise TransitionRefused(
            _("Write at least one comment saying what to change before sending the convention back.")
        )
    if transition.action == A.APPROVE and open_comments:
        raise TransitionRefused(
            _("%(count)s review comment(s) are still open: resolve them, or request changes, before approving.")
            % {"count": open_comments}
        )
    if transition.action == A.SUBMIT and not convention.parties.filter(role="signatory").exists():
        raise TransitionRefused(_("Add at least one signatory before submitting the convention for review."))


def _apply_side_effects(convention: Convention, transition: Transition, *, by, now) -> None:
    from workflow.services import versions

    if transition.action == A.APPROVE:
        convention.approved_version = versions.take_version(convention=convention, by=by, now=now)
    elif transition.action == A.COMPLETE_SIGNATURE:
        convention.signed_version = convention.approved_version
        convention.approved_version = None
        from documents.services import request_signed_convention_on_commit

        request_signed_convention_on_commit(convention, convention.signed_version)  # the signed PDF
    elif transition.action in (A.DECLINE, A.WITHDRAW):
        convention.approved_version = None
    elif transition.action == A.OPEN_AMENDMENT:
        convention.amendment_number += 1


def convention_submit(convention, *, by, comment="", expected_status=None, now=None, ip_address=None):
    return perform(
        convention,
        A.SUBMIT,
        by=by,
        comment=comment,
        expected_status=expected_status,
        now=now,
        ip_address=ip_address,
    )


def convention_withdraw(convention, *, by, comment="", expected_status=None, now=None, ip_address=None):
    return perform(
        convention,
        A.WITHDRAW,
        by=by,
        comment=comment,
        expected_status=expected_status,
        now=now,
        ip_address=ip_address,
    )


def convention_request_changes(convention, *, by, comment, expected_status=None, now=None, ip_address=None):
    return perform(
        convention,
        A.REQUEST_CHANGES,
        by=by,
        comment=comment,
        expected_status=expected_status,
        now=now,
        ip_address=ip_address,
    )


def convention_resume_drafting(convention, *, by, comment="", expected_status=None, now=None, ip_address=None):
    return perform(
        convention,
        A.RESUME_DRAFTING,
        by=by,
        comment=comment,
        expected_status=expected_status,
        now=now,
        ip_address=ip_address,
    )


def convention_approve(convention, *, by, comment="", expected_status=None, now=None, ip_address=None):
    return perform(
        convention,
        A.APPROVE,
        by=by,
        comment=comment,
        expected_status=expected_status,
        now=now,
        ip_address=ip_address,
    )


def convention_open_signature(convention, *, by, comment="", expected_status=None, now=None, ip_address=None):
    return perform(
        convention,
        A.OPEN_SIGNATURE,
        by=by,
        comment=comment,
        expected_status=expected_status,
        now=now,
        ip_address=ip_address,
    )


def convention_terminate(convention, *, by, comment, expected_status=None, now=None, ip_address=None):
    return perform(
        convention,
        A.TERMINATE,
        by=by,
        comment=comment,
        expected_status=expected_status,
        now=now,
        ip_address=ip_address,
    )


def convention_open_amendment(convention, *, by, comment="", expected_status=None, now=None, ip_address=None):
    return perform(
        convention,
        A.OPEN_AMENDMENT,
        by=by,
        comment=comment,
        expected_status=expected_status,
        now=now,
        ip_address=ip_address,
    )
