"""Reading a PDF that a user uploaded, in a child process with memory, CPU and time limits.

PDF parsers trust what the file says about itself: a 149-byte file whose cross-reference stream
claims 2 147 483 647 entries keeps pyHanko's reader busy until the machine runs out of memory, and
the web worker with it. Every PDF that comes from a user (the verification page and command, the
scans of paper signatures) is therefore read here, never in the web process:

- a fresh interpreter in isolated mode runs ``pdf_sandbox_child.py``, which imports neither the
  project nor its settings: it cannot reach the database, and gets bytes in, JSON out;
- it sets its own limits before importing any parser: address space (``PDF_SANDBOX_MEMORY_MB``,
  512 by default), CPU time (``PDF_SANDBOX_CPU_SECONDS``, 3), no core file, no file written;
- the parent waits at most ``PDF_SANDBOX_WALL_SECONDS`` (6) of wall-clock time, then kills it.

A file that breaks a limit, or kills the child in any other way, raises ``PdfUnreadable`` with one
French message for the user; a file that the parsers merely reject comes back as a report with
``readable=False``. Starting the child costs about 0.2 s (0.5 to 1 s more when a signature is
checked, for pyHanko's imports).
"""

import datetime
import json
import logging
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

CHILD = Path(__file__).with_name("pdf_sandbox_child.py")
MEMORY_EXCEEDED = 3  # the child's exit code when it ran out of address space (see pdf_sandbox_child)


class PdfUnreadable(Exception):
    """The file could not be read within the limits; ``str(error)`` is the French message for the user."""

    def __init__(self, reason: str):
        self.reason = reason  # "memory", "cpu", "time" or "crash", for the log
        super().__init__(
            _(
                "This file could not be read within the limits set for uploaded files (memory and time): "
                "it is damaged, or built to overload the reader. Check that it is the right file, or save it "
                "again as PDF."
            )
        )


@dataclass(frozen=True)
class SignatureReport:
    """The last embedded signature, checked against the one trusted certificate given."""

    signed: bool
    intact: bool = False
    valid: bool = False
    by_trust_root: bool = False  # made with the trusted certificate itself, and trusted
    whole_file: bool = False
    signer: str = ""
    signed_at: datetime.datetime | None = None
    error: str = ""
    signed_revision_end: int | None = None  # where the signed bytes end, when bytes follow them
    # The signature's timestamp when it is intact, valid and from an authority the portal trusts: the
    # time that authority certifies, and its name.
    timestamp_at: datetime.datetime | None = None
    timestamp_authority: str = ""

    @classmethod
    def from_json(cls, data: dict) -> "SignatureReport":
        signed_at = data.get("signed_at")
        timestamp_at = data.get("timestamp_at")
        end = data.get("signed_revision_end")
        return cls(
            signed=bool(data.get("signed")),
            intact=bool(data.get("intact")),
            valid=bool(data.get("valid")),
            by_trust_root=bool(data.get("by_trust_root")),
            whole_file=bool(data.get("whole_file")),
            signer=str(data.get("signer") or ""),
            signed_at=datetime.datetime.fromisoformat(signed_at) if signed_at else None,
            error=str(data.get("error") or ""),
            signed_revision_end=end if isinstance(end, int) else None,
            timestamp_at=datetime.datetime.fromisoformat(timestamp_at) if timestamp_at else None,
            timestamp_authority=str(data.get("timestamp_authority") or ""),
        )


@dataclass(frozen=True)
class PdfReport:
    readable: bool  # pypdf parsed it and found at least one page
    error: str = ""
    page_count: int | None = None
    keywords: str = ""  # the metadata's /Keywords
    signature: SignatureReport | None = None  # only when a trusted certificate was given


def limits() -> dict:
    return {
        "memory_mb": settings.PDF_SANDBOX_MEMORY_MB,
        "cpu_seconds": settings.PDF_SANDBOX_CPU_SECONDS,
        "wall_seconds": settings.PDF_SANDBOX_WALL_SECONDS,
    }


def inspect_pdf(
    data: bytes, *, trust_root_der: bytes | None = None, timestamp_roots_der: tuple = (), max_pages: int = 0
) -> PdfReport:
    """What the child could read of ``data``: pages, keywords and (with a trust root) the last signature,
    its timestamp checked against ``timestamp_roots_der`` (DER certificates of the authorities' roots).

    ``max_pages``: how many pages to resolve one by one (beyond the count the page tree declares).
    Raises ``PdfUnreadable`` when the child hits a limit or dies.
    """
    limit = limits()
    options = {
        "memory_mb": limit["memory_mb"],
        "cpu_seconds": limit["cpu_seconds"],
        "max_pages": max_pages,
        "trust_root_der_hex": trust_root_der.hex() if trust_root_der else None,
        "timestamp_roots_der_hex": [der.hex() for der in timestamp_roots_der],
    }
    payload = json.dumps(options).encode() + b"\n" + data
    try:
        completed = subprocess.run(
            [sys.executable, "-I", str(CHILD)],
            input=payload,
            capture_output=True,
            timeout=limit["wall_seconds"],
            # Nothing of the portal's environment (database URL, secrets) reaches the child.
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            check=False,
        )
    except subprocess.TimeoutExpired as error:  # subprocess.run has killed the child already
        raise _refused("time", len(data)) from error
    if completed.returncode == MEMORY_EXCEEDED:
        raise _refused("memory", len(data))
    if completed.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise _refused("cpu", len(data))
    try:
        report = json.loads(completed.stdout) if completed.returncode == 0 else None
    except ValueError:
        report = None
    if not isinstance(report, dict):
        raise _refused("crash", len(data), detail=f"exit {completed.returncode}: {completed.stderr[-500:]!r}")
    signature = report.get("signature")
    page_count = report.get("page_count")
    return PdfReport(
        readable=bool(report.get("readable")),
        error=str(report.get("error") or ""),
        page_count=page_count if isinstance(page_count, int) else None,
        keywords=str(report.get("keywords") or ""),
        signature=SignatureReport.from_json(signature) if isinstance(signature, dict) else None,
    )


def _refused(reason: str, size: int, detail: str = "") -> PdfUnreadable:
    logger.warning("PDF sandbox: an uploaded file of %d bytes was refused (%s) %s", size, reason, detail)
    return PdfUnreadable(reason)
