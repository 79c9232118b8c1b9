"""The convention's lifecycle as data: one table, read by the policy and by the lifecycle service.

    brouillon → en relecture → (modifications demandées → brouillon) → approuvée → en signature
    → signée → en vigueur (from its start date) → échue (after its end date); résiliée from any
    signed status, with a reason; an avenant reopens a signed convention as a new draft.

Each row says from which statuses an action starts, where it leads, and who may press its button:
``conventions.permissions`` turns the table into the abilities the pages show, and
``workflow.services.lifecycle`` applies it under a row lock. Neither writes the statuses again.

Why a table rather than a state-machine library: django-fsm, the usual choice, is archived by its
author (who points to viewflow's fsm, a much larger dependency), and a dozen transitions read better
as one table than as decorators spread over a model.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from conventions.choices import ConventionStatus, LifecycleAction


class Role:
    """Who may press a transition's button (``conventions.permissions`` says who holds each role)."""

    STAFF = "staff"  # the intercommunality's staff
    REVIEWER = "reviewer"  # an officer of a CAF party who is not also the intercommunality's staff


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: str
    # The roles whose button it is; empty for the transitions the portal itself makes (the last
    # signature, a decline — the signatory's own act, checked by the signing service —, the calendar).
    roles: frozenset = frozenset()

    @property
    def ability(self) -> str | None:
        """The key of ``convention.get_abilities(user)`` a person needs to press this button."""
        return self.action if self.roles else None


_STAFF = frozenset({Role.STAFF})
_REVIEWER = frozenset({Role.REVIEWER})
_STAFF_OR_REVIEWER = frozenset({Role.STAFF, Role.REVIEWER})
_SIGNED = frozenset({ConventionStatus.SIGNED, ConventionStatus.IN_FORCE})

TRANSITIONS: dict[str, Transition] = {
    transition.action: transition
    for transition in (
        Transition(LifecycleAction.SUBMIT, frozenset({ConventionStatus.DRAFT}), ConventionStatus.IN_REVIEW, _STAFF),
        Transition(LifecycleAction.WITHDRAW, frozenset({ConventionStatus.IN_REVIEW}), ConventionStatus.DRAFT, _STAFF),
        Transition(
            LifecycleAction.REQUEST_CHANGES,
            frozenset({ConventionStatus.IN_REVIEW}),
            ConventionStatus.CHANGES_REQUESTED,
            _REVIEWER,
        ),
        Transition(
            LifecycleAction.RESUME_DRAFTING,
            frozenset({ConventionStatus.CHANGES_REQUESTED}),
            ConventionStatus.DRAFT,
            _STAFF,
        ),
        Transition(
            LifecycleAction.APPROVE, frozenset({ConventionStatus.IN_REVIEW}), ConventionStatus.APPROVED, _REVIEWER
        ),
        Transition(
            LifecycleAction.OPEN_SIGNATURE,
            frozenset({ConventionStatus.APPROVED}),
            ConventionStatus.IN_SIGNATURE,
            _STAFF_OR_REVIEWER,
        ),
        Transition(
            LifecycleAction.COMPLETE_SIGNATURE, frozenset({ConventionStatus.IN_SIGNATURE}), ConventionStatus.SIGNED
        ),
        Transition(LifecycleAction.DECLINE, frozenset({ConventionStatus.IN_SIGNATURE}), ConventionStatus.DRAFT),
        Transition(LifecycleAction.ENTER_INTO_FORCE, frozenset({ConventionStatus.SIGNED}), ConventionStatus.IN_FORCE),
        Transition(LifecycleAction.EXPIRE, _SIGNED, ConventionStatus.EXPIRED),
        Transition(LifecycleAction.TERMINATE, _SIGNED, ConventionStatus.TERMINATED, _STAFF_OR_REVIEWER),
        Transition(LifecycleAction.OPEN_AMENDMENT, _SIGNED, ConventionStatus.DRAFT, _STAFF),
    )
}

# The version a change refers to when the caller names none: the one just approved or being signed,
# or the signed one the calendar or a termination acts on. Other changes concern the working draft.
VERSION_OF_ACTION = {
    LifecycleAction.APPROVE: "approved_version",
    LifecycleAction.OPEN_SIGNATURE: "approved_version",
    LifecycleAction.COMPLETE_SIGNATURE: "signed_version",
    LifecycleAction.ENTER_INTO_FORCE: "signed_version",
    LifecycleAction.EXPIRE: "signed_version",
    LifecycleAction.TERMINATE: "signed_version",
    LifecycleAction.OPEN_AMENDMENT: "signed_version",
}

# Actions that need a written reason.
REASON_REQUIRED = frozenset({LifecycleAction.REQUEST_CHANGES, LifecycleAction.DECLINE, LifecycleAction.TERMINATE})


def status_refusal(status: str, transition: Transition) -> str:
    """Why ``transition`` cannot start from ``status`` (the message a user reads)."""
    allowed = ", ".join(f"« {ConventionStatus(source).label} »" for source in sorted(transition.sources))
    return _("This convention is “%(status)s”: “%(action)s” is only possible when it is %(allowed)s.") % {
        "status": ConventionStatus(status).label,
        "action": LifecycleAction(transition.action).label,
        "allowed": allowed,
    }
