"""Helpers for tests of real concurrency: threads, each with its own connection to PostgreSQL.

SQLite has no row locks (a writer locks the whole file), so these tests need PostgreSQL: they are
skipped on a laptop running the suite on SQLite, and fail in CI (``CI=true``), where a missing
service is a failure, never a skip (see ``tests/test_services_in_ci.py``). They run with
``@pytest.mark.django_db(transaction=True)``: the threads only see committed rows.
"""

import os
import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections


def require_postgresql() -> None:
    if connection.vendor == "postgresql":
        return
    message = "Needs PostgreSQL (DATABASE_URL) for row locks between concurrent transactions."
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def in_thread(target: Callable, *args, **kwargs) -> tuple[threading.Thread, dict]:
    """Starts ``target`` in a thread with its own database connection; ``outcome`` gets its result or error."""
    outcome: dict = {}

    def run():
        try:
            outcome["result"] = target(*args, **kwargs)
        except Exception as error:  # reported to the test, which asserts on it
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def run_together(target: Callable, count: int, timeout: float = 30) -> list[dict]:
    """Runs ``target()`` in ``count`` threads released at the same instant; their outcomes, in order."""
    barrier = threading.Barrier(count)

    def released():
        barrier.wait(timeout=timeout)
        return target()

    started = [in_thread(released) for _ in range(count)]
    for thread, _outcome in started:
        thread.join(timeout)
        assert not thread.is_alive(), "a concurrent call did not finish: deadlock or lock wait?"
    return [outcome for _thread, outcome in started]


@pytest.fixture
def domains_seeded(transactional_db):
    """The domains a data migration seeds, back after an earlier transactional test flushed them.

    (``serialized_rollback`` would restore them, but reloads content types a flush recreated.)
    """
    from importlib import import_module

    from conventions.models import Domain

    seeds = import_module("conventions.migrations.0002_seed_domains")
    for position, (code, name) in enumerate(seeds.DOMAINS, start=1):
        Domain.objects.update_or_create(code=code, defaults={"name": name, "position": position})
