"""Is this PDF a document the portal issued, unmodified since? For the verification page and command.

A PDF is identified three ways, from the strongest to the weakest:

1. its SHA-256: the digest of the exact bytes of every document the portal issued is kept
   (``GeneratedDocument.sha256``), so an exact copy names its convention, version and kind;
2. the portal's PAdES signature (``pdf_signature.check_pdf_signature``): intact, made with the
   portal's certificate and covering the whole file. It proves an exact copy even when the record of
   its digest is gone (a document rendered again replaces its file). When the signature is intact but
   bytes were added after it, the signed revision is the original file: its digest finds the record;
3. the keywords the portal writes in the PDF metadata (``ctg-reference=…; ctg-version=…;
   ctg-version-sha256=…; ctg-kind=…``, or ``ctg-meeting=…`` for a report): a modified copy still says
   which convention and version it claims to be.

``verify_pdf`` never raises on bad input and stores nothing. The file comes from anyone: it is
parsed in the PDF sandbox (``ctg_portal.pdf_sandbox``, a child process with memory and time limits,
without database); the lookups of digests and claims stay here. ``verify_pdf`` does not know who
asks: ``as_seen_by`` gives the page what a user may learn. Anyone, signed in or not, learns the
identity of a file the portal vouches for (``identity_proven``: its convention's reference, the version
number, the kind of document and, when authentic, the issue date). The convention's other details go
only to a user who may see that convention, and a verdict that rests on the metadata claim alone (no record of the
file, no seal of the portal) says nothing to others: for them, a forged copy of an existing
convention and a document naming a reference that does not exist read the same, "not issued". A
verdict proven by the file itself (its digest on record, the portal's seal) tells an outsider no more
than holding the file already does, so it stays.
"""

import hashlib
import re
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from conventions.choices import DocumentKind, DocumentStatus
from conventions.models import Convention, ConventionVersion, GeneratedDocument, Meeting
from conventions.permissions import can_see
from ctg_portal.pdf_sandbox import PdfUnreadable, inspect_pdf
from documents.pdf_signature import (
    PdfSignatureCheck,
    SigningNotConfigured,
    portal_certificate,
    signature_check_from_report,
    timestamp_trust_roots_der,
)
from documents.selectors import find_document_by_sha256

MAX_BYTES = 20 * 1024 * 1024
KEYWORD_PATTERN = re.compile(r"ctg-([a-z0-9-]+)=([^;,\s]+)")
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")


class Verdict(models.TextChoices):
    AUTHENTIC = "authentic", _("Authentic document issued by the CTG Portal")
    MODIFIED = "modified", _("Document modified since it was issued")
    NOT_ISSUED = "not_issued", _("This document was not issued by the portal")
    UNREADABLE = "unreadable", _("Unreadable file")


@dataclass(frozen=True)
class ClaimedIdentity:
    """What the PDF's metadata keywords say the document is (anyone can write them: a claim only)."""

    reference: str = ""
    version_number: int | None = None
    version_sha256: str = ""
    kind: str = ""
    meeting_id: int | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.reference or self.meeting_id)


