"""Review, versions, signatures and notifications: what the lifecycle of a convention records."""

import hashlib
import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conventions.choices import CommentAnchor, ConventionStatus, LifecycleAction, NotificationKind, SignatureMethod
from conventions.models.convention import Article, Convention, Party
from partners.models import Representative


class ImmutableRecordError(Exception):
    """Raised when code tries to change or delete a record that must never change once taken."""


class ConventionVersion(models.Model):
    """The whole contractual content of a convention at an approval, frozen, with its SHA-256.

    ``content_json`` holds the exact canonical serialisation that was hashed (see
    ``workflow.services.versions``), so the hash can be checked again from the row alone, years
    later. Nothing may change a version: ``save`` refuses an existing row, ``delete`` refuses always,
    and a database trigger (migration 0005) refuses any UPDATE, even through ``QuerySet.update``.
    """

    convention = models.ForeignKey(
        Convention, verbose_name=_("convention"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    amendment_number = models.PositiveSmallIntegerField(_("amendment number"), default=0)
    content_json = models.TextField(_("canonical content"))
    content_sha256 = models.CharField(_("SHA-256"), max_length=64)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"))

    class Meta:
        verbose_name = _("convention version")
        verbose_name_plural = _("convention versions")
        ordering = ["convention", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "number"],
                name="version_number_unique",
                violation_error_message=_("This convention already has a version with this number."),
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_number_positive"),
            models.CheckConstraint(
                condition=Q(content_sha256__regex=r"^[0-9a-f]{64}$"), name="version_sha256_is_hex_digest"
            ),
        ]

    def __str__(self):
        return _("%(reference)s, version %(number)s") % {"reference": self.convention.reference, "number": self.number}

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecordError(_("A convention version never changes once taken."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError(_("A convention version is never deleted."))

    @property
    def short_hash(self) -> str:
        return self.content_sha256[:12]

    @property
    def content(self) -> dict:
        return json.loads(self.content_json)

    @property
    def is_intact(self) -> bool:
        """Whether the stored content still hashes to the stored digest (it always should)."""
        return hashlib.sha256(self.content_json.encode("utf-8")).hexdigest() == self.content_sha256


class StatusChange(models.Model):
    """One step of a convention's timeline: who moved it from which status to which, when and why."""

    convention = models.ForeignKey(
        Convention, verbose_name=_("convention"), on_delete=models.CASCADE, related_name="status_changes"
    )
    action = models.CharField(_("action"), max_length=30, choices=LifecycleAction.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=ConventionStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=ConventionStatus.choices)
    version = models.ForeignKey(
        ConventionVersion,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="status_changes",
    )
    # Empty for the changes the calendar makes (entry into force, expiry).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    party = models.ForeignKey(
        Party, verbose_name=_("party"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amendment_number = models.PositiveSmallIntegerField(_("amendment number"), default=0)
    comment = models.TextField(_("comment"), blank=True)
    occurred_at = models.DateTimeField(_("date"))
    # Where the person acted from (REMOTE_ADDR), for the audit trail; empty for the portal's own steps.
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["convention", "occurred_at", "pk"]
        indexes = [models.Index(fields=["convention", "occurred_at"])]

    def __str__(self):
        return f"{self.convention.reference}: {self.from_status} → {self.to_status}"


class ReviewComment(models.Model):
    """A CAF officer's remark on a part of the convention under review, or a reply in its thread."""

    convention = models.ForeignKey(
        Convention, verbose_name=_("convention"), on_delete=models.CASCADE, related_name="review_comments"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("reply to"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
    )
    anchor = models.CharField(_("about"), max_length=20, choices=CommentAnchor.choices, default=CommentAnchor.GENERAL)
    # The anchored part; kept as a label too, so the thread still reads right if the part is deleted.
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finding = models.ForeignKey(
        "diagnostics.Finding",
        verbose_name=_("finding"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.ForeignKey(
        "action_plans.Action",
        verbose_name=_("fiche action"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    anchor_label = models.CharField(_("part"), max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["convention", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(body=""),
                name="review_comment_body_not_empty",
                violation_error_message=_("Write a comment."),
            ),
            # At most one anchored part, and the one its anchor names (a deleted part leaves it empty).
            models.CheckConstraint(
                condition=(
                    Q(anchor=CommentAnchor.GENERAL) & Q(article__isnull=True, finding__isnull=True, action__isnull=True)
                )
                | (Q(anchor=CommentAnchor.ARTICLE) & Q(finding__isnull=True, action__isnull=True))
                | (Q(anchor=CommentAnchor.FINDING) & Q(article__isnull=True, action__isnull=True))
                | (Q(anchor=CommentAnchor.ACTION) & Q(article__isnull=True, finding__isnull=True)),
                name="review_comment_single_anchor",
            ),
            # Replies belong to their thread: no anchor and no resolution of their own.
            models.CheckConstraint(
                condition=Q(parent__isnull=True)
                | (Q(anchor=CommentAnchor.GENERAL) & Q(resolved_at__isnull=True, resolved_by__isnull=True)),
                name="review_reply_has_no_anchor_nor_resolution",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolved_by__isnull=True)
                | Q(resolved_at__isnull=False, resolved_by__isnull=False),
                name="review_comment_resolution_complete",
            ),
        ]

    def __str__(self):
        return f"{self.convention.reference}: {self.body[:60]}"

    @property
    def is_open(self) -> bool:
        return self.parent_id is None and self.resolved_at is None


def signature_scan_path(signature: "Signature", filename: str) -> str:
    """Scans are private files, stored under a path no URL serves (see settings.MEDIA_URL)."""
    return f"signatures/{signature.version.convention_id}/v{signature.version.number}/{signature.party_id}.pdf"


class Signature(models.Model):
    """A signatory party's signature of one exact version, in the portal or recorded from paper.

    A signatory who declines voids every signature of that version: they stay here, marked void.
    """

    version = models.ForeignKey(
        ConventionVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="signatures"
    )
    party = models.ForeignKey(Party, verbose_name=_("party"), on_delete=models.PROTECT, related_name="signatures")
    method = models.CharField(_("method"), max_length=20, choices=SignatureMethod.choices)
    version_sha256 = models.CharField(_("SHA-256 of the signed version"), max_length=64)
    # Who signed, as they were at that moment (titles and names change, the record must not).
    representative = models.ForeignKey(
        Representative,
        verbose_name=_("representative"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signatures",
    )
    signer_name = models.CharField(_("signed by"), max_length=150)
    signer_title = models.CharField(_("title"), max_length=200)
    organisation_name = models.CharField(_("organisation"), max_length=200)
    signed_at = models.DateTimeField(_("signed at"))
    # Electronic signatures: the account that signed and where from.
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signatures",
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=500, blank=True)
    # Paper signatures: where, the scanned page, and who recorded it in the portal.
    place = models.CharField(_("place"), max_length=150, blank=True)
    scan = models.FileField(_("scanned signature page"), upload_to=signature_scan_path, blank=True, max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    voided_at = models.DateTimeField(_("void since"), null=True, blank=True)
    void_reason = models.TextField(_("why void"), blank=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["version", "signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "party"],
                condition=Q(voided_at__isnull=True),
                name="signature_once_per_party_and_version",
                violation_error_message=_("This party has already signed this version."),
            ),
            models.CheckConstraint(
                condition=Q(version_sha256__regex=r"^[0-9a-f]{64}$"), name="signature_sha256_is_hex_digest"
            ),
            models.CheckConstraint(
                condition=(Q(method=SignatureMethod.ELECTRONIC) & Q(signer__isnull=False) & Q(recorded_by__isnull=True))
                | (Q(method=SignatureMethod.PAPER) & Q(recorded_by__isnull=False) & ~Q(scan="") & ~Q(place="")),
                name="signature_method_fields",
                violation_error_message=_(
                    "A signature in the portal needs the signing account; a paper signature needs its place, "
                    "its scan and who recorded it."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(signer_name="") & ~Q(signer_title="") & ~Q(organisation_name=""),
                name="signature_signer_identified",
            ),
        ]

    def __str__(self):
        return f"{self.signer_name} — {self.version}"

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None


class Notification(models.Model):
    """An e-mail the portal owes someone, written in the request's transaction, sent by a Celery task.

    ``sent_at`` makes sending idempotent (a redelivered task sends nothing twice); ``dedup_key`` makes
    scheduled notices (reminders, renewal alerts) idempotent too.
    """

    convention = models.ForeignKey(
        Convention, verbose_name=_("convention"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    email = models.EmailField(_("e-mail"))
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("message"))
    dedup_key = models.CharField(_("deduplication key"), max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["sent_at"])]

    def __str__(self):
        return f"{self.email}: {self.subject}"
