"""Rendering a document of record: the work of the Celery task ``render_document``.

:func:`document_render` renders the PDF to bytes (``documents.convention_pdf``, ``documents.report_pdf``),
stores it under a new file name, then switches the row to it in one transaction. A document is never
half written: a failed or interrupted render leaves the previous file (if any) and a row saying what
happened. A redelivered task (a worker killed mid-render, ``acks_late``) finishes a pending or running
document and returns at once for a ready one; a task superseded by a later request (``force``) leaves
the document to the newer task.
"""

import hashlib
import logging
import time
import uuid

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from conventions.choices import REPORT_KINDS, DocumentKind, DocumentStatus
from conventions.models import GeneratedDocument
from documents.convention_pdf import render_convention_pdf, render_draft_convention_pdf
from documents.rendering import DocumentRenderError, page_count
from documents.report_pdf import render_copil_report_pdf
from documents.selectors import download_filename
from documents.services.queue import document_request

logger = logging.getLogger(__name__)

# Errors a later attempt may cure (a full disk, a lost database connection, a lock held too long):
# the task retries them with a backoff. Anything else marks the document failed at once.
TRANSIENT_ERRORS = (OSError, OperationalError)


def render_bytes(document: GeneratedDocument) -> tuple[bytes, str]:
    """The final bytes of ``document`` (already signed by the portal's certificate), and for a draft
    the SHA-256 of the live content it shows ("" for the others, whose subject never changes)."""
    if document.kind in REPORT_KINDS:
        return render_copil_report_pdf(document.meeting), ""
    if document.kind == DocumentKind.DRAFT_CONVENTION:
        return render_draft_convention_pdf(document.convention)
    return render_convention_pdf(document.version, signed=document.kind == DocumentKind.SIGNED_CONVENTION), ""


def _mark_failed(document_id: int, message: str, *, task_id: str | None = None) -> GeneratedDocument:
    """Records a failed rendering, unless a newer task took the document over. A ready document
    keeps its status and its file: only the new rendering failed, and ``error`` says why."""
    message = message[:4000] or _("Unknown error.")
    with transaction.atomic():
        document = GeneratedDocument.objects.select_for_update().get(pk=document_id)
        if _superseded(document, task_id):
            return document
        if document.status == DocumentStatus.READY:
            if document.refresh_requested_at is not None:
                document.refresh_requested_at = None
                document.error = message
                document.save(update_fields=["refresh_requested_at", "error"])
            return document
        document.status = DocumentStatus.FAILED
        document.error = message
        document.finished_at = timezone.now()
        document.save(update_fields=["status", "error", "finished_at"])
    return document


def _note_transient_failure(document_id: int, message: str, *, task_id: str | None) -> None:
    """An attempt met an error a later one may cure (a CRL, OCSP or timestamp server down, a full disk): the
    row goes back to waiting, saying why, while the task retries it. Staff see the reason and, once the
    wait lasts (``is_stalled``), may retry at once; a ready document being rendered again stays ready."""
    message = message[:4000]
    with transaction.atomic():
        document = GeneratedDocument.objects.select_for_update().filter(pk=document_id).first()
        if document is None or _superseded(document, task_id) or not document.awaits_rendering:
            return
        if document.status == DocumentStatus.RUNNING:
            document.status = DocumentStatus.PENDING
        document.error = message
        document.save(update_fields=["status", "error"])


def document_mark_failed(
    *, document_id: int, error: BaseException | str, task_id: str | None = None
) -> GeneratedDocument | None:
    """What the task's ``on_failure`` records when an error escaped (retries exhausted, time limit)."""
    message = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    try:
        return _mark_failed(document_id, message, task_id=task_id)
    except GeneratedDocument.DoesNotExist:
        return None


def _time_limit_message() -> str:
    return _("The rendering took longer than %(seconds)s seconds and was stopped.") % {
        "seconds": settings.DOCUMENT_RENDER_TIME_LIMIT
    }


def _superseded(document: GeneratedDocument, task_id: str | None) -> bool:
    """Whether a later request gave this document to another task than ``task_id``."""
    return bool(task_id and document.task_id and document.task_id != task_id)


