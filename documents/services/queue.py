"""Asking for a document of record, retrying it, and sending again what a broker outage left waiting.

:func:`document_request` (a page, the last signature, the command) finds or creates the
:class:`~conventions.models.GeneratedDocument` row, marks it pending and queues the Celery task
``render_document`` once the transaction commits (``documents.services.render`` does the task's work).

Idempotence: the same version reuses its document unless forced; forcing a ready document never takes
its file away: the row stays ready (downloadable, verifiable) with ``refresh_requested_at`` set until
the new bytes replace the old ones. The draft PDF of a convention's live text (one per convention) is
reused while the text has not changed (the SHA-256 of its content, ``documents.snapshot``), and
rendered again, in place, as soon as it has.

A broker outage never fails the request: the task is sent after the commit by
:func:`ctg_portal.queueing.enqueue_on_commit`; a publish that fails is logged and noted on the row
(``enqueue_failed_at``), and :func:`documents_requeue_stalled` (Celery beat, every five minutes)
sends it again once the broker is back, as it does for a task lost otherwise.
"""

import logging
import uuid
from datetime import datetime
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conventions import render_cache
from conventions.choices import DocumentKind, DocumentStatus
from conventions.models import Convention, ConventionVersion, GeneratedDocument, Meeting
from conventions.permissions import ROLE_REFUSALS, draft_pdf_refusal
from conventions.selectors import version_is_signed
from ctg_portal.errors import NotAllowed, PortalError
from ctg_portal.queueing import enqueue, enqueue_on_commit
from documents.selectors import stalled_documents
from documents.snapshot import build_content, content_sha256

logger = logging.getLogger(__name__)


class DocumentRefused(PortalError):
    """This document cannot be asked for (the message says why)."""


def _render_task():
    """The Celery task that renders a document. Imported here, the one import inside a function of this
    app: the task module imports the services it calls (Celery's services ↔ tasks pair)."""
    from documents.tasks import render_document

    return render_document


def _check_may_ask(convention: Convention, by, *, manage: bool, refusal: str) -> None:
    """``by`` may see the convention's documents, and manage them (force, retry) when ``manage``."""
    if by is None:  # the portal itself: the last signature, an operator's command
        return
    abilities = convention.get_abilities(by)
    if not abilities["download_documents"]:
        raise NotAllowed(ROLE_REFUSALS["download_documents"])
    if manage and not abilities["manage_documents"]:
        raise NotAllowed(ROLE_REFUSALS[refusal])


def _check_subject(*, convention: Convention, kind: str, version, meeting, by) -> tuple:
    if kind not in DocumentKind.values:
        raise DocumentRefused(_("Unknown kind of document."))
    if kind == DocumentKind.DRAFT_CONVENTION:
        if by is not None and not convention.get_abilities(by)["download_draft"]:
            raise DocumentRefused(draft_pdf_refusal(convention))
        return None, None
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
    if kind != meeting.report_kind:  # a cotech meeting has a cotech report, never a copil report
        raise DocumentRefused(
            _("This meeting is one of the %(body)s: its report is the “%(kind)s”.")
            % {"body": meeting.body.name, "kind": DocumentKind(meeting.report_kind).label}
        )
    return None, meeting


def _find_or_create(*, convention, kind, version, meeting, by) -> tuple[GeneratedDocument, bool]:
    """The document's row, locked; created pending when it did not exist (a concurrent creation wins)."""
    lookup = {"kind": kind, "version": version, "meeting": meeting}
    if kind == DocumentKind.DRAFT_CONVENTION:
        lookup["convention"] = convention
    found = GeneratedDocument.objects.select_for_update().filter(**lookup).first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            fields = {"convention": convention, **lookup}
            return GeneratedDocument.objects.create(requested_by=by, **fields), True
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
    render_cache.touch(GeneratedDocument.objects.filter(pk=document_id).values("convention_id"))  # no post_save


def _queue_on_commit(document: GeneratedDocument) -> None:
    """A task id of its own, stored with the row; the task is sent once the row is committed. Any
    earlier task of the row is superseded (it returns at once if it is ever delivered)."""
    task_id = str(uuid.uuid4())
    document.task_id = task_id
    document.enqueue_failed_at = None
    enqueue_on_commit(
        _render_task(), (document.pk,), task_id=task_id, on_failure=partial(_note_unsent, document.pk, task_id)
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
    The draft PDF (``DocumentKind.DRAFT_CONVENTION``, no version) is reused while it is being rendered
    or is ready with the text as it stands; otherwise it is rendered again (a failed one too: the text
    may have been fixed since), by whoever may see the convention.
    Raises ``NotAllowed`` or ``DocumentRefused``.
    """
    _check_may_ask(convention, by, manage=force, refusal="manage_documents")
    version, meeting = _check_subject(convention=convention, kind=kind, version=version, meeting=meeting, by=by)
    with transaction.atomic():
        document, created = _find_or_create(convention=convention, kind=kind, version=version, meeting=meeting, by=by)
        renew = created or force or (not queue and document.status == DocumentStatus.FAILED)
        if kind == DocumentKind.DRAFT_CONVENTION and not renew:
            renew = _draft_outdated(document, convention)
        if not renew:
            return document
        _reset(document, by=by)
        if queue:
            _queue_on_commit(document)
        else:
            document.task_id = ""
        document.save()
    return document


def _draft_outdated(document: GeneratedDocument, convention: Convention) -> bool:
    """Whether a draft PDF must be rendered again: not awaited, and not ready with today's text."""
    if document.awaits_rendering:
        return False  # the rendering to come reads the text as it will stand then
    if document.status != DocumentStatus.READY:
        return True
    return document.content_sha256 != content_sha256(build_content(convention))


def document_retry(*, document: GeneratedDocument, by) -> GeneratedDocument:
    """Queue a failed document again, or one whose rendering has been awaited too long (its task was
    lost: a broker outage, a worker gone); staff only. A ready document being rendered again keeps
    its file meanwhile."""
    _check_may_ask(document.convention, by, manage=True, refusal="retry_documents")
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


# --- Sending again what a broker outage (or a lost worker) left waiting -------------------------------


def documents_requeue_stalled(*, now: datetime | None = None) -> int:
    """Sends a new task for each stalled document (the sweeper, every five minutes); returns how many.

    Each gets a new task id, so that a late delivery of its old task returns at once instead of
    rendering twice. Stops at the first publish that fails: the broker is still down, the next sweep
    tries again. Idempotent: a document sent again is no longer stalled. Runs outside any transaction
    (a Celery task): each row is committed before its task is sent.
    """
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
        if not enqueue(_render_task(), (document.pk,), task_id=document.task_id):
            _note_unsent(document.pk, document.task_id)
            break  # the broker is still down: the next sweep tries again
        count += 1
    return count
