"""Documents of record the portal renders in the background: convention PDFs and copil reports."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conventions.choices import REPORT_KINDS, DocumentKind, DocumentStatus
from conventions.models.convention import Convention, Meeting
from conventions.models.workflow import ConventionVersion


def document_path(document: "GeneratedDocument", filename: str) -> str:
    """Private files (no URL serves MEDIA_ROOT); one file per document, replaced when re-rendered."""
    return f"documents/{document.convention_id}/{document.kind}-{document.pk or 'new'}-{filename}"


class GeneratedDocument(models.Model):
    """One PDF the portal issues, with the state of its rendering and the proof of what it holds.

    A convention version has at most one document of each kind, a meeting one report, a convention
    one draft PDF of its live text: asking again reuses it (unless forced, which renders it again in
    place; a draft whose text changed since is rendered again). ``sha256`` is the digest of the exact
    bytes issued, which the verification page looks up.
    """

    convention = models.ForeignKey(
        Convention, verbose_name=_("convention"), on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    version = models.ForeignKey(
        ConventionVersion,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    file = models.FileField(_("file"), upload_to=document_path, blank=True, max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    # A draft PDF: the SHA-256 of the live content it was rendered from (``documents.snapshot``), so that
    # a new request reuses it while the text has not changed.
    content_sha256 = models.CharField(_("SHA-256 of the text shown"), max_length=64, blank=True)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    render_seconds = models.FloatField(_("render time (s)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # A ready document asked for again (forced): its current file stays downloadable, and its status
    # ready, until the new bytes are stored; set while that new rendering is awaited.
    refresh_requested_at = models.DateTimeField(_("new rendering requested at"), null=True, blank=True)
    # The task could not be sent (the broker was unavailable after the commit): the sweeper sends it
    # again once the broker is back.
    enqueue_failed_at = models.DateTimeField(_("task not sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("generated document")
        verbose_name_plural = _("generated documents")
        ordering = ["convention", "-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version"],
                condition=Q(meeting__isnull=True),
                name="document_once_per_version_and_kind",
                violation_error_message=_("This version already has this document."),
            ),
            models.UniqueConstraint(
                fields=["kind", "meeting"],
                condition=Q(meeting__isnull=False),
                name="document_once_per_meeting_and_kind",
                violation_error_message=_("This meeting already has this document."),
            ),
            models.UniqueConstraint(
                fields=["convention"],
                condition=Q(kind=DocumentKind.DRAFT_CONVENTION),
                name="document_draft_once_per_convention",
                violation_error_message=_("This convention already has a draft PDF."),
            ),
            # Convention PDFs belong to a version; copil and cotech reports to a meeting; a draft to the
            # convention alone.
            models.CheckConstraint(
                condition=(
                    Q(kind__in=[DocumentKind.CONVENTION, DocumentKind.SIGNED_CONVENTION])
                    & Q(version__isnull=False, meeting__isnull=True)
                )
                | (Q(kind__in=sorted(REPORT_KINDS)) & Q(meeting__isnull=False))
                | (Q(kind=DocumentKind.DRAFT_CONVENTION) & Q(version__isnull=True, meeting__isnull=True)),
                name="document_subject_matches_kind",
            ),
            # A ready draft says which text it shows.
            models.CheckConstraint(
                condition=~Q(kind=DocumentKind.DRAFT_CONVENTION, status=DocumentStatus.READY)
                | Q(content_sha256__regex=r"^[0-9a-f]{64}$"),
                name="document_ready_draft_has_content_digest",
            ),
            # A ready document has its file and its proof; a failed one says why.
            models.CheckConstraint(
                condition=~Q(status=DocumentStatus.READY)
                | (~Q(file="") & Q(sha256__regex=r"^[0-9a-f]{64}$") & Q(size_bytes__isnull=False)),
                name="document_ready_has_file_and_digest",
            ),
            models.CheckConstraint(
                condition=~Q(status=DocumentStatus.FAILED) | ~Q(error=""),
                name="document_failure_has_error",
            ),
        ]
        indexes = [models.Index(fields=["sha256"])]

    # How long a rendering may be awaited before staff may retry it.
    STALLED_AFTER = datetime.timedelta(minutes=5)

    def __str__(self):
        return f"{self.get_kind_display()} — {self.convention.reference}"

    @property
    def is_ready(self) -> bool:
        return self.status == DocumentStatus.READY

    @property
    def is_in_progress(self) -> bool:
        return self.status in (DocumentStatus.PENDING, DocumentStatus.RUNNING)

    @property
    def is_refreshing(self) -> bool:
        """A ready document being rendered again (its current file is still the one served)."""
        return self.status == DocumentStatus.READY and self.refresh_requested_at is not None

    @property
    def awaits_rendering(self) -> bool:
        """A rendering is expected: pending, running, or a new one for a ready document."""
        return self.is_in_progress or self.is_refreshing

    @property
    def awaits_broker(self) -> bool:
        """Awaited, but its task could not be sent (the broker was unavailable): the sweeper sends it."""
        return self.awaits_rendering and self.enqueue_failed_at is not None

    @property
    def is_stalled(self) -> bool:
        """Awaited for so long that its task is probably lost: staff may retry it.

        Waiting (pending, or a new rendering of a ready document) for ``STALLED_AFTER``, or running
        for longer than the task's hard time limit plus ``STALLED_AFTER``.
        """
        now = timezone.now()
        if self.status == DocumentStatus.RUNNING:
            limit = datetime.timedelta(seconds=settings.DOCUMENT_RENDER_TIME_LIMIT + 30) + self.STALLED_AFTER
            return self.started_at is None or self.started_at <= now - limit
        return self.awaits_rendering and self.requested_at <= now - self.STALLED_AFTER
