"""The territory import task, delivered through Redis to a real Celery worker (never eager mode)."""

import os
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from partners.choices import OrganisationKind
from partners.models import Organisation
from partners.tasks import import_epci_territory

SHIPPED_DIR = Path(settings.BASE_DIR) / "data" / "territories"
GRAND_CAHORS = "200023737"


@pytest.fixture
def celery_worker_on_redis(settings):
    """A Celery worker thread consuming a queue of its own on the Redis of ``REDIS_URL``.

    The queue is unique to this test run, so that another worker on the same Redis (another developer's
    test run, a `make worker`) can neither take this test's tasks nor hand it theirs.
    """
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        if os.environ.get("CI") == "true":
            pytest.fail("REDIS_URL is not set: CI must provide Redis for the Celery worker tests.")
        pytest.skip("REDIS_URL is not set: these tests need Redis (REDIS_URL=redis://127.0.0.1:6379/0).")

    import celery.contrib.testing.tasks  # noqa: F401  registers celery.ping, which start_worker checks
    from celery.contrib.testing.worker import start_worker

    from ctg_portal.celery import app

    settings.TERRITORY_DATA_DIR = SHIPPED_DIR
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


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)  # the worker thread only sees committed rows
def test_import_epci_territory_runs_on_a_real_worker(celery_worker_on_redis):
    result = import_epci_territory.delay(GRAND_CAHORS)

    counts = result.get(timeout=20)

    assert counts["epcis_created"] == 1
    assert counts["communes_created"] == 36
    grand_cahors = Organisation.objects.get(siren=GRAND_CAHORS)
    assert grand_cahors.kind == OrganisationKind.EPCI
    assert grand_cahors.member_communes.count() == 36


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_import_epci_territory_twice_changes_nothing_the_second_time(celery_worker_on_redis):
    import_epci_territory.delay(GRAND_CAHORS).get(timeout=20)

    counts = import_epci_territory.delay(GRAND_CAHORS).get(timeout=20)

    assert counts == {
        "epcis_created": 0,
        "epcis_updated": 0,
        "epcis_unchanged": 1,
        "communes_created": 0,
        "communes_updated": 0,
        "communes_unchanged": 36,
    }
    assert Organisation.objects.count() == 37