@dataclass
class VerificationResult:
    verdict: str
    sha256: str = ""
    size_bytes: int = 0
    message: str = ""  # why the file could not be read
    signature: PdfSignatureCheck | None = None
    claimed: ClaimedIdentity = field(default_factory=ClaimedIdentity)
    # The portal's record of this exact file (or, for a modified copy, of the original it was made from).
    document: GeneratedDocument | None = None
    # Found by digest (an exact copy) rather than by the signature alone or the metadata claim.
    registered: bool = False
    convention: Convention | None = None
    version: ConventionVersion | None = None
    meeting: Meeting | None = None
    kind: str = ""
    # The newest version of the convention when it is newer than this document's, and the signed
    # version (the text in force) when it is newer too.
    later_version: ConventionVersion | None = None
    later_signed_version: ConventionVersion | None = None
    # For a draft convention PDF: the same version exists as a signed PDF.
    signed_copy_exists: bool = False
    # The metadata claims a version whose hash is not the portal's hash of that version.
    claim_mismatch: bool = False
    # The convention (version, meeting) was found from the metadata claim alone, which nothing vouches
    # for: neither a record of the file's digest nor an intact seal of the portal over the whole file.
    identified_by_claim: bool = False

    @property
    def identity_proven(self) -> bool:
        """The convention was found from the file itself (its digest, or the portal's seal over it), not
        from a claim anyone can write: its reference, version and kind are what the file proves."""
        return self.convention is not None and not self.identified_by_claim

    @property
    def authentic(self) -> bool:
        return self.verdict == Verdict.AUTHENTIC

    @property
    def modified(self) -> bool:
        return self.verdict == Verdict.MODIFIED

    @property
    def readable(self) -> bool:
        return self.verdict != Verdict.UNREADABLE

    @property
    def headline(self) -> str:
        return str(Verdict(self.verdict).label)

    @property
    def exit_code(self) -> int:
        """For scripts: 0 authentic and unmodified, 1 modified or not issued, 2 unreadable."""
        return {Verdict.AUTHENTIC: 0, Verdict.UNREADABLE: 2}.get(self.verdict, 1)

    @property
    def kind_label(self) -> str:
        return str(DocumentKind(self.kind).label) if self.kind in DocumentKind.values else ""

    @property
    def signer_name(self) -> str:
        """The signing certificate's common name (« Portail CTG »), without the rest of its subject."""
        signer = self.signature.signer if self.signature else ""
        match = re.search(r"Common Name: (.*?)(?:, [A-Z][A-Za-z ]+: |$)", signer)
        return match.group(1) if match else signer

    @property
    def timestamped_at(self):
        """The time a timestamp authority certifies for the portal's seal (RFC 3161), when the seal carries
        an intact timestamp from an authority the portal trusts."""
        return self.signature.timestamped_at if self.signature else None

    @property
    def issued_at(self):
        """When the portal issued this file: the timestamp authority's time when the seal carries one (a third
        party's word, not the server's clock); otherwise from its record, or from its seal when that is intact."""
        if not self.authentic:
            return None
        if self.timestamped_at is not None:
            return self.timestamped_at
        if self.document is not None:
            return self.document.finished_at or self.document.requested_at
        return self.signature.signed_at if self.signature else None

    def as_dict(self, *, with_details: bool = True) -> dict:
        """A JSON-ready summary (the command's ``--json``); ``with_details=False`` names no convention."""
        signature = self.signature
        data = {
            "verdict": self.verdict,
            "headline": self.headline,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "message": self.message,
            "registered": self.registered,
            "issued_at": self.issued_at.isoformat() if self.issued_at else None,
            "signature": None
            if signature is None
            else {
                "signed": signature.signed,
                "intact": signature.intact,
                "valid": signature.valid,
                "by_portal": signature.by_portal,
                "whole_file": signature.whole_file,
                "signer": signature.signer,
                "signed_at": signature.signed_at.isoformat() if signature.signed_at else None,
                "timestamped_at": signature.timestamped_at.isoformat() if signature.timestamped_at else None,
                "timestamp_authority": signature.timestamp_authority or None,
                "error": signature.error,
            },
        }
        if with_details:
            data.update(
                {
                    "kind": self.kind or None,
                    "convention": self.convention.reference if self.convention else None,
                    "version": self.version.number if self.version else None,
                    "version_sha256": self.version.content_sha256 if self.version else None,
                    "meeting": self.meeting.pk if self.meeting else None,
                    "document_id": self.document.pk if self.document else None,
                    "later_version": self.later_version.number if self.later_version else None,
                    "later_signed_version": self.later_signed_version.number if self.later_signed_version else None,
                    "signed_copy_exists": self.signed_copy_exists,
                    "claimed": {
                        "reference": self.claimed.reference or None,
                        "version": self.claimed.version_number,
                        "version_sha256": self.claimed.version_sha256 or None,
                        "kind": self.claimed.kind or None,
                        "meeting": self.claimed.meeting_id,
                    },
                    "claim_mismatch": self.claim_mismatch,
                }
            )
        return data


def _document_with_digest(digest: str) -> GeneratedDocument | None:
    """The ready document issued with exactly these bytes (the document services' own lookup)."""
    return find_document_by_sha256(digest)


def _claimed_identity(data: bytes, keywords: str) -> ClaimedIdentity:
    """The ``ctg-…`` keywords of the PDF metadata (read in the sandbox), or found in the raw bytes."""
    text = keywords
    if "ctg-" not in text:  # damaged structure: the words may still be there, uncompressed
        match = re.search(rb"ctg-reference=[^)>\r\n]{0,400}", data)
        text = match.group(0).decode("latin-1") if match else ""
    values = dict(KEYWORD_PATTERN.findall(text))

    def number(key):
        value = values.get(key, "")
        return int(value) if value.isdigit() and len(value) < 10 else None

    version_sha256 = values.get("version-sha256", "").lower()
    return ClaimedIdentity(
        reference=values.get("reference", "")[:40],
        version_number=number("version"),
        version_sha256=version_sha256 if SHA256_PATTERN.match(version_sha256) else "",
        kind=values.get("kind", "") if values.get("kind", "") in DocumentKind.values else "",
        meeting_id=number("meeting"),
    )


def _from_document(result: VerificationResult, document: GeneratedDocument) -> None:
    result.document = document
    result.convention = document.convention
    result.version = document.version
    result.meeting = document.meeting
    result.kind = document.kind


def _from_claim(result: VerificationResult) -> None:
    """Point the result at the convention / version / meeting the metadata names, if they exist."""
    claimed = result.claimed
    result.kind = claimed.kind
    if claimed.meeting_id is not None:
        meeting = Meeting.objects.select_related("body__convention").filter(pk=claimed.meeting_id).first()
        if meeting is not None:
            result.meeting = meeting
            result.convention = meeting.body.convention
            result.kind = result.kind or meeting.report_kind
        return
    if not claimed.reference:
        return
    result.convention = Convention.objects.select_related("signed_version").filter(reference=claimed.reference).first()
    if result.convention is None or claimed.version_number is None:
        return
    result.version = (
        ConventionVersion.objects.defer("content_json")
        .filter(convention=result.convention, number=claimed.version_number)
        .first()
    )
    if result.version is not None and claimed.version_sha256:
        result.claim_mismatch = claimed.version_sha256 != result.version.content_sha256


