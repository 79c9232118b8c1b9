"""The child side of ``ctg_portal.pdf_sandbox``: reads one untrusted PDF under resource limits.

Run as ``python -I ctg_portal/pdf_sandbox_child.py`` (isolated mode: neither the project nor the
environment's ``PYTHON*`` variables are on its path, so it cannot import the portal, its settings or
its database). It reads on stdin one JSON line of options then the PDF's bytes, sets its own limits
before importing any PDF library, and writes one JSON object on stdout. Only the standard library,
pypdf and pyHanko are imported here.

Exit codes: 0 a report was written (readable or not); 3 the memory limit was reached. Any other
ending (killed by SIGXCPU/SIGKILL, a crash in a C extension) is for the parent to interpret.
"""

import io
import json
import logging
import re
import resource
import sys
import warnings

MEMORY_EXCEEDED = 3


def _limit(kind: int, soft: int, hard: int | None = None) -> None:
    _current_soft, current_hard = resource.getrlimit(kind)
    hard = soft if hard is None else hard
    if current_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, current_hard), min(hard, current_hard)
    resource.setrlimit(kind, (soft, hard))


def apply_limits(*, memory_mb: int, cpu_seconds: int) -> None:
    _limit(resource.RLIMIT_AS, memory_mb * 1024 * 1024)
    # SIGXCPU at the soft limit, SIGKILL one second later should the signal be caught.
    _limit(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1)
    _limit(resource.RLIMIT_CORE, 0)  # SIGXCPU would otherwise dump core
    _limit(resource.RLIMIT_FSIZE, 0)  # no file to write (stdout is a pipe, not concerned)


def _error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:300]


def read_with_pypdf(data: bytes, *, max_pages: int) -> dict:
    """Page count, whether the pages resolve (at most ``max_pages`` + 1 of them), metadata keywords."""
    from pypdf import PdfReader  # imported once the limits are set (main), like every parser here

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        keywords = ""
        try:
            keywords = str((reader.metadata or {}).get("/Keywords") or "")[:2000]
        except MemoryError:
            raise
        except Exception:  # damaged metadata: the pages may still be fine
            keywords = ""
        page_count = len(reader.pages)
        for number, page in enumerate(reader.pages):
            if number > max_pages:
                break
            page.mediabox  # noqa: B018  resolves the page object and its inherited attributes
        return {"readable": page_count > 0, "error": "", "page_count": page_count, "keywords": keywords}
    except MemoryError:
        raise
    except Exception as error:  # anything pypdf cannot parse
        return {"readable": False, "error": _error(error), "page_count": None, "keywords": ""}


# What may follow the portal's seal: the seal's own proof (DSS with certificates and CRL/OCSP answers,
# document timestamps of PAdES B-LTA), nothing else. The file must end with that last revision.
REVISION_END = re.compile(rb"\s*(?:endobj\s*)?startxref\s+(\d+)\s*%%EOF(?:\r\n|\r|\n)?")


def _end_of_last_revision(data: bytes, reader) -> int | None:
    """Where the file's last revision ends (just after its %%EOF), or None when that cannot be told.

    pyHanko's end of an xref stream is its ``endstream``: the ``endobj`` after it is part of the revision.
    """
    xrefs = reader.xrefs
    last = xrefs.total_revisions - 1
    match = REVISION_END.match(data, xrefs.get_xref_container_info(last).end_location)
    if match is None or int(match.group(1)) != xrefs.get_startxref_for_revision(last):
        return None
    return match.end()


def _is_document_timestamp(signature) -> bool:
    return signature.sig_object.get("/Type") == "/DocTimeStamp"


def _timestamp_facts(status) -> dict:
    """The signature's timestamp, when it carries one that is intact, valid and from a trusted authority:
    the time the authority certifies (not the signer's own clock) and the authority's name."""
    timestamp = status.timestamp_validity
    if timestamp is None or not (timestamp.intact and timestamp.valid and timestamp.trusted):
        return {"timestamp_at": None, "timestamp_authority": ""}
    names = timestamp.signing_cert.subject.native
    return {
        "timestamp_at": timestamp.timestamp.isoformat(),
        "timestamp_authority": str(names.get("common_name") or timestamp.signing_cert.subject.human_friendly)[:300],
    }


