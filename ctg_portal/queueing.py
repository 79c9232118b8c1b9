"""Sending background work to Celery without ever failing the action that asked for it.

Every row that needs a task (a document to render, an e-mail to send) is written first, in the
business transaction; the task is sent once that transaction commits (:func:`enqueue_on_commit`).
The data is then committed whatever happens to the broker: a publish that fails (Redis down,
unreachable, timing out) is caught and logged, :func:`enqueue` returns ``False``, and the caller's
``on_failure`` may note it on the row. The row stays pending and a beat sweeper sends its task again
once the broker is back. Nothing here may raise into a web request after its data was committed.

Publishing is kept short by the Celery settings (``CELERY_BROKER_TRANSPORT_OPTIONS``,
``CELERY_TASK_PUBLISH_RETRY_POLICY``: about a second against a closed port). Once a publish has
failed, this process does not try again for ``PAUSE_AFTER_FAILURE`` seconds: an action that queues
ten e-mails during an outage costs one failed publish, not ten.
"""

import logging
import threading
import time
from collections.abc import Callable, Sequence
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)

PAUSE_AFTER_FAILURE = 30.0  # seconds

_lock = threading.Lock()
_unavailable_until = 0.0


def broker_paused() -> bool:
    """Whether a recent publish failed in this process (the next ones are not even tried)."""
    return time.monotonic() < _unavailable_until


def reset_broker_pause() -> None:
    """Forget a recent failure (tests; a sweeper that starts after the broker is back)."""
    global _unavailable_until
    with _lock:
        _unavailable_until = 0.0


def _pause() -> None:
    global _unavailable_until
    with _lock:
        _unavailable_until = time.monotonic() + PAUSE_AFTER_FAILURE


def enqueue(task, args: Sequence = (), *, task_id: str | None = None) -> bool:
    """Sends ``task(*args)`` to the broker now; ``False`` (logged, never raised) when it could not.

    ``ignore_result``: nobody waits for these results, and asking for them would make the publish
    subscribe to the result backend first (another Redis round trip that can fail or hang).
    """
    if broker_paused():
        logger.warning("Broker unavailable (a recent publish failed): %s%s not sent now.", task.name, tuple(args))
        return False
    try:
        task.apply_async(tuple(args), task_id=task_id, ignore_result=True)
    except Exception:  # kombu's OperationalError, redis' errors, a task failing in eager mode…
        if task.app.conf.task_always_eager:
            # No broker (a laptop): the task ran here and failed; its own failure handling recorded it.
            logger.exception("%s%s failed (eager mode).", task.name, tuple(args))
            return True
        _pause()
        logger.exception("Could not send %s%s: it stays pending for the sweeper.", task.name, tuple(args))
        return False
    return True


def _enqueue_and_report(task, args, task_id, on_failure) -> None:
    if enqueue(task, args, task_id=task_id) or on_failure is None:
        return
    try:
        on_failure()
    except Exception:  # the data is committed: noting the failure is a courtesy, never an error
        logger.exception("Could not record that %s%s was not sent.", task.name, tuple(args))


def enqueue_on_commit(
    task, args: Sequence = (), *, task_id: str | None = None, on_failure: Callable[[], None] | None = None
) -> None:
    """Sends the task once the current transaction commits (never if it rolls back).

    ``on_failure()`` runs (after the commit, outside any transaction) when the publish failed, to
    note it on the row; whatever it raises is logged too.
    """
    transaction.on_commit(partial(_enqueue_and_report, task, tuple(args), task_id, on_failure))
