"""Asking for documents of record and rendering them: permissions, validation, reuse, idempotence,
failures and the file never half written. The renderers are stand-ins producing a real (tiny) PDF,
so these tests are about the flow, not WeasyPrint (helpers B and C test their own renderers)."""

import hashlib
from pathlib import Path

import pytest
from django.utils import timezone

from conventions import selectors as conventions_selectors
from conventions.choices import ConventionStatus, DocumentKind, DocumentStatus, LifecycleAction
from conventions.models import GeneratedDocument, StatusChange
from ctg_portal.errors import NotAllowed
from documents import selectors as documents_selectors
from documents.rendering import DocumentRenderError
from documents.services import queue, render
from tests.conventions.factories import ConventionFactory, GovernanceBodyFactory, MeetingFactory, PartyFactory
from tests.partners.factories import MembershipFactory, UserFactory
from workflow.services import lifecycle

pytestmark = pytest.mark.usefixtures("eager_celery")


def stored_files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


@pytest.fixture
def approved(db):
    """A convention being signed (version 1 approved), its EPCI staff and a CAF officer."""
    convention = ConventionFactory(status=ConventionStatus.IN_SIGNATURE)
    caf_party = PartyFactory(convention=convention)
    convention.staff = MembershipFactory(organisation=convention.epci).user
    convention.officer = MembershipFactory(organisation=caf_party.organisation).user
    return convention


def complete_signature(convention):
    """Records the last signature's transition (what the signing service does), hook included."""
    return lifecycle.convention_transition(convention=convention, action=LifecycleAction.COMPLETE_SIGNATURE, by=None)


# --- Asking for a document ---------------------------------------------------------------------------


def test_a_request_creates_a_pending_document_and_queues_it_on_commit(
    approved, renderers, media, django_capture_on_commit_callbacks
):
    version = approved.approved_version
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        document = queue.document_request(
            convention=approved, kind=DocumentKind.CONVENTION, by=approved.officer, version=version
        )

    assert len(callbacks) == 1
    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING
    assert document.requested_by == approved.officer
    assert len(document.task_id) == 36
    assert renderers.calls == []  # nothing rendered before the commit


def test_once_committed_the_task_renders_the_document_with_its_proof(
    approved, renderers, media, django_capture_on_commit_callbacks
):
    version = approved.approved_version
    with django_capture_on_commit_callbacks(execute=True):
        document = queue.document_request(
            convention=approved, kind=DocumentKind.CONVENTION, by=approved.staff, version=version
        )

    document.refresh_from_db()
    with document.file.open("rb") as handle:
        data = handle.read()
    assert document.status == DocumentStatus.READY
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.size_bytes == len(data)
    assert document.page_count == 2
    assert document.render_seconds is not None and document.attempts == 1
    assert document.started_at <= document.finished_at
    assert renderers.calls == [(DocumentKind.CONVENTION, version.pk, {"signed": False})]
    assert [p.name for p in stored_files(media)] == [Path(document.file.name).name]


def test_the_same_version_reuses_its_document(approved, renderers, media, django_capture_on_commit_callbacks):
    version = approved.approved_version
    with django_capture_on_commit_callbacks(execute=True):
        first = queue.document_request(
            convention=approved, kind=DocumentKind.CONVENTION, by=approved.staff, version=version
        )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = queue.document_request(
            convention=approved, kind=DocumentKind.CONVENTION, by=approved.officer, version=version
        )

    assert again.pk == first.pk and callbacks == []
    assert len(renderers.calls) == 1
    assert GeneratedDocument.objects.count() == 1


def test_staff_force_a_new_rendering_which_replaces_the_file(
    approved, renderers, media, django_capture_on_commit_callbacks
):
    version = approved.approved_version
    with django_capture_on_commit_callbacks(execute=True):
        first = queue.document_request(
            convention=approved, kind=DocumentKind.CONVENTION, by=approved.staff, version=version
        )
    first.refresh_from_db()
    old_name, old_digest = first.file.name, first.sha256

    with django_capture_on_commit_callbacks(execute=True):
        queue.document_request(
            convention=approved, kind=DocumentKind.CONVENTION, by=approved.staff, version=version, force=True
        )
        # the old file is deleted once the new one is committed (the deletion is itself on commit)

    first.refresh_from_db()
    assert first.status == DocumentStatus.READY and first.file.name != old_name
    assert first.sha256 != old_digest
    assert len(renderers.calls) == 2
    assert [p.name for p in stored_files(media)] == [Path(first.file.name).name]