def document_render(*, document_id: int, task_id: str | None = None) -> GeneratedDocument:
    """Render one document if it is pending, running or asked for again; returns it (ready, failed,
    or left to a newer task).

    Transient errors (``TRANSIENT_ERRORS``) propagate so that the task retries; any other error marks
    the document failed with a readable message and returns it. A ready document rendered again stays
    ready (its file served) while this runs.
    """
    with transaction.atomic():
        document = GeneratedDocument.objects.select_for_update().get(pk=document_id)
        if _superseded(document, task_id) or not document.awaits_rendering:
            return document
        if not document.is_refreshing:
            document.status = DocumentStatus.RUNNING
        document.started_at = timezone.now()
        document.attempts += 1
        document.enqueue_failed_at = None
        document.save(update_fields=["status", "started_at", "attempts", "enqueue_failed_at"])

    document = GeneratedDocument.objects.select_related(
        "convention", "version__convention", "meeting__body__convention"
    ).get(pk=document_id)
    started = time.perf_counter()
    try:
        data, content_sha256 = render_bytes(document)
        if not data.startswith(b"%PDF"):
            raise DocumentRenderError(_("The renderer did not produce a PDF."))
        pages = page_count(data)
    except TRANSIENT_ERRORS as error:
        try:
            _note_transient_failure(document_id, f"{type(error).__name__}: {error}", task_id=task_id)
        except OperationalError:  # the database itself is what failed: the retry matters, not the note
            logger.warning("Could not note the transient failure of document %s", document_id, exc_info=True)
        raise  # the task retries it with a backoff; once it gives up, its on_failure marks the document failed
    except SoftTimeLimitExceeded:
        return _mark_failed(document_id, _time_limit_message(), task_id=task_id)
    except DocumentRenderError as error:
        if isinstance(error.__cause__, SoftTimeLimitExceeded):  # raised inside WeasyPrint, wrapped
            return _mark_failed(document_id, _time_limit_message(), task_id=task_id)
        return _mark_failed(document_id, str(error), task_id=task_id)
    except Exception as error:  # a bug in a template or a renderer: recorded, never retried
        logger.exception("Rendering document %s failed", document_id)
        return _mark_failed(document_id, f"{type(error).__name__}: {error}", task_id=task_id)
    seconds = time.perf_counter() - started
    return _store(document, data, pages=pages, seconds=seconds, task_id=task_id, content_sha256=content_sha256)


def _store(
    document: GeneratedDocument, data: bytes, *, pages: int, seconds: float, task_id, content_sha256: str = ""
) -> GeneratedDocument:
    """Save the bytes under a new name, then switch the row to them in one transaction; the previous
    file is deleted after the commit, the new one if the switch does not happen."""
    field = GeneratedDocument._meta.get_field("file")
    storage = field.storage
    stem = slugify(download_filename(document).removesuffix(".pdf"))
    name = storage.save(
        field.generate_filename(document, f"{stem}-{uuid.uuid4().hex[:12]}.pdf"),
        ContentFile(data),
        max_length=field.max_length,
    )
    switched = False
    try:
        with transaction.atomic():
            locked = GeneratedDocument.objects.select_for_update().get(pk=document.pk)
            if not locked.awaits_rendering or _superseded(locked, task_id):
                return locked  # another delivery finished first, or a newer request took over
            previous = locked.file.name
            locked.file.name = name
            locked.sha256 = hashlib.sha256(data).hexdigest()
            locked.size_bytes = len(data)
            locked.page_count = pages
            locked.content_sha256 = content_sha256
            locked.render_seconds = round(seconds, 3)
            locked.status = DocumentStatus.READY
            locked.error = ""
            locked.finished_at = timezone.now()
            locked.refresh_requested_at = None
            locked.enqueue_failed_at = None
            locked.save()
            if previous and previous != name:
                transaction.on_commit(lambda: storage.delete(previous))
        switched = True
        return locked
    finally:
        if not switched:
            storage.delete(name)


def document_generate_now(
    *, convention, kind: str, version=None, meeting=None, force: bool = False
) -> GeneratedDocument:
    """For operators (``manage.py generate_document``): the same service, run in this process."""
    document = document_request(
        convention=convention, kind=kind, by=None, version=version, meeting=meeting, force=force, queue=False
    )
    if document.awaits_rendering:
        document = document_render(document_id=document.pk)
    return document
