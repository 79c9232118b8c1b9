"""The signed text: a snapshot of the whole contractual content, frozen into an immutable version.

What a version holds, and how it is serialised and hashed, is ``documents.snapshot`` (the documents
render the same content for the draft PDF, and may not import the workflow): ``SNAPSHOT_SCHEMA`` 2
since the organisations' legal identity, the representatives' civility and delegation, the
deliberations, the closing formula's facts and the articles with their placeholders filled in.
"""

from datetime import datetime

from django.utils import timezone

from conventions.models import Convention, ConventionVersion
from documents.snapshot import SNAPSHOT_SCHEMA, build_content, canonical_json, same_text, sha256_of

__all__ = ["SNAPSHOT_SCHEMA", "build_content", "canonical_json", "same_text", "sha256_of", "take_version"]


def take_version(*, convention: Convention, by, now: datetime | None = None) -> ConventionVersion:
    """Freeze the convention's content now into a new immutable version (inside the caller's transaction)."""
    text = canonical_json(build_content(convention))
    last = convention.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return ConventionVersion.objects.create(
        convention=convention,
        number=last + 1,
        amendment_number=convention.amendment_number,
        content_json=text,
        content_sha256=sha256_of(text),
        approved_by=by,
        approved_at=now or timezone.now(),
    )
