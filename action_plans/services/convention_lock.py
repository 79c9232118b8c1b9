"""The first step of every write to an action plan: lock the convention's row, check the ability.

Each service calls one of these inside its ``transaction.atomic()``: they re-read the convention
under the lock a submission for review takes too (``conventions.services.content``), so an edit never
lands in a convention under review. A refusal says why in the policy's words
(``conventions.permissions``), the same sentences the pages show.
"""

from conventions.models import Convention
from conventions.permissions import ROLE_REFUSALS, plan_edit_refusal
from conventions.services.content import lock_editable_convention, lock_followed_convention
from ctg_portal.errors import NotAllowed


def _plan_refusal(convention: Convention, abilities: dict[str, bool]) -> NotAllowed:
    return NotAllowed(plan_edit_refusal(convention, abilities))


def _follow_up_refusal(convention: Convention, abilities: dict[str, bool]) -> NotAllowed:
    return NotAllowed(str(ROLE_REFUSALS["follow_up"]))


def lock_for_plan_edit(*, convention: Convention, by) -> Convention:
    """The convention locked, its contractual content (orientations, fiches) editable by ``by``."""
    return lock_editable_convention(convention, by=by, refusal=_plan_refusal)


def lock_for_fiche_save(*, convention: Convention, by) -> tuple[Convention, dict[str, bool]]:
    """The convention locked, a fiche's follow-up at least writable by ``by``; with the abilities,
    since a save mixing follow-up and contractual changes needs ``edit`` for the latter."""
    return lock_followed_convention(convention, by=by, refusal=_plan_refusal)


def lock_for_follow_up(*, convention: Convention, by) -> Convention:
    """The convention locked, its follow-up (status, progress, current values, funding status)
    writable by ``by``, whatever the convention's status."""
    return lock_followed_convention(convention, by=by, refusal=_follow_up_refusal)[0]
