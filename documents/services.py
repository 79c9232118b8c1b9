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

Forcing a ready document never takes its file away: the row stays ready (downloadable, verifiable)
with ``refresh_requested_at`` set until the new bytes replace the old ones; a failed new rendering
leaves the previous file and says why.

A broker outage never fails the request: the task is sent after the commit by
:func:`ctg_portal.queueing.enqueue_on_commit`; a publish that fails is logged and noted on the row
(``enqueue_failed_at``), and :func:`documents_requeue_stalled` (Celery beat, every five minutes)
sends it again once the broker is back, as it does for a task lost otherwise.
"""

import hashlib
import importlib
import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from conventions.choices import DocumentKind, DocumentStatus, LifecycleAction
from conventions.models import Convention, ConventionVersion, GeneratedDocument, Meeting, StatusChange
from ctg_portal.errors import NotAllowed, PortalError
from ctg_portal.queueing import enqueue, enqueue_on_commit
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
    """Asks for a new rendering. A ready document keeps its status and its file until the new bytes
    are stored (``refresh_requested_at``); any other starts again from pending."""
    now = timezone.now()
    document.error = ""
    document.requested_by = by
    document.requested_at = now
    document.started_at = None
    if document.status == DocumentStatus.READY:
        document.refresh_requested_at = now
        return
    document.status = DocumentStatus.PENDING
    document.finished_at = None
    document.refresh_requested_at = None


def _note_unsent(document_id: int, task_id: str) -> None:
    """The broker refused the task: the row says so (the page, the sweeper), unless a newer task took over."""
    GeneratedDocument.objects.filter(pk=document_id, task_id=task_id).update(enqueue_failed_at=timezone.now())


def _queue_on_commit(document: GeneratedDocument) -> None:
    """A task id of its own, stored with the row; the task is sent once the row is committed. Any
    earlier task of the row is superseded (it returns at once if it is ever delivered)."""
    from documents.tasks import render_document

    task_id = str(uuid.uuid4())
    document.task_id = task_id
    document.enqueue_failed_at = None
    enqueue_on_commit(
        render_document, (document.pk,), task_id=task_id, on_failure=partial(_note_unsent, document.pk, task_id)
    )


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
    """Queue a failed document again, or one whose rendering has been awaited too long (its task was
    lost: a broker outage, a worker gone); staff only. A ready document being rendered again keeps
    its file meanwhile."""
    convention = document.convention
    if not convention.get_abilities(by)["download_documents"]:
        raise NotAllowed(_("You cannot see this convention's documents."))
    if not _may_manage(by, convention):
        raise NotAllowed(_("Only the intercommunality's staff can retry a failed document."))
    with transaction.atomic():
        locked = GeneratedDocument.objects.select_for_update().get(pk=document.pk)
        if locked.status != DocumentStatus.FAILED and not locked.is_stalled:
            raise DocumentRefused(_("This document has not failed and is not stuck: there is nothing to retry yet."))
        _reset(locked, by=by)
        _queue_on_commit(locked)
        locked.save()
    return locked


def request_signed_convention_on_commit(convention: Convention, version: ConventionVersion | None) -> None:
    """Called by the lifecycle when the last signature lands: the signed PDF is asked for once the
    signature is committed. A failure here never undoes the signature: it is logged, and staff can
    ask for the document from the document centre."""
    if version is None:
        return

    def request():
        try:
            document_request(convention=convention, kind=DocumentKind.SIGNED_CONVENTION, by=None, version=version)
        except Exception:
            logger.exception("Could not request the signed PDF of %s version %s", convention.reference, version.number)

    transaction.on_commit(request)


# --- Rendering (the task's work) -------------------------------------------------------------------


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
        data = render_bytes(document)
        if not data.startswith(b"%PDF"):
            raise DocumentRenderError(_("The renderer did not produce a PDF."))
        pages = page_count(data)
    except TRANSIENT_ERRORS:
        raise
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
            if not locked.awaits_rendering or _superseded(locked, task_id):
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


# --- Sending again what a broker outage (or a lost worker) left waiting -------------------------------

# A task sent without error but not started after this long was lost (Redis restarted without its
# data, a worker host gone): sent again. Shorter would send duplicates whenever the queue is long.
LOST_TASK_AFTER = timedelta(hours=1)


def stalled_documents(*, now: datetime | None = None):
    """Documents awaiting a rendering no task will do: the publish failed (at once), or the task was
    sent but never started (``LOST_TASK_AFTER``), or it started and outlived its hard time limit."""
    now = now or timezone.now()
    hard_limit = timedelta(seconds=settings.DOCUMENT_RENDER_TIME_LIMIT + 30) + GeneratedDocument.STALLED_AFTER
    waiting = Q(status=DocumentStatus.PENDING) | Q(status=DocumentStatus.READY, refresh_requested_at__isnull=False)
    unsent = Q(enqueue_failed_at__isnull=False)
    lost = Q(requested_at__lte=now - LOST_TASK_AFTER) & (
        Q(status=DocumentStatus.PENDING) | Q(status=DocumentStatus.READY, started_at__isnull=True)
    )
    # A new rendering of a ready document that started: ``started_at`` says when.
    outlived = Q(status=DocumentStatus.RUNNING, started_at__lte=now - hard_limit) | Q(
        status=DocumentStatus.READY, refresh_requested_at__isnull=False, started_at__lte=now - hard_limit
    )
    return GeneratedDocument.objects.filter((waiting & (unsent | lost)) | outlived).order_by("requested_at", "pk")


def documents_requeue_stalled(*, now: datetime | None = None) -> int:
    """Sends a new task for each stalled document (the sweeper, every five minutes); returns how many.

    Each gets a new task id, so that a late delivery of its old task returns at once instead of
    rendering twice. Stops at the first publish that fails: the broker is still down, the next sweep
    tries again. Idempotent: a document sent again is no longer stalled. Runs outside any transaction
    (a Celery task): each row is committed before its task is sent.
    """
    from documents.tasks import render_document

    now = now or timezone.now()
    count = 0
    for document_id in list(stalled_documents(now=now).values_list("pk", flat=True)):
        with transaction.atomic():
            document = stalled_documents(now=now).select_for_update().filter(pk=document_id).first()
            if document is None:
                continue  # rendered or sent again meanwhile
            if document.status == DocumentStatus.RUNNING:
                document.status = DocumentStatus.PENDING
            document.started_at = None
            document.requested_at = now  # asked again now: counted as lost again only an hour from now
            document.task_id = str(uuid.uuid4())
            document.enqueue_failed_at = None
            document.save(update_fields=["status", "started_at", "requested_at", "task_id", "enqueue_failed_at"])
        if not enqueue(render_document, (document.pk,), task_id=document.task_id):
            _note_unsent(document.pk, document.task_id)
            break  # the broker is still down: the next sweep tries again
        count += 1
    return count


def find_document_by_sha256(sha256: str) -> GeneratedDocument | None:
    """The ready document whose issued bytes have this SHA-256, or ``None`` (for the verification)."""
    from documents.selectors import find_document_by_sha256 as find

    return find(sha256)
