from django.db import models
from django.utils.translation import gettext_lazy as _


class ConventionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    IN_SIGNATURE = "in_signature", _("Being signed")
    SIGNED = "signed", _("Signed")
    IN_FORCE = "in_force", _("In force")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


# Statuses in which the contractual content may still be edited by the intercommunality's staff.
EDITABLE_STATUSES = frozenset({ConventionStatus.DRAFT, ConventionStatus.CHANGES_REQUESTED})


class DraftingPhase(models.TextChoices):
    """Where a draft convention stands in its construction."""

    DIAGNOSTIC = "diagnostic", _("Shared diagnostic")
    ACTION_PLAN = "action_plan", _("Action plan")
    FINALISATION = "finalisation", _("Finalisation")


class PartyRole(models.TextChoices):
    SIGNATORY = "signatory", _("Signatory")
    ASSOCIATE = "associate", _("Associate")


class GovernanceBodyKind(models.TextChoices):
    STEERING_COMMITTEE = "copil", _("Steering committee (copil)")
    TECHNICAL_COMMITTEE = "cotech", _("Technical committee (cotech)")


class GovernanceMemberRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    CO_CHAIR = "co_chair", _("Co-chair")
    MEMBER = "member", _("Member")


class MeetingKind(models.TextChoices):
    LAUNCH = "launch", _("Launch")
    DIAGNOSTIC = "diagnostic", _("Diagnostic presentation")
    ACTION_PLAN = "action_plan", _("Action plan validation")
    ANNUAL_REVIEW = "annual_review", _("Annual review")
    FOLLOW_UP = "follow_up", _("Follow-up")
    OTHER = "other", _("Other")


# Statuses in which a review thread may still be answered, resolved or reopened: in review, sent back,
# and back in drafting, where the staff answer the comments as they fix the text before resubmitting.
REVIEW_DISCUSSION_STATUSES = frozenset(
    {ConventionStatus.DRAFT, ConventionStatus.IN_REVIEW, ConventionStatus.CHANGES_REQUESTED}
)

# Statuses in which the convention has been signed by every signatory (before any date applies).
SIGNED_STATUSES = frozenset({ConventionStatus.SIGNED, ConventionStatus.IN_FORCE})


class LifecycleAction(models.TextChoices):
    """What moved a convention from one status to another, as its timeline tells it."""

    SUBMIT = "submit", _("Submitted for review")
    WITHDRAW = "withdraw", _("Withdrawn from review")
    REQUEST_CHANGES = "request_changes", _("Changes requested")
    RESUME_DRAFTING = "resume_drafting", _("Drafting resumed")
    APPROVE = "approve", _("Approved")
    OPEN_SIGNATURE = "open_signature", _("Signature opened")
    COMPLETE_SIGNATURE = "complete_signature", _("Signed by every signatory")
    DECLINE = "decline", _("Signature declined")
    ENTER_INTO_FORCE = "enter_into_force", _("Entered into force")
    EXPIRE = "expire", _("Expired")
    TERMINATE = "terminate", _("Terminated")
    OPEN_AMENDMENT = "open_amendment", _("Amendment opened")


class CommentAnchor(models.TextChoices):
    """The part of the convention a review comment is about."""

    GENERAL = "general", _("The convention as a whole")
    ARTICLE = "article", _("Article")
    FINDING = "finding", _("Diagnostic finding")
    ACTION = "action", _("Fiche action")


class SignatureMethod(models.TextChoices):
    ELECTRONIC = "electronic", _("Signed in the portal")
    PAPER = "paper", _("Signed on paper")


class NotificationKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted for review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    SIGNATURE_TURN = "signature_turn", _("Your turn to sign")
    SIGNATURE_REMINDER = "signature_reminder", _("Signature reminder")
    SIGNATURE_DECLINED = "signature_declined", _("Signature declined")
    FULLY_SIGNED = "fully_signed", _("Signed by every signatory")
    TERMINATED = "terminated", _("Terminated")
    RENEWAL_ALERT = "renewal_alert", _("Renewal alert")


class DocumentKind(models.TextChoices):
    CONVENTION = "convention", _("Convention (PDF)")
    SIGNED_CONVENTION = "signed_convention", _("Signed convention (PDF)")
    COPIL_REPORT = "copil_report", _("Steering committee report (PDF)")
    COTECH_REPORT = "cotech_report", _("Technical committee report (PDF)")
    # The live text before signature, « PROJET » on every page: one per convention, not a version's.
    DRAFT_CONVENTION = "draft_convention", _("Draft convention (PDF)")


# A meeting's report is the report of its committee: a copil meeting's a copil report, a cotech's a cotech report.
REPORT_KIND_OF_BODY = {
    GovernanceBodyKind.STEERING_COMMITTEE: DocumentKind.COPIL_REPORT,
    GovernanceBodyKind.TECHNICAL_COMMITTEE: DocumentKind.COTECH_REPORT,
}
REPORT_KINDS = frozenset(REPORT_KIND_OF_BODY.values())

# Statuses in which a convention's live text may be printed as a draft PDF: any before its signature
# (an avenant reopens a signed convention as a draft, whose text may be printed again).
DRAFT_PDF_STATUSES = frozenset(
    {
        ConventionStatus.DRAFT,
        ConventionStatus.IN_REVIEW,
        ConventionStatus.CHANGES_REQUESTED,
        ConventionStatus.APPROVED,
        ConventionStatus.IN_SIGNATURE,
    }
)


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Being generated")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
