"""In CI the suite must run on the real services: a missing one is a failure, never a skip."""

import os

import pytest
from django.conf import settings
from django.db import connection

IN_CI = os.environ.get("CI") == "true"


@pytest.mark.skipif(not IN_CI, reason="Outside CI the suite may run on SQLite with eager Celery.")
def test_ci_runs_on_postgresql(db):
    assert connection.vendor == "postgresql"


@pytest.mark.skipif(not IN_CI, reason="Outside CI the suite may run on SQLite with eager Celery.")
def test_ci_runs_celery_on_redis():
    import redis

    assert settings.REDIS_URL.startswith("redis://")
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert redis.Redis.from_url(settings.REDIS_URL).ping()
