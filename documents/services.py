"""Documents of record: asking for one, rendering it in the background, retrying it.

The flow: :func:`document_request` (a page, the last signature, the command) finds or creates the
:class:`~conventions.models.GeneratedDocument` row, marks it pending and queues the Celery task
``render_document`` once the transaction commits; the task calls :func:`document_render`, which
renders the PDF to bytes, stores it under a new file name, then switches the row to it in one
transaction. A document is never half written: a failed or interrupted render leaves the previous
file (if any) and a row saying what happened.

Idempotence: the same version reuses its document unless forced; a redelivered task (a worker killed
mid-render, ``acks_late``) finishes a pending or running document and returns at once for a ready one;
a task superseded by a later request (``force``) leaves the document to the newer task.
"""

import hashlib
import importlib
import logging
import time
import uuid
from collections.abc import Callable

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from conventions.choices import DocumentKind, DocumentStatus, LifecycleAction
from conventions.models import Convention, ConventionVersion, GeneratedDocument, Meeting, StatusChange
from ctg_portal.errors import NotAllowed, PortalError
from documents.rendering import DocumentRenderError, page_count

logger = logging.getLogger(__name__)

# Errors a later attempt may cure (a full disk, a lost database connection, a lock held too long):
# the task retries them with a backoff. Anything else marks the document failed at once.
TRANSIENT_ERRORS = (OSError, OperationalError)


class DocumentRefused(PortalError):
    """This document cannot be asked for (the message says why)."""


# --- Renderers (helpers B and C write them; looked up when used) ------------------------------------

RENDERERS = {
    DocumentKind.CONVENTION: ("documents.convention_pdf", "render_convention_pdf"),
    DocumentKind.SIGNED_CONVENTION: ("documents.convention_pdf", "render_convention_pdf"),
    DocumentKind.COPIL_REPORT: ("documents.report_pdf", "render_copil_report_pdf"),
}


def _renderer_function(kind: str) -> Callable | None:
    module_name, function_name = RENDERERS[kind]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        return None
    return getattr(module, function_name, None)


def renderer_available(kind: str) -> bool:
    return _renderer_function(kind) is not None


def render_bytes(document: GeneratedDocument) -> bytes:
    """The final bytes of ``document`` (already signed by the portal's certificate)."""
    function = _renderer_function(document.kind)
    if function is None:
        raise DocumentRenderError(_("This kind of document cannot be generated on this portal yet."))
    if document.kind == DocumentKind.COPIL_REPORT:
        return function(document.meeting)
    return function(document.version, signed=document.kind == DocumentKind.SIGNED_CONVENTION)


# --- Facts about versions and documents -----------------------------------------------------------


def version_is_signed(version: ConventionVersion) -> bool:
    """Whether every signatory signed this version (the last signature recorded COMPLETE_SIGNATURE)."""
    return StatusChange.objects.filter(version=version, action=LifecycleAction.COMPLETE_SIGNATURE).exists()


def download_filename(document: GeneratedDocument) -> str:
    """``CTG-GRAND-CAHORS-2020-v1-signee.pdf``, ``…-v2.pdf``, ``…-rapport-copil-2024-03-15.pdf``."""
    reference = document.convention.reference
    if document.kind == DocumentKind.COPIL_REPORT:
        meeting = document.meeting
        return f"{reference}-rapport-{meeting.body.kind}-{meeting.held_on:%Y-%m-%d}.pdf"
    suffix = "-signee" if document.kind == DocumentKind.SIGNED_CONVENTION else ""
    return f"{reference}-v{document.version.number}{suffix}.pdf"


def _may_manage(user, convention: Convention) -> bool:
    """Forcing a new rendering or retrying a failed one: the intercommunality's staff only."""
    from conventions.permissions import is_epci_staff

    return bool(user is not None and is_epci_staff(user, convention))


# --- Asking for a document --------------------------------------------------------------------------


