"""Reads of the generated documents: the document centre of a convention, one document for its
download or status, and the lookup by digest the verification page uses."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conventions.choices import REPORT_KINDS, DocumentKind, DocumentStatus
from conventions.models import Convention, ConventionVersion, GeneratedDocument, Meeting
from conventions.selectors import convention_for_user, versions_of


@dataclass
class DocumentSlot:
    """One document the centre offers: its subject (a version or a meeting), and its row if asked for."""

    kind: str
    title: str
    document: GeneratedDocument | None
    version: ConventionVersion | None = None
    meeting: Meeting | None = None

    @property
    def key(self) -> str:
        if self.kind == DocumentKind.DRAFT_CONVENTION:
            return self.kind  # one per convention
        subject = f"v{self.version.pk}" if self.version is not None else f"m{self.meeting.pk}"
        return f"{self.kind}-{subject}"


@dataclass
class DocumentCentre:
    convention: Convention
    version_groups: list  # [(version, [slots])], newest version first
    meeting_slots: list  # [slots], newest meeting first
    draft_slot: DocumentSlot | None = None  # the draft PDF of the live text, while it may be asked for

    @property
    def any_in_progress(self) -> bool:
        slots = [s for _v, group in self.version_groups for s in group] + self.meeting_slots
        if self.draft_slot is not None:
            slots.append(self.draft_slot)
        return any(s.document is not None and s.document.is_in_progress for s in slots)


TITLES = {
    DocumentKind.CONVENTION: _("Convention (PDF)"),
    DocumentKind.SIGNED_CONVENTION: _("Signed convention (PDF)"),
    DocumentKind.COPIL_REPORT: _("Steering committee report (PDF)"),
    DocumentKind.COTECH_REPORT: _("Technical committee report (PDF)"),
    DocumentKind.DRAFT_CONVENTION: _("Draft convention (PDF)"),
}


def document_centre(*, convention: Convention, with_draft: bool = False) -> DocumentCentre:
    """Every version's documents and every meeting's report, in three queries whatever their number;
    with the draft PDF's slot when ``with_draft`` (whoever asks may have it: ``download_draft``)."""
    versions = versions_of(convention=convention)
    documents = list(GeneratedDocument.objects.filter(convention=convention).select_related("requested_by"))
    by_version = {(d.kind, d.version_id): d for d in documents if d.version_id}
    by_meeting = {d.meeting_id: d for d in documents if d.meeting_id}
    draft = next((d for d in documents if d.kind == DocumentKind.DRAFT_CONVENTION), None)
    groups = []
    for version in versions:
        slots = [
            DocumentSlot(
                kind=DocumentKind.CONVENTION,
                title=TITLES[DocumentKind.CONVENTION],
                document=by_version.get((DocumentKind.CONVENTION, version.pk)),
                version=version,
            )
        ]
        if version.is_signed:
            slots.append(
                DocumentSlot(
                    kind=DocumentKind.SIGNED_CONVENTION,
                    title=TITLES[DocumentKind.SIGNED_CONVENTION],
                    document=by_version.get((DocumentKind.SIGNED_CONVENTION, version.pk)),
                    version=version,
                )
            )
        groups.append((version, slots))
    meetings = list(
        Meeting.objects.filter(body__convention=convention).select_related("body").order_by("-held_on", "-pk")
    )
    meeting_slots = [
        DocumentSlot(
            kind=meeting.report_kind,  # a copil meeting's copil report, a cotech meeting's cotech report
            title=TITLES[meeting.report_kind],
            document=by_meeting.get(meeting.pk),
            meeting=meeting,
        )
        for meeting in meetings
    ]
    return DocumentCentre(
        convention=convention,
        version_groups=groups,
        meeting_slots=meeting_slots,
        draft_slot=DocumentSlot(
            kind=DocumentKind.DRAFT_CONVENTION, title=TITLES[DocumentKind.DRAFT_CONVENTION], document=draft
        )
        if with_draft
        else None,
    )


def document_for_user(*, user, convention_pk: int, document_pk: int) -> GeneratedDocument:
    """One document of a convention the user may see, or 404."""
    convention = convention_for_user(user=user, pk=convention_pk)
    document = get_object_or_404(
        GeneratedDocument.objects.select_related("version", "meeting__body", "requested_by"),
        convention=convention,
        pk=document_pk,
    )
    document.convention = convention
    return document


def slot_of(document: GeneratedDocument) -> DocumentSlot:
    """The centre's slot for one document (the status partial polled by htmx)."""
    return DocumentSlot(
        kind=document.kind,
        title=TITLES[document.kind],
        document=document,
        version=document.version,
        meeting=document.meeting,
    )


def documents_for_user(*, user, convention_pk: int) -> tuple[Convention, DocumentCentre]:
    """The convention (404 when not visible) and its document centre as ``user`` may use it."""
    convention = convention_for_user(user=user, pk=convention_pk)
    with_draft = convention.get_abilities(user)["download_draft"]
    return convention, document_centre(convention=convention, with_draft=with_draft)


def document_as_now(*, pk: int) -> GeneratedDocument | None:
    """One document as the database has it now (read again after a commit), or ``None``."""
    return GeneratedDocument.objects.filter(pk=pk).first()


def version_document(*, version: ConventionVersion, kind: str) -> GeneratedDocument | None:
    """The document of ``kind`` of one version, if it was asked for."""
    return GeneratedDocument.objects.filter(version=version, kind=kind, meeting__isnull=True).first()


def find_document_by_sha256(sha256: str) -> GeneratedDocument | None:
    """The ready document whose issued bytes have this SHA-256 (the verification page's lookup)."""
    sha256 = (sha256 or "").strip().lower()
    if len(sha256) != 64:
        return None
    return (
        GeneratedDocument.objects.filter(sha256=sha256, status=DocumentStatus.READY)
        .select_related("convention", "version", "meeting__body")
        .order_by("-finished_at", "-pk")
        .first()
    )


def download_filename(document: GeneratedDocument) -> str:
    """``CTG-GRAND-CAHORS-2020-v1-signee.pdf``, ``…-v2.pdf``, ``…-rapport-copil-2024-03-15.pdf`` (a cotech
    meeting's ``…-rapport-cotech-….pdf``),
    ``…-projet-2026-12-06.pdf``."""
    reference = document.convention.reference
    if document.kind == DocumentKind.DRAFT_CONVENTION:
        day = timezone.localdate(document.finished_at) if document.finished_at else timezone.localdate()
        return f"{reference}-projet-{day:%Y-%m-%d}.pdf"
    if document.kind in REPORT_KINDS:
        meeting = document.meeting
        return f"{reference}-rapport-{meeting.body.kind}-{meeting.held_on:%Y-%m-%d}.pdf"
    suffix = "-signee" if document.kind == DocumentKind.SIGNED_CONVENTION else ""
    return f"{reference}-v{document.version.number}{suffix}.pdf"


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
