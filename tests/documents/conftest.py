"""Fixtures of the documents' tests: stand-in renderers, a media folder per test, and poppler's pdfsig."""

import io
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from pypdf import PdfWriter

from conventions.choices import DocumentKind
from documents.services import render
from documents.snapshot import build_content, content_sha256


def tiny_pdf(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class FakeRenderers:
    """Stands in for helpers B's and C's renderers; records its calls; may be told to fail."""

    def __init__(self):
        self.calls: list[tuple] = []
        self.error: BaseException | None = None
        self.pages = 2

    def function(self, kind):
        def render(subject, **kwargs):
            self.calls.append((kind, subject.pk, kwargs))
            if self.error is not None:
                raise self.error
            return tiny_pdf(self.pages) + f"% {kind} {subject.pk} {len(self.calls)}\n".encode()

        return render


@pytest.fixture
def renderers(monkeypatch):
    """The flow without WeasyPrint: every kind of document renders as a real (tiny) PDF."""
    fake = FakeRenderers()

    def convention_pdf(version, *, signed):
        kind = DocumentKind.SIGNED_CONVENTION if signed else DocumentKind.CONVENTION
        return fake.function(kind)(version, signed=signed)

    def draft_pdf(convention):
        # The real one returns the digest of the live content it rendered: so does the stand-in.
        return fake.function(DocumentKind.DRAFT_CONVENTION)(convention), content_sha256(build_content(convention))

    monkeypatch.setattr(render, "render_convention_pdf", convention_pdf)
    monkeypatch.setattr(render, "render_copil_report_pdf", fake.function(DocumentKind.COPIL_REPORT))
    monkeypatch.setattr(render, "render_draft_convention_pdf", draft_pdf)
    return fake


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def pdfsig(tmp_path, settings):
    """Poppler's ``pdfsig`` report (its standard output) on a PDF: ``pdfsig(pdf_bytes) -> str``.

    pdfsig trusts only certificates in its NSS database: the portal's test certificate is put in a new
    one. Without poppler-utils the test is skipped.
    """
    if not shutil.which("pdfsig"):
        pytest.skip("poppler-utils is installed by make install")
    folder = tmp_path / "pdfsig"
    folder.mkdir()
    _key, certificate, _others = pkcs12.load_key_and_certificates(
        settings.PDF_SIGNING_PKCS12.read_bytes(), settings.PDF_SIGNING_PASSPHRASE.encode()
    )
    (folder / "portal.pem").write_bytes(certificate.public_bytes(Encoding.PEM))
    nss = folder / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{nss}", "-n", "portail-ctg", "-t", "CT,C,C", "-i", str(folder / "portal.pem")],
        check=True,
    )

    def report(pdf: bytes) -> str:
        path = folder / "checked.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            ["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True, check=False
        ).stdout

    return report
