"""Fixtures of the documents' tests: stand-in renderers, a media folder per test, poppler's pdfsig, and a
test PKI (CA, seal and TSA certificates, a CRL and an RFC 3161 timestamp authority served over local HTTP)."""

import datetime
import io
import shutil
import subprocess
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps import DummyTimeStamper
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
    _key, certificate, others = pkcs12.load_key_and_certificates(
        Path(settings.PDF_SIGNING_PKCS12).read_bytes(), settings.PDF_SIGNING_PASSPHRASE.encode()
    )
    nss = folder / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    # The portal's certificate when it is self-signed; its CA's when it comes with one (long-term seal).
    for number, trusted in enumerate(others or [certificate]):
        (folder / f"trusted-{number}.pem").write_bytes(trusted.public_bytes(Encoding.PEM))
        subprocess.run(
            ["certutil", "-A", "-d", f"sql:{nss}", "-n", f"portail-ctg-{number}", "-t", "CT,C,C"]
            + ["-i", str(folder / f"trusted-{number}.pem")],
            check=True,
        )

    def report(pdf: bytes) -> str:
        path = folder / "checked.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            ["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True, check=False
        ).stdout

    return report


@dataclass(frozen=True)
class TestPki:
    """A CA, a seal certificate (in a PKCS#12 file with the CA) and a TSA certificate it issued; its CRL
    and an RFC 3161 timestamp authority answer over HTTP on 127.0.0.1 while the test session runs."""

    ca_certificate: asn1_x509.Certificate
    pkcs12_path: Path
    passphrase: str
    tsa_url: str
    crl_url: str
    tsa_requests: list  # the TimeStampReq the authority answered, in order
    crl_requests: list  # the paths of the CRL downloads asked for, in order
    outages: set  # paths ("/ca.crl", "/tsa") answered 503 while they are in it: a server down

    def outage(self, *paths: str):
        """``with test_pki.outage("/ca.crl"):`` the CRL's server answers 503 until the block ends."""
        return _Outage(self.outages, paths)


class _Outage:
    def __init__(self, outages: set, paths):
        self.outages, self.paths = outages, set(paths)

    def __enter__(self):
        self.outages.update(self.paths)
        return self

    def __exit__(self, *exc):
        self.outages.difference_update(self.paths)
        return False


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Autorité de test"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(**granted) -> x509.KeyUsage:
    usages = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment")
    usages += ("key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{usage: granted.get(usage, False) for usage in usages})


def _issue(subject: str, key, *, issuer_name, issuer_key, ca: bool, crl_url: str = "", extra=()) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    if crl_url:
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    for extension, critical in extra:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(issuer_key, hashes.SHA256())


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))


@pytest.fixture(scope="session")
def test_pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pki")
    routes: dict[str, tuple[str, bytes]] = {}
    tsa_requests: list = []
    crl_requests: list = []
    outages: set = set()
    timestamper: list[DummyTimeStamper] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, content_type: str, body: bytes, status: int = 200):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            crl_requests.append(self.path)
            if self.path in outages:
                self._answer("text/plain", b"down for maintenance", status=503)
                return
            route = routes.get(self.path)
            self._answer(*(route or ("text/plain", b"not found")), status=200 if route else 404)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path in outages:
                self._answer("text/plain", b"down for maintenance", status=503)
                return
            if self.path != "/tsa" or self.headers.get("Content-Type") != "application/timestamp-query":
                self._answer("text/plain", b"not a timestamp query", status=400)
                return
            request = tsp.TimeStampReq.load(body)
            tsa_requests.append(request)
            self._answer("application/timestamp-reply", timestamper[0].request_tsa_response(request).dump())

        def log_message(self, *args):  # the test output stays quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    crl_url = f"{base}/ca.crl"

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = _name("CA de test du Portail CTG")
    ca = _issue(
        "CA de test du Portail CTG",
        ca_key,
        issuer_name=ca_name,
        issuer_key=ca_key,
        ca=True,
        extra=[(_key_usage(key_cert_sign=True, crl_sign=True, digital_signature=True), True)],
    )
    seal_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    seal = _issue(
        "Portail CTG (cachet de test)",
        seal_key,
        issuer_name=ca_name,
        issuer_key=ca_key,
        ca=False,
        crl_url=crl_url,
        extra=[(_key_usage(digital_signature=True, content_commitment=True), True)],
    )
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa = _issue(
        "Horodatage de test",
        tsa_key,
        issuer_name=ca_name,
        issuer_key=ca_key,
        ca=False,
        crl_url=crl_url,
        extra=[
            (_key_usage(digital_signature=True, content_commitment=True), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True),
        ],
    )
    now = datetime.datetime.now(datetime.UTC)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_name)
        .last_update(now - datetime.timedelta(hours=1))
        .next_update(now + datetime.timedelta(days=7))
        .add_extension(x509.CRLNumber(1), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    routes["/ca.crl"] = ("application/pkix-crl", crl.public_bytes(Encoding.DER))
    timestamper.append(
        DummyTimeStamper(
            tsa_cert=_asn1(tsa),
            tsa_key=asn1_keys.PrivateKeyInfo.load(
                tsa_key.private_bytes(Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
            ),
            certs_to_embed=[_asn1(ca)],
        )
    )

    passphrase = "pki-de-test"
    pkcs12_path = folder / "seal.p12"
    pkcs12_path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"seal", seal_key, seal, [ca], serialization.BestAvailableEncryption(passphrase.encode())
        )
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield TestPki(
        ca_certificate=_asn1(ca),
        pkcs12_path=pkcs12_path,
        passphrase=passphrase,
        tsa_url=f"{base}/tsa",
        crl_url=crl_url,
        tsa_requests=tsa_requests,
        crl_requests=crl_requests,
        outages=outages,
    )
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def long_term_seal(settings, test_pki):
    """The portal sealing with the test PKI's certificate and timestamping with its authority (B-LT)."""
    settings.PDF_SIGNING_PKCS12 = test_pki.pkcs12_path
    settings.PDF_SIGNING_PASSPHRASE = test_pki.passphrase
    settings.PDF_TIMESTAMP_URL = test_pki.tsa_url
    settings.PDF_TIMESTAMP_ARCHIVAL = False
    return test_pki