def check_last_signature(data: bytes, *, trust_root_der: bytes, timestamp_roots_der: list[bytes] = ()) -> dict:
    """The last embedded signature (document timestamps aside) checked against ``trust_root_der`` (the only
    trusted certificate); its timestamp, if any, against ``timestamp_roots_der`` (the TSA's roots).

    A signature dictionary cannot sit in a compressed object stream (its /Contents must be a hole in
    the file's bytes, which /ByteRange skips): a file without that word has none, and is not given
    to pyHanko's reader at all. The signature covers the whole file when it ends where the file ends,
    or when all that follows it is its long-term proof (pyHanko's difference analysis: DSS and
    document timestamp updates only, each timestamp intact) and the file ends with that proof.
    """
    if b"/ByteRange" not in data:
        return {"signed": False}
    from pyhanko.pdf_utils.reader import PdfFileReader  # after the limits, and only for a signed file (0.5 s)

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = reader.embedded_signatures
    except MemoryError:
        raise
    except Exception as error:
        return {"signed": False, "error": _error(error)}
    signatures = [signature for signature in embedded if not _is_document_timestamp(signature)]
    if not signatures:
        return {"signed": False}
    signature = signatures[-1]
    report = {"signed": True}
    try:
        byte_range = [int(value) for value in signature.sig_object["/ByteRange"]]
        end = byte_range[2] + byte_range[3]
        report["signed_revision_end"] = end if 0 < end < len(data) else None
    except MemoryError:
        raise
    except Exception:
        report["signed_revision_end"] = None
    try:
        from asn1crypto import x509
        from pyhanko.sign.diff_analysis import ModificationLevel
        from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
        from pyhanko.sign.validation.status import SignatureCoverageLevel
        from pyhanko_certvalidator import ValidationContext

        certificate = x509.Certificate.load(trust_root_der)
        timestamp_roots = [x509.Certificate.load(der) for der in timestamp_roots_der]
        status = validate_pdf_signature(
            signature,
            ValidationContext(trust_roots=[certificate]),
            ts_validation_context=ValidationContext(trust_roots=timestamp_roots) if timestamp_roots else None,
        )
        whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        if status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and status.modification_level in (
            ModificationLevel.NONE,
            ModificationLevel.LTA_UPDATES,
        ):
            proof_end = _end_of_last_revision(data, reader)
            later = embedded[embedded.index(signature) + 1 :]
            timestamps_intact = all(
                _is_document_timestamp(later_one)
                and validate_pdf_timestamp(
                    later_one, ValidationContext(trust_roots=[certificate]), skip_diff=True
                ).intact
                for later_one in later
            )
            whole_file = proof_end == len(data) and timestamps_intact and bool(status.docmdp_ok)
            # The file as the portal issued it, seal and proof: what follows it was added since.
            if proof_end is not None and proof_end < len(data) and timestamps_intact:
                report["signed_revision_end"] = proof_end
    except MemoryError:
        raise
    except Exception as error:
        report["error"] = _error(error)
        return report
    report.update(
        intact=bool(status.intact),
        valid=bool(status.valid),
        by_trust_root=status.signing_cert.dump() == trust_root_der and bool(status.trusted),
        whole_file=whole_file,
        signer=status.signing_cert.subject.human_friendly[:500],
        signed_at=status.signer_reported_dt.isoformat() if status.signer_reported_dt else None,
        **_timestamp_facts(status),
    )
    return report


def inspect(data: bytes, options: dict) -> dict:
    report = read_with_pypdf(data, max_pages=int(options.get("max_pages", 0)))
    trust_root = options.get("trust_root_der_hex")
    timestamp_roots = [bytes.fromhex(value) for value in options.get("timestamp_roots_der_hex") or []]
    report["signature"] = (
        check_last_signature(data, trust_root_der=bytes.fromhex(trust_root), timestamp_roots_der=timestamp_roots)
        if trust_root
        else None
    )
    return report


def main() -> int:
    header = sys.stdin.buffer.readline(64 * 1024)
    options = json.loads(header)
    apply_limits(memory_mb=int(options["memory_mb"]), cpu_seconds=int(options["cpu_seconds"]))
    warnings.simplefilter("ignore")  # third-party deprecations would only clutter the parent's log
    logging.disable(logging.CRITICAL)  # pypdf narrates every repair it makes
    try:
        report = inspect(sys.stdin.buffer.read(), options)
    except MemoryError:
        report = None
    except RecursionError as error:  # a deeply nested structure: the parsers gave up, so do we
        report = {"readable": False, "error": _error(error), "page_count": None, "keywords": "", "signature": None}
    if report is None:
        sys.stdout.write('{"limit": "memory"}')
        return MEMORY_EXCEEDED
    sys.stdout.write(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
