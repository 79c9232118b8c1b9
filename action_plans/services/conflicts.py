"""No lost update on a fiche action: its ``lock_version``, claimed by every write.

A fiche carries ``lock_version``. A save names the version its form started from; the service
claims the next version with a conditional ``UPDATE`` and refuses with :class:`EditConflict` when
someone else saved in between. Any write to the fiche, its funding lines or its indicators claims a
version (:func:`action_claim_version`), so a form opened before it conflicts instead of silently
overwriting it. What changed meanwhile is read by ``action_plans.history``.
"""

from django.db.models import F
from django.utils.translation import gettext

from action_plans.models import Action
from ctg_portal.errors import PortalError


class EditConflict(PortalError):
    """The fiche was saved by someone else since the version the user's form started from."""

    def __init__(self, *, action: Action, expected_version: int):
        self.action = action
        self.expected_version = expected_version
        self.current_version = action.lock_version
        super().__init__(
            gettext("Someone else saved this fiche action while you were editing it. Nothing of yours was saved yet.")
        )


def action_claim_version(*, action: Action, expected_version: int | None, by) -> Action:
    """Claims the fiche's next version inside the caller's transaction, or raises :class:`EditConflict`.

    Every service writing a fiche, its funding lines or its indicators calls it first (inside its
    ``transaction.atomic()``), so a form opened on an older version cannot silently overwrite the
    write. The conditional ``UPDATE`` is atomic on PostgreSQL and SQLite alike. It saves the fiche
    with its new version, which records who claimed it in the history: the history records of the
    lines written afterwards in the same transaction come after it, which is how
    :func:`action_plans.history.action_changes_since` finds them.

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