def _check_subject(*, convention: Convention, kind: str, version, meeting) -> tuple:
    if kind not in DocumentKind.values:
        raise DocumentRefused(_("Unknown kind of document."))
    if kind in (DocumentKind.CONVENTION, DocumentKind.SIGNED_CONVENTION):
        if version is None or version.convention_id != convention.pk:
            raise DocumentRefused(_("Choose a version of this convention."))
        if kind == DocumentKind.SIGNED_CONVENTION and not version_is_signed(version):
            raise DocumentRefused(
                _("Version %(number)s has not been signed by every signatory: there is no signed convention yet.")
                % {"number": version.number}
            )
        return version, None
    if meeting is None or meeting.body.convention_id != convention.pk:
        raise DocumentRefused(_("Choose a meeting of this convention's committees."))
    if not renderer_available(kind):
        raise DocumentRefused(_("Steering committee reports cannot be generated on this portal yet."))
    return None, meeting


def _find_or_create(*, convention, kind, version, meeting, by) -> tuple[GeneratedDocument, bool]:
    """The document's row, locked; created pending when it did not exist (a concurrent creation wins)."""
    lookup = {"kind": kind, "version": version, "meeting": meeting}
    found = GeneratedDocument.objects.select_for_update().filter(**lookup).first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            return GeneratedDocument.objects.create(convention=convention, requested_by=by, **lookup), True
    except IntegrityError:
        return GeneratedDocument.objects.select_for_update().get(**lookup), False


def _reset(document: GeneratedDocument, *, by) -> None:
    document.status = DocumentStatus.PENDING
    document.error = ""
    document.requested_by = by
    document.requested_at = timezone.now()
    document.started_at = None
    document.finished_at = None


def _queue_on_commit(document: GeneratedDocument) -> None:
    """A task id of its own, stored with the row; the task is sent once the row is committed."""
    from documents.tasks import render_document

    task_id = str(uuid.uuid4())
    document.task_id = task_id
    document_id = document.pk
    transaction.on_commit(lambda: render_document.apply_async((document_id,), task_id=task_id))


def document_request(
    *,
    convention: Convention,
    kind: str,
    by,
    version: ConventionVersion | None = None,
    meeting: Meeting | None = None,
    force: bool = False,
    queue: bool = True,
) -> GeneratedDocument:
    """The document of ``kind`` for ``version`` (or ``meeting``), rendered in the background if needed.

    An existing document is reused as it is (ready, in progress, or failed: staff retry it) unless
    ``force``, which renders it again (staff only). ``by=None`` is the portal itself (the last
    signature, an operator's command). ``queue=False`` prepares the row without sending a task (the
    command renders it itself, and then also re-renders a failed document).
    Raises ``NotAllowed`` or ``DocumentRefused``.
    """
    if by is not None:
        if not convention.get_abilities(by)["download_documents"]:
            raise NotAllowed(_("You cannot see this convention's documents."))
        if force and not _may_manage(by, convention):
            raise NotAllowed(_("Only the intercommunality's staff can generate a document again."))
    version, meeting = _check_subject(convention=convention, kind=kind, version=version, meeting=meeting)
    with transaction.atomic():
        document, created = _find_or_create(convention=convention, kind=kind, version=version, meeting=meeting, by=by)
        renew = created or force or (not queue and document.status == DocumentStatus.FAILED)
        if not renew:
            return document
        _reset(document, by=by)
        if queue:
            _queue_on_commit(document)
        else:
            document.task_id = ""
        document.save()
    return document


def document_retry(*, document: GeneratedDocument, by) -> GeneratedDocument:
    """Queue a failed document again (staff only)."""
    convention = document.convention
    if not convention.get_abilities(by)["download_documents"]:
        raise NotAllowed(_("You cannot see this convention's documents."))
    if not _may_manage(by, convention):
        raise NotAllowed(_("Only the intercommunality's staff can retry a failed document."))
    with transaction.atomic():
        locked = GeneratedDocument.objects.select_for_update().get(pk=document.pk)
        if locked.status != DocumentStatus.FAILED:
            raise DocumentRefused(_("This document has not failed: there is nothing to retry."))
        _reset(locked, by=by)
        _queue_on_commit(locked)
        locked.save()
    return locked