def _later_versions(result: VerificationResult) -> None:
    version, convention = result.version, result.convention
    if version is None or convention is None:
        return
    result.later_version = (
        ConventionVersion.objects.defer("content_json")
        .filter(convention=convention, number__gt=version.number)
        .order_by("-number")
        .first()
    )
    signed = convention.signed_version
    if signed is not None and signed.number > version.number:
        result.later_signed_version = signed
    if result.kind == DocumentKind.CONVENTION:
        result.signed_copy_exists = GeneratedDocument.objects.filter(
            version=version, kind=DocumentKind.SIGNED_CONVENTION, status=DocumentStatus.READY
        ).exists()


def verify_pdf(data: bytes) -> VerificationResult:
    """What the portal can say about ``data``: issued by it or not, unmodified or not, superseded or not."""
    if not data:
        return VerificationResult(verdict=Verdict.UNREADABLE, message=str(_("The file is empty.")))
    if len(data) > MAX_BYTES:
        return VerificationResult(
            verdict=Verdict.UNREADABLE,
            size_bytes=len(data),
            message=str(_("The file is larger than %(size)d MB: no document issued by the portal is that large."))
            % {"size": MAX_BYTES // (1024 * 1024)},
        )
    digest = hashlib.sha256(data).hexdigest()
    result = VerificationResult(verdict=Verdict.NOT_ISSUED, sha256=digest, size_bytes=len(data))
    if b"%PDF-" not in data[:1024]:
        result.verdict = Verdict.UNREADABLE
        result.message = str(_("This file is not a PDF."))
        return result

    try:
        trust_root = portal_certificate().dump()
    except SigningNotConfigured as error:  # still answer: by digest and by claim
        trust_root = None
        result.signature = PdfSignatureCheck(signed=False, error=f"{type(error).__name__}: {error}")
    try:
        report = inspect_pdf(
            data, trust_root_der=trust_root, timestamp_roots_der=timestamp_trust_roots_der() if trust_root else ()
        )
    except PdfUnreadable as error:  # too costly to read: maybe built for that, never parsed here
        result.verdict = Verdict.UNREADABLE
        result.message = str(error)
        return result
    if trust_root is not None:
        result.signature = signature_check_from_report(report)
    signature = result.signature
    result.claimed = _claimed_identity(data, report.keywords)

    document = _document_with_digest(digest)
    if document is not None:
        # The exact bytes the portal issued: the record is the proof, whatever the signature says.
        _from_document(result, document)
        result.registered = True
        result.verdict = Verdict.AUTHENTIC
    elif signature.authentic:
        # Signed by the portal and untouched, but not (or no longer) on record: rendered again since.
        result.verdict = Verdict.AUTHENTIC
        _from_claim(result)
    else:
        # The bytes the portal's (last) signature covers: the file as it was issued.
        end = report.signature.signed_revision_end if signature.by_portal and signature.intact else None
        document = _document_with_digest(hashlib.sha256(data[:end]).hexdigest()) if end else None
        if document is not None:
            _from_document(result, document)
        else:
            _from_claim(result)
        result.identified_by_claim = document is None and result.convention is not None
        if signature.by_portal or document is not None or result.convention is not None:
            result.verdict = Verdict.MODIFIED
    _later_versions(result)
    return result


def verify_pdf_file(handle, *, max_bytes: int = MAX_BYTES) -> VerificationResult:
    """``verify_pdf`` of an open binary file, reading no more than one byte over the limit."""
    data = handle.read(max_bytes + 1)
    return verify_pdf(data)


def details_visible(result: VerificationResult, user) -> bool:
    """May ``user`` read which convention, version or meeting the result names?"""
    if result.convention is None:
        return True
    return can_see(user, result.convention)


def as_seen_by(result: VerificationResult, user) -> tuple[VerificationResult, bool]:
    """What ``user`` may learn of ``result``, and whether the convention's details may be shown.

    When the convention was found from the metadata claim alone, the verdict and the "you cannot see
    its convention" note would tell a user who may not see the claimed convention (or meeting) that
    it exists. For that user the result is what the file alone proves, word for word what a claim
    naming nothing that exists gives: "modified" if it bears the portal's (broken or extended) seal,
    "not issued" otherwise.
    """
    if details_visible(result, user):
        return result, True
    if result.identified_by_claim:
        return (
            VerificationResult(
                verdict=Verdict.MODIFIED if result.signature and result.signature.by_portal else Verdict.NOT_ISSUED,
                sha256=result.sha256,
                size_bytes=result.size_bytes,
                signature=result.signature,
            ),
            True,  # nothing left to hide: no "you cannot see its convention" note either
        )
    return result, False