def test_only_staff_may_force_a_new_rendering(approved, renderers, media, django_capture_on_commit_callbacks):
    version = approved.approved_version
    with django_capture_on_commit_callbacks(execute=True):
        queue.document_request(convention=approved, kind=DocumentKind.CONVENTION, by=approved.staff, version=version)

    with pytest.raises(NotAllowed, match="agents de l’intercommunalité"):
        queue.document_request(
            convention=approved, kind=DocumentKind.CONVENTION, by=approved.officer, version=version, force=True
        )
    assert len(renderers.calls) == 1


def test_who_cannot_see_the_convention_cannot_ask_for_its_documents(approved, renderers):
    with pytest.raises(NotAllowed):
        queue.document_request(
            convention=approved, kind=DocumentKind.CONVENTION, by=UserFactory(), version=approved.approved_version
        )
    assert not GeneratedDocument.objects.exists()


def test_a_version_of_another_convention_is_refused(approved, renderers):
    other = ConventionFactory(status=ConventionStatus.APPROVED)
    with pytest.raises(queue.DocumentRefused, match="version de cette convention"):
        queue.document_request(
            convention=approved, kind=DocumentKind.CONVENTION, by=approved.staff, version=other.approved_version
        )
    with pytest.raises(queue.DocumentRefused):
        queue.document_request(convention=approved, kind=DocumentKind.CONVENTION, by=approved.staff)
    assert not GeneratedDocument.objects.exists()


def test_the_signed_convention_needs_every_signature(approved, renderers, media, django_capture_on_commit_callbacks):
    version = approved.approved_version
    with pytest.raises(queue.DocumentRefused, match="signée par tous les signataires"):
        queue.document_request(
            convention=approved, kind=DocumentKind.SIGNED_CONVENTION, by=approved.staff, version=version
        )

    with django_capture_on_commit_callbacks(execute=False):
        complete_signature(approved)
    with django_capture_on_commit_callbacks(execute=True):
        document = queue.document_request(
            convention=approved, kind=DocumentKind.SIGNED_CONVENTION, by=approved.staff, version=version
        )

    document.refresh_from_db()
    assert document.status == DocumentStatus.READY
    assert renderers.calls == [(DocumentKind.SIGNED_CONVENTION, version.pk, {"signed": True})]


def test_the_last_signature_requests_the_signed_pdf(approved, renderers, media, django_capture_on_commit_callbacks):
    version = approved.approved_version
    with django_capture_on_commit_callbacks(execute=True):
        complete_signature(approved)

    document = GeneratedDocument.objects.get()
    assert (document.kind, document.version, document.requested_by) == (DocumentKind.SIGNED_CONVENTION, version, None)
    assert document.status == DocumentStatus.READY
    approved.refresh_from_db()
    assert approved.status == ConventionStatus.SIGNED


