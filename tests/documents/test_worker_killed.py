"""A worker process really killed (SIGKILL) in the middle of a render: the task is redelivered to the
next process and the document arrives once.

A real ``celery worker`` runs in a subprocess (prefork pool, one process) on the test database and a
queue of its own; the test kills its pool process while WeasyPrint lays out Grand Cahors' convention.
``acks_late`` + ``reject_on_worker_lost`` put the message back, the worker's next process renders it,
and ``document_render`` makes the second attempt finish what the first started: one ready row, one
file. Needs PostgreSQL (the subprocess opens the test database by name) and Redis; skipped on a
laptop without them, a failure in CI.
"""

import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from conventions.choices import DocumentKind, DocumentStatus
from conventions.models import Convention, GeneratedDocument
from documents.tasks import render_document

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def require_services() -> str:
    redis_url = os.environ.get("REDIS_URL", "")
    missing = []
    if not redis_url:
        missing.append("REDIS_URL")
    if connection.vendor != "postgresql":
        missing.append("PostgreSQL (DATABASE_URL)")
    if missing:
        message = f"Needs {' and '.join(missing)} for a worker subprocess on the test database."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return redis_url


def the_test_database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}.")


def pool_processes(worker: subprocess.Popen) -> list[int]:
    """The worker's child processes, read from /proc (no procps needed on a minimal machine)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[1]) == worker.pid:  # fields after "(comm)": state, ppid, …
            children.append(int(stat.parent.name))
    return children


@pytest.fixture
def grand_cahors(tmp_path, settings):
    from django.apps import apps
    from django.core.management import call_command

    require_services()
    # Transactional tests empty every table afterwards, including the domains a migration seeds.
    import_module("conventions.migrations.0002_seed_domains").seed_domains(apps, schema_editor=None)
    # Tests run with DEBUG off, as production does; nobody logs in here, so the password is random.
    call_command("load_demo", "--allow-production", verbosity=0)
    settings.MEDIA_ROOT = tmp_path / "media"
    return Convention.objects.get(reference="CTG-GRAND-CAHORS-2020")


@pytest.fixture
def worker_subprocess(grand_cahors, settings):
    redis_url = require_services()
    queue = f"ctg-tests-kill-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DATABASE_URL": the_test_database_url(),
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PDF_SIGNING_PKCS12": str(settings.PDF_SIGNING_PKCS12),
        "PDF_SIGNING_PASSPHRASE": settings.PDF_SIGNING_PASSPHRASE,
        "SECRET_KEY": "tests-only-not-a-secret",
    }
    command = [sys.executable, "-m", "celery", "-A", "ctg_portal", "worker", "--pool=prefork", "--concurrency=1"]
    command += ["-Q", queue, "--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel=WARNING"]
    worker = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env)
    try:
        wait_until(lambda: pool_processes(worker), 30, "the worker's pool process")
        yield worker, queue
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def test_a_pool_process_killed_mid_render_hands_the_task_over_and_the_document_arrives_once(
    grand_cahors, worker_subprocess
):
    worker, queue = worker_subprocess
    task_id = f"render-{uuid.uuid4().hex}"
    document = GeneratedDocument.objects.create(
        convention=grand_cahors,
        kind=DocumentKind.CONVENTION,
        version=grand_cahors.signed_version,
        status=DocumentStatus.PENDING,
        task_id=task_id,
    )
    render_document.apply_async((document.pk,), queue=queue, task_id=task_id)

    def status():
        document.refresh_from_db()
        return document.status

    wait_until(lambda: status() == DocumentStatus.RUNNING, 60, "the render to start")
    first_process = pool_processes(worker)[0]
    time.sleep(0.5)  # WeasyPrint is laying the 20 pages out: kill it there
    assert status() == DocumentStatus.RUNNING, "the render ended before the kill: the test proves nothing"
    os.kill(first_process, signal.SIGKILL)

    wait_until(lambda: status() in (DocumentStatus.READY, DocumentStatus.FAILED), 120, "the redelivered render")
    assert document.status == DocumentStatus.READY, document.error
    assert document.attempts == 2  # the killed attempt and the redelivered one
    assert first_process not in pool_processes(worker)  # it really was another process
    stored = list(Path(settings.MEDIA_ROOT).rglob("*.pdf"))
    assert len(stored) == 1 and stored[0].name == Path(document.file.name).name
    assert hashlib.sha256(stored[0].read_bytes()).hexdigest() == document.sha256
