"""The render_document task: its reliability options, eager retries, and a real worker on Redis
(a WeasyPrint failure then a staff retry; a worker killed mid-render and its task redelivered)."""

import time

import pytest
from django.conf import settings
from django.utils import timezone

from conventions.choices import ConventionStatus, DocumentKind, DocumentStatus
from conventions.models import GeneratedDocument
from documents.rendering import DocumentRenderError
from documents.services import queue, render
from documents.tasks import render_document
from tests.conventions.factories import ConventionFactory, PartyFactory
from tests.documents.test_services import stored_files
from tests.partners.factories import MembershipFactory


def a_convention():
    convention = ConventionFactory(status=ConventionStatus.SIGNED)
    PartyFactory(convention=convention)
    convention.staff = MembershipFactory(organisation=convention.epci).user
    return convention


def a_document(convention, **fields) -> GeneratedDocument:
    return GeneratedDocument.objects.create(
        convention=convention, kind=DocumentKind.CONVENTION, version=convention.signed_version, **fields
    )


@pytest.fixture
def eager_without_propagation():
    """``apply()`` retrying in-process as Celery does for eager tasks (its nested retries re-apply
    without ``throw``, so propagation is off whatever REDIS_URL made the settings)."""
    from ctg_portal.celery import app

    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = saved


def wait_for(document, statuses, timeout=20) -> GeneratedDocument:
    deadline = time.monotonic() + timeout
    document.refresh_from_db()
    while document.status not in statuses and time.monotonic() < deadline:
        time.sleep(0.05)
        document.refresh_from_db()
    return document


def test_the_task_is_declared_for_redelivery_and_limited_in_time():
    assert render_document.acks_late is True
    assert render_document.reject_on_worker_lost is True
    assert render_document.soft_time_limit == settings.DOCUMENT_RENDER_TIME_LIMIT
    assert render_document.time_limit > render_document.soft_time_limit
    assert OSError in render_document.autoretry_for
    assert render_document.max_retries and render_document.retry_backoff


@pytest.mark.django_db
def test_eager_transient_errors_are_retried_then_recorded_as_a_failure(renderers, media, eager_without_propagation):
    document = a_document(a_convention())
    renderers.error = OSError("No space left on device")

    result = render_document.apply((document.pk,), throw=False)

    assert result.failed()
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED
    assert "OSError: No space left on device" in document.error
    assert len(renderers.calls) == render_document.max_retries + 1
    assert stored_files(media) == []


@pytest.mark.django_db
def test_eager_transient_error_then_success(renderers, media, monkeypatch, eager_without_propagation):
    document = a_document(a_convention())
    original = render.render_convention_pdf

    def once_broken(version, **kwargs):
        if not renderers.calls:
            renderers.calls.append("broken")
            raise OSError("connection reset")
        return original(version, **kwargs)

    monkeypatch.setattr(render, "render_convention_pdf", once_broken)

    assert render_document.apply((document.pk,), throw=False).get() == DocumentStatus.READY
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY and document.attempts == 2


# --- A real worker through Redis ------------------------------------------------------------------


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_render_failure_on_the_worker_then_a_staff_retry(celery_worker_on_redis, renderers, media):
    convention = a_convention()
    renderers.error = DocumentRenderError("LayoutError: a table too wide for the page")

    document = queue.document_request(
        convention=convention, kind=DocumentKind.CONVENTION, by=convention.staff, version=convention.signed_version
    )
    document = wait_for(document, {DocumentStatus.FAILED, DocumentStatus.READY})

    assert document.status == DocumentStatus.FAILED
    assert document.error == "LayoutError: a table too wide for the page"
    assert not document.file and stored_files(media) == []  # nothing half written

    renderers.error = None
    queue.document_retry(document=document, by=convention.staff)
    document = wait_for(document, {DocumentStatus.READY})

    assert document.status == DocumentStatus.READY and document.error == ""
    assert [p.name for p in stored_files(media)] == [document.file.name.rsplit("/", 1)[-1]]
    assert len(renderers.calls) == 2


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_task_redelivered_after_a_killed_worker_delivers_the_document_once(celery_worker_on_redis, renderers, media):
    convention = a_convention()
    # What a worker killed mid-render leaves: the row running, its task's message not acknowledged.
    document = a_document(
        convention, status=DocumentStatus.RUNNING, started_at=timezone.now(), attempts=1, task_id="redelivered-1"
    )

    first = render_document.apply_async((document.pk,), task_id="redelivered-1").get(timeout=20)
    again = render_document.apply_async((document.pk,), task_id="redelivered-1").get(timeout=20)
    other = render_document.delay(document.pk).get(timeout=20)

    assert (first, again, other) == (DocumentStatus.READY,) * 3
    document.refresh_from_db()
    assert document.attempts == 2
    assert len(renderers.calls) == 1
    assert len(stored_files(media)) == 1
    assert GeneratedDocument.objects.filter(convention=convention).count() == 1


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_two_requests_for_the_same_version_render_once_on_the_worker(celery_worker_on_redis, renderers, media):
    convention = a_convention()
    kwargs = {"convention": convention, "kind": DocumentKind.CONVENTION, "version": convention.signed_version}

    first = queue.document_request(by=convention.staff, **kwargs)
    second = queue.document_request(by=convention.staff, **kwargs)
    document = wait_for(first, {DocumentStatus.READY, DocumentStatus.FAILED})

    assert second.pk == first.pk and document.status == DocumentStatus.READY
    time.sleep(0.3)
    assert len(renderers.calls) == 1