def request_signed_convention_on_commit(convention: Convention, version: ConventionVersion | None) -> None:
    """Called by the lifecycle when the last signature lands: the signed PDF is asked for once the
    signature is committed. A failure here never undoes the signature: it is logged, and staff can
    ask for the document from the document centre. Not while a past history is replayed (the demo's
    2020 signature): the document is then generated when someone asks for it."""
    from workflow.services.notifications import replaying_history

    if version is None or replaying_history():
        return

    def request():
        try:
            document_request(convention=convention, kind=DocumentKind.SIGNED_CONVENTION, by=None, version=version)
        except Exception:
            logger.exception("Could not request the signed PDF of %s version %s", convention.reference, version.number)

    transaction.on_commit(request)


# --- Rendering (the task's work) -------------------------------------------------------------------


def _mark_failed(document_id: int, message: str) -> GeneratedDocument:
    with transaction.atomic():
        document = GeneratedDocument.objects.select_for_update().get(pk=document_id)
        if document.status == DocumentStatus.READY:
            return document
        document.status = DocumentStatus.FAILED
        document.error = message[:4000] or _("Unknown error.")
        document.finished_at = timezone.now()
        document.save(update_fields=["status", "error", "finished_at"])
    return document


def document_mark_failed(*, document_id: int, error: BaseException | str) -> GeneratedDocument | None:
    """What the task's ``on_failure`` records when an error escaped (retries exhausted, time limit)."""
    message = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    try:
        return _mark_failed(document_id, message)
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
    """Render one document if it is pending or running; returns it (ready, failed, or left to a newer task).

    Transient errors (``TRANSIENT_ERRORS``) propagate so that the task retries; any other error marks
    the document failed with a readable message and returns it.
    """
    with transaction.atomic():
        document = GeneratedDocument.objects.select_for_update().get(pk=document_id)
        if document.status in (DocumentStatus.READY, DocumentStatus.FAILED) or _superseded(document, task_id):
            return document
        document.status = DocumentStatus.RUNNING
        document.started_at = timezone.now()
        document.attempts += 1
        document.save(update_fields=["status", "started_at", "attempts"])

    document = GeneratedDocument.objects.select_related(
        "convention", "version__convention", "meeting__body__convention"
    ).get(pk=document_id)
    started = time.perf_counter()
    try:
        data = render_bytes(document)
        if not data.startswith(b"%PDF"):
            raise DocumentRenderError(_("The renderer did not produce a PDF."))
        pages = page_count(data)
    except TRANSIENT_ERRORS:
        raise
    except SoftTimeLimitExceeded:
        return _mark_failed(document_id, _time_limit_message())
    except DocumentRenderError as error:
        if isinstance(error.__cause__, SoftTimeLimitExceeded):  # raised inside WeasyPrint, wrapped
            return _mark_failed(document_id, _time_limit_message())
        return _mark_failed(document_id, str(error))
    except Exception as error:  # a bug in a template or a renderer: recorded, never retried
        logger.exception("Rendering document %s failed", document_id)
        return _mark_failed(document_id, f"{type(error).__name__}: {error}")
    seconds = time.perf_counter() - started
    return _store(document, data, pages=pages, seconds=seconds, task_id=task_id)


def _store(document: GeneratedDocument, data: bytes, *, pages: int, seconds: float, task_id) -> GeneratedDocument:
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
            if locked.status == DocumentStatus.READY or _superseded(locked, task_id):
                return locked  # another delivery finished first, or a newer request took over
            previous = locked.file.name
            locked.file.name = name
            locked.sha256 = hashlib.sha256(data).hexdigest()
            locked.size_bytes = len(data)
            locked.page_count = pages
            locked.render_seconds = round(seconds, 3)
            locked.status = DocumentStatus.READY
            locked.error = ""
            locked.finished_at = timezone.now()
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
    if document.status in (DocumentStatus.PENDING, DocumentStatus.RUNNING):
        document = document_render(document_id=document.pk)
    return document


def find_document_by_sha256(sha256: str) -> GeneratedDocument | None:
    """The ready document whose issued bytes have this SHA-256, or ``None`` (for the verification)."""
    from documents.selectors import find_document_by_sha256 as find

    return find(sha256)