def test_a_failing_request_after_the_last_signature_never_undoes_it(
    approved, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise RuntimeError("broken")

    monkeypatch.setattr(queue, "document_request", broken)
    with django_capture_on_commit_callbacks(execute=True):
        complete_signature(approved)

    approved.refresh_from_db()
    assert approved.status == ConventionStatus.SIGNED
    assert not GeneratedDocument.objects.exists()


def test_a_copil_report_needs_a_meeting_of_this_convention(
    approved, renderers, media, django_capture_on_commit_callbacks
):
    foreign_meeting = MeetingFactory()
    with pytest.raises(queue.DocumentRefused, match="réunion des instances"):
        queue.document_request(
            convention=approved, kind=DocumentKind.COPIL_REPORT, by=approved.staff, meeting=foreign_meeting
        )

    meeting = MeetingFactory(body=GovernanceBodyFactory(convention=approved))
    with django_capture_on_commit_callbacks(execute=True):
        document = queue.document_request(
            convention=approved, kind=DocumentKind.COPIL_REPORT, by=approved.staff, meeting=meeting
        )
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY and document.version is None
    assert renderers.calls == [(DocumentKind.COPIL_REPORT, meeting.pk, {})]


# --- Rendering: failures, idempotence ----------------------------------------------------------------


def a_document(convention, **fields) -> GeneratedDocument:
    fields.setdefault("status", DocumentStatus.PENDING)
    return GeneratedDocument.objects.create(
        convention=convention, kind=DocumentKind.CONVENTION, version=convention.approved_version, **fields
    )


def test_a_render_error_fails_the_document_and_writes_nothing(approved, renderers, media):
    document = a_document(approved)
    renderers.error = DocumentRenderError("LayoutError: a table too wide")

    result = render.document_render(document_id=document.pk)

    assert result.status == DocumentStatus.FAILED
    assert result.error == "LayoutError: a table too wide"
    assert result.finished_at is not None and not result.file
    assert stored_files(media) == []


def test_an_unexpected_error_fails_the_document_without_retry(approved, renderers, media):
    document = a_document(approved)
    renderers.error = KeyError("articles")

    result = render.document_render(document_id=document.pk)

    assert result.status == DocumentStatus.FAILED and "KeyError" in result.error
    assert render.document_render(document_id=document.pk).status == DocumentStatus.FAILED
    assert len(renderers.calls) == 1  # a failed document is not rendered again until retried


def test_a_renderer_returning_no_pdf_fails_the_document(approved, monkeypatch, media):
    monkeypatch.setattr(render, "render_convention_pdf", lambda version, **kw: b"<html>")
    monkeypatch.setattr(render, "render_copil_report_pdf", lambda meeting, **kw: b"<html>")
    result = render.document_render(document_id=a_document(approved).pk)
    assert result.status == DocumentStatus.FAILED and "PDF" in result.error
    assert stored_files(media) == []


@pytest.mark.parametrize("wrapped", [False, True])
def test_the_time_limit_fails_the_document_with_a_readable_message(approved, renderers, media, settings, wrapped):
    from celery.exceptions import SoftTimeLimitExceeded

    settings.DOCUMENT_RENDER_TIME_LIMIT = 300
    error = SoftTimeLimitExceeded()
    if wrapped:  # WeasyPrint's errors come wrapped by rendering.html_to_pdf
        try:
            raise DocumentRenderError("SoftTimeLimitExceeded: SoftTimeLimitExceeded()") from error
        except DocumentRenderError as wrapper:
            error = wrapper
    renderers.error = error

    result = render.document_render(document_id=a_document(approved).pk)

    assert result.status == DocumentStatus.FAILED
    assert result.error == "La génération a duré plus de 300 secondes et a été interrompue."
    assert stored_files(media) == []


def test_a_transient_error_propagates_for_the_task_to_retry(approved, renderers, media):
    document = a_document(approved)
    renderers.error = OSError("No space left on device")

    with pytest.raises(OSError):
        render.document_render(document_id=document.pk)

    document.refresh_from_db()
    # Back to waiting for the task's next attempt, saying why (the document centre shows it).
    assert document.status == DocumentStatus.PENDING and document.attempts == 1
    assert document.error == "OSError: No space left on device"
    renderers.error = None
    assert render.document_render(document_id=document.pk).status == DocumentStatus.READY
    document.refresh_from_db()
    assert document.attempts == 2 and document.error == ""
    assert len(stored_files(media)) == 1


def test_a_ready_document_is_not_rendered_again(approved, renderers, media):
    document = a_document(approved)
    render.document_render(document_id=document.pk)
    render.document_render(document_id=document.pk)

    assert len(renderers.calls) == 1
    assert len(stored_files(media)) == 1


def test_a_document_left_running_by_a_killed_worker_is_finished_once(approved, renderers, media):
    document = a_document(approved, status=DocumentStatus.RUNNING, started_at=timezone.now(), attempts=1, task_id="t-1")

    result = render.document_render(document_id=document.pk, task_id="t-1")

    assert result.status == DocumentStatus.READY and result.attempts == 2
    assert render.document_render(document_id=document.pk, task_id="t-1").status == DocumentStatus.READY
    assert len(renderers.calls) == 1
    assert len(stored_files(media)) == 1


def test_a_task_superseded_by_a_newer_request_renders_nothing(approved, renderers, media):
    document = a_document(approved, task_id="newer")

    result = render.document_render(document_id=document.pk, task_id="older")

    assert result.status == DocumentStatus.PENDING
    assert renderers.calls == []


def test_the_on_failure_record_keeps_a_ready_document(approved, renderers, media):
    document = a_document(approved)
    render.document_render(document_id=document.pk)

    render.document_mark_failed(document_id=document.pk, error=TimeoutError("late"))

    document.refresh_from_db()
    assert document.status == DocumentStatus.READY and document.error == ""
    assert render.document_mark_failed(document_id=999999, error="gone") is None


# --- Retry -------------------------------------------------------------------------------------------


def test_staff_retry_a_failed_document(approved, renderers, media, django_capture_on_commit_callbacks):
    document = a_document(approved)
    renderers.error = DocumentRenderError("boom")
    render.document_render(document_id=document.pk)
    renderers.error = None

    with django_capture_on_commit_callbacks(execute=True):
        queue.document_retry(document=document, by=approved.staff)

    document.refresh_from_db()
    assert document.status == DocumentStatus.READY and document.error == ""
    assert document.requested_by == approved.staff and document.attempts == 2


def test_retry_is_refused_to_non_staff_and_for_a_document_that_did_not_fail(approved, renderers, media):
    document = a_document(approved)
    renderers.error = DocumentRenderError("boom")
    render.document_render(document_id=document.pk)

    with pytest.raises(NotAllowed):
        queue.document_retry(document=document, by=approved.officer)
    with pytest.raises(NotAllowed):
        queue.document_retry(document=document, by=UserFactory())

    ready = GeneratedDocument.objects.create(
        convention=approved,
        kind=DocumentKind.SIGNED_CONVENTION,
        version=approved.approved_version,
        status=DocumentStatus.PENDING,
    )
    with pytest.raises(queue.DocumentRefused, match="rien à relancer"):
        queue.document_retry(document=ready, by=approved.staff)
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED


# --- Lookups -----------------------------------------------------------------------------------------


def test_a_ready_document_is_found_by_its_digest(approved, renderers, media):
    document = render.document_render(document_id=a_document(approved).pk)

    assert documents_selectors.find_document_by_sha256(document.sha256.upper()) == document
    assert documents_selectors.find_document_by_sha256("0" * 64) is None
    assert documents_selectors.find_document_by_sha256("abc") is None


def test_download_file_names():
    from conventions.models import ConventionVersion

    convention = ConventionFactory.build(reference="CTG-GRAND-CAHORS-2020")
    version = ConventionVersion(number=1)
    signed = GeneratedDocument(convention=convention, kind=DocumentKind.SIGNED_CONVENTION, version=version)
    plain = GeneratedDocument(convention=convention, kind=DocumentKind.CONVENTION, version=version)

    assert documents_selectors.download_filename(signed) == "CTG-GRAND-CAHORS-2020-v1-signee.pdf"
    assert documents_selectors.download_filename(plain) == "CTG-GRAND-CAHORS-2020-v1.pdf"


@pytest.mark.django_db
def test_a_report_file_name_names_the_committee_and_the_date():
    meeting = MeetingFactory()
    document = GeneratedDocument(convention=meeting.body.convention, kind=DocumentKind.COPIL_REPORT, meeting=meeting)
    reference = meeting.body.convention.reference
    assert documents_selectors.download_filename(document) == f"{reference}-rapport-copil-2024-03-15.pdf"


def test_version_is_signed_reads_the_complete_signature(approved):
    version = approved.approved_version
    assert not conventions_selectors.version_is_signed(version)
    StatusChange.objects.create(
        convention=approved,
        action=LifecycleAction.COMPLETE_SIGNATURE,
        from_status=ConventionStatus.IN_SIGNATURE,
        to_status=ConventionStatus.SIGNED,
        version=version,
        occurred_at=timezone.now(),
    )
    assert conventions_selectors.version_is_signed(version)
