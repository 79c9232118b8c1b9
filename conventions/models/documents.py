"""Documents of record the portal renders in the background: convention PDFs and copil reports."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conventions.choices import DocumentKind, DocumentStatus
from conventions.models.convention import Convention, Meeting
from conventions.models.workflow import ConventionVersion


def document_path(document: "GeneratedDocument", filename: str) -> str:
    """Private files (no URL serves MEDIA_ROOT); one file per document, replaced when re-rendered."""
    return f"documents/{document.convention_id}/{document.kind}-{document.pk or 'new'}-{filename}"


class GeneratedDocument(models.Model):
    """One PDF the portal issues, with the state of its rendering and the proof of what it holds.

    A convention version has at most one document of each kind, a meeting one report: asking again
    reuses it (unless forced, which renders it again in place). ``sha256`` is the digest of the exact
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
            # Convention PDFs belong to a version; copil reports to a meeting.
            models.CheckConstraint(
                condition=(
                    Q(kind__in=[DocumentKind.CONVENTION, DocumentKind.SIGNED_CONVENTION])
                    & Q(version__isnull=False, meeting__isnull=True)
                )
                | (Q(kind=DocumentKind.COPIL_REPORT) & Q(meeting__isnull=False)),
                name="document_subject_matches_kind",
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

    def __str__(self):
        return f"{self.get_kind_display()} — {self.convention.reference}"

    @property
    def is_ready(self) -> bool:
        return self.status == DocumentStatus.READY

    @property
    def is_in_progress(self) -> bool:
        return self.status in (DocumentStatus.PENDING, DocumentStatus.RUNNING)
