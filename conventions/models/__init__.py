"""The convention and what its lifecycle records, split by concept."""

from .convention import (
    Article,
    Convention,
    ConventionQuerySet,
    Domain,
    GovernanceBody,
    GovernanceMember,
    Meeting,
    Party,
)
from .documents import GeneratedDocument, document_path
from .workflow import (
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
