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
