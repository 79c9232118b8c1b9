"""The convention and what its lifecycle records, split by concept."""

from conventions.models.convention import (
    Article,
    Convention,
    ConventionQuerySet,
    Domain,
    GovernanceBody,
    GovernanceMember,
    Meeting,
    Party,
    current_status_condition,
    current_status_expression,
    forget_visible_conventions,
    visible_convention_ids,
)
from conventions.models.documents import GeneratedDocument, document_path
from conventions.models.workflow import (
    ConventionVersion,
    ImmutableRecordError,
    Notification,
    ReviewComment,
    Signature,
    StatusChange,
    signature_scan_path,
)

__all__ = [
    "Article",
    "Convention",
    "ConventionQuerySet",
    "ConventionVersion",
    "Domain",
    "GeneratedDocument",
    "GovernanceBody",
    "GovernanceMember",
    "ImmutableRecordError",
    "Meeting",
    "Notification",
    "Party",
    "ReviewComment",
    "Signature",
    "StatusChange",
    "current_status_condition",
    "current_status_expression",
    "document_path",
    "forget_visible_conventions",
    "signature_scan_path",
    "visible_convention_ids",
]
