"""Test set-up: strict templates, fast password hashing, local e-mail, and the shared fixtures."""

import functools
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches

from ctg_portal.celery import app as celery_app
from tests.roles import world  # noqa: F401 (a fixture shared by the permission tests)
from tests.smtp import flaky_smtp  # noqa: F401 (a fixture shared by the e-mail tests)


class InvalidTemplateVariable(str):
    """Makes a template that prints an unknown variable fail the test instead of printing nothing."""

    def __mod__(self, name):
        raise AssertionError(f"Invalid template variable: {name!r}")


def pytest_configure(config):
    settings.TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = InvalidTemplateVariable("%s")
    # Hashing each factory user's password with PBKDF2 would cost a minute per hundred tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests do not run collectstatic: serve static files from the source folders, without a manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    # A temporary folder of this process, removed at the end: pytest-xdist's workers (gw0, gw1…) and
    # other test runs at the same time (another checkout, another developer) never see each other's files.
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    settings.MEDIA_ROOT = Path(tempfile.mkdtemp(prefix=f"ctg-test-media-{worker}-"))
    config.add_cleanup(functools.partial(shutil.rmtree, settings.MEDIA_ROOT, ignore_errors=True))
    # Rate-limit counters in this process's memory, emptied before each test (_fresh_rate_limits), even
    # when REDIS_URL is set: counts left by another test or another run must not refuse a request.
    settings.CACHES = {
        **settings.CACHES,
        "rate_limits": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-rate-limits"},
        # Fragments in this process's memory too: tests that count a page's queries on its second view
        # must not depend on what another worker or run left in (or cleared from) Redis. The Redis store
        # itself is tested in tests/conventions/test_render_cache_store.py.
        "render": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-render"},
    }
    # The sandbox's wall-clock limit (6 s in production) bounds a child the CPU limit cannot stop. A suite
    # sharing the machine's cores (pytest-xdist's workers, other runs) can leave a child reading a sound
    # PDF a few seconds of CPU: the CPU limit still applies, and the tests of the wall limit set theirs.
    settings.PDF_SANDBOX_WALL_SECONDS = 60
    # The portal's PDF signing certificate: a self-signed one made once for the test runs.
    from documents.pdf_signature import create_self_signed_pkcs12

    settings.PDF_SIGNING_PKCS12 = config.rootpath / "var" / "test-signing" / "portal-tests.p12"
    settings.PDF_SIGNING_PASSPHRASE = "tests-only-passphrase"
    if not settings.PDF_SIGNING_PKCS12.exists():
        # Written aside, then linked into place (atomic, and refused if the file appeared meanwhile): a
        # test run starting at the same time (xdist's workers, another run in this checkout) never reads
        # a half-written file, and the first certificate made stays the only one.
        aside = settings.PDF_SIGNING_PKCS12.with_name(f".portal-tests-{uuid.uuid4().hex}.p12")
        create_self_signed_pkcs12(aside, passphrase=settings.PDF_SIGNING_PASSPHRASE, common_name="Portail CTG (tests)")
        try:
            os.link(aside, settings.PDF_SIGNING_PKCS12)
        except FileExistsError:
            pass
        finally:
            aside.unlink()


def pytest_collection_modifyitems(config, items):
    """Refuses a browser fixture outside tests/e2e/.

    A test argument named like a Playwright fixture (``page``…) silently turns a plain test into a
    browser test: it starts chromium and runs among the database tests, which breaks them.
    """
    e2e_dir = config.rootpath / "tests" / "e2e"

    def uses_a_browser(item) -> bool:
        # pytest-playwright parametrizes ``browser_name``; when the test parametrizes ``page`` itself,
        # pytest prunes the fixture from ``fixturenames`` but the browser parameter stays in the callspec.
        params = getattr(getattr(item, "callspec", None), "params", {})
        return "browser_name" in getattr(item, "fixturenames", ()) or "browser_name" in params

    misplaced = [item.nodeid for item in items if uses_a_browser(item) and e2e_dir not in item.path.parents]
    if misplaced:
        raise pytest.UsageError(
            "Playwright fixtures outside tests/e2e/ (rename the argument, e.g. `page` → `page_name`): "
            + ", ".join(misplaced)
        )


@pytest.fixture(autouse=True)
def _no_real_emails(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _no_broker_pause_across_tests():
    """A publish that failed in one test (a broker outage on purpose) must not pause the next ones."""
    from ctg_portal.queueing import reset_broker_pause

    reset_broker_pause()
    yield
    reset_broker_pause()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    caches["rate_limits"].clear()


@pytest.fixture(scope="session", autouse=True)
def _close_every_connection_before_dropping_the_test_database(django_db_setup, django_db_blocker):
    """Ends the test database's other sessions before pytest-django drops it.

    Once Playwright has started, Django code runs in more than one context and so holds more than one
    connection object; the ones pytest-django cannot see stay open, and PostgreSQL refuses to drop a
    database "being accessed by other users". This runs just before that drop.
    """
    yield
    with django_db_blocker.unblock():
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        connection.close()


@pytest.fixture
def eager_celery():
    """Runs the queued tasks (``.delay()``) in-process, whatever REDIS_URL says.

    For tests about what a task does, not about the broker: delivery to a real worker is tested with
    ``celery_worker_on_redis``.
    """
    saved = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = True, True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


@pytest.fixture
def celery_worker_on_redis():
    """A Celery worker thread consuming a queue of its own on the Redis of ``REDIS_URL`` (never eager).

    The queue is unique to this test run, so that another worker on the same Redis (another developer's
    test run, a `make worker`) can neither take this test's tasks nor hand it theirs. The worker thread
    shares this process's settings (the locmem e-mail backend, hence ``mail.outbox``) and opens its own
    connection to the test database: tests using it commit for real (``transaction=True``). Without
    Redis the test is skipped, except in CI (``CI=true``), where a missing service is a failure.
    """
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        if os.environ.get("CI") == "true":
            pytest.fail("REDIS_URL is not set: CI must provide Redis for the Celery worker tests.")
        pytest.skip("REDIS_URL is not set: these tests need Redis (REDIS_URL=redis://127.0.0.1:6379/0).")

    import celery.contrib.testing.tasks  # noqa: F401  registers celery.ping, which start_worker checks
    from celery.contrib.testing.worker import start_worker

    from ctg_portal.celery import app

    queue = f"ctg-tests-{uuid.uuid4().hex}"
    # Without REDIS_URL at settings time the app is eager on an in-memory broker: point it at Redis.
    changed = {
        "task_always_eager": False,
        "broker_url": redis_url,
        "result_backend": redis_url,
        "task_default_queue": queue,
    }
    saved = {key: app.conf[key] for key in changed}
    app.conf.update(changed)
    try:
        with start_worker(app, queues=[queue], perform_ping_check=True, shutdown_timeout=10):
            yield app
    finally:
        app.conf.update(saved)
        app.amqp.queues.select(saved["task_default_queue"])
        app.amqp.queues.pop(queue, None)
