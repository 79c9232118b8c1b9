"""The one rule every write to a convention's content goes through: lock the convention, then check.

A change to the contractual content (diagnostic, orientations, fiches, planned funding, evaluation
indicators) is allowed only while the convention is editable (``abilities["edit"]``); its follow-up
(status and progress of fiches, current values, funding status) whenever the intercommunality's
staff follows it up. Checking that on the convention a view read at the start of the request is not
enough: another tab may submit the convention for review in between, and the write would land in a
text the CAF is already reading.

So every content service calls one of the functions below first, inside its transaction. They
re-read the convention under a row lock (``SELECT … FOR UPDATE``), the same lock
:func:`workflow.services.lifecycle.convention_transition` takes for a transition, and check the user's
abilities on that fresh row. A submission and an edit therefore serialise: whichever locks first
wins, the other sees its result (the edit is refused once the convention is under review, or the
submission waits until the edit is committed and the approval's version includes it).

Each app keeps its own wording of the refusal (``refusal``), the rule itself is written here once.
"""

from collections.abc import Callable

from django.db import connection, transaction

from conventions.models import Convention
from ctg_portal.errors import NotAllowed

# Builds the error a refused write raises, from the locked convention and the user's abilities on it.
Refusal = Callable[[Convention, dict[str, bool]], NotAllowed]


def lock_convention_for_content(convention: Convention, *, by) -> tuple[Convention, dict[str, bool]]:
    """The convention re-read under a row lock, with what ``by`` may do with it now.

    Must run inside the caller's ``transaction.atomic()``: the lock lasts until it ends. (SQLite has
    no row locks, its writes are serialised by the database lock; the check is the same.)
    """
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError(
            "lock_convention_for_content() must run inside the service's transaction.atomic()."
        )
    locked = Convention.objects.select_for_update(of=("self",)).select_related("epci").get(pk=convention.pk)
    return locked, locked.get_abilities(by)


def lock_editable_convention(convention: Convention, *, by, refusal: Refusal) -> Convention:
    """Locks the convention and raises ``refusal(...)`` unless ``by`` may edit its content now."""
    locked, abilities = lock_convention_for_content(convention, by=by)
    if not abilities["edit"]:
        raise refusal(locked, abilities)
    return locked


def lock_followed_convention(convention: Convention, *, by, refusal: Refusal) -> tuple[Convention, dict[str, bool]]:
    """Locks the convention and raises ``refusal(...)`` unless ``by`` may update its follow-up now.

    Returns the abilities too: a write mixing follow-up and contractual changes needs ``edit`` for
    the latter.
    """
    locked, abilities = lock_convention_for_content(convention, by=by)
    if not (abilities["edit"] or abilities["follow_up"]):
        raise refusal(locked, abilities)
    return locked, abilities
