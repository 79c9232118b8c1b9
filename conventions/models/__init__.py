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
    "document_path",
    "signature_scan_path",
]
