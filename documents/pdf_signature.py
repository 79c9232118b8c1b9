"""The portal's digital signature on the PDFs it issues (PAdES, with pyHanko), and its verification.

The certificate and its private key come from a PKCS#12 file named by ``PDF_SIGNING_PKCS12`` (its
passphrase in ``PDF_SIGNING_PASSPHRASE``); ``manage.py make_signing_certificate`` creates a
self-signed one for development and tests. Verification trusts that certificate only: a PDF counts as
issued by the portal when it carries a signature that is cryptographically valid, made with this
certificate, and covering the whole file (nothing appended or changed after signing). The files
checked come from users: they are read in the PDF sandbox (``ctg_portal.pdf_sandbox``), never here.
"""

import asyncio
import datetime
import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter

from ctg_portal.pdf_sandbox import PdfReport, PdfUnreadable, inspect_pdf

SIGNATURE_FIELD = "PortailCTG"


class SigningNotConfigured(Exception):
    """No usable PKCS#12 file: the portal cannot sign documents."""


def create_self_signed_pkcs12(path: Path, *, passphrase: str, common_name: str, days: int = 3650) -> None:
    """Write a PKCS#12 file with a new RSA key and a self-signed certificate fit for signing PDFs."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Portail CTG"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation: pyHanko's validator requires it by default
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        common_name.encode(),
        key,
        certificate,
        None,
        serialization.BestAvailableEncryption(passphrase.encode()),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o600)


def _configured_pkcs12() -> tuple[Path, bytes]:
    path = getattr(settings, "PDF_SIGNING_PKCS12", None)
    if not path or not Path(path).is_file():
        raise SigningNotConfigured(
            f"No PKCS#12 file at {path!r}: set PDF_SIGNING_PKCS12 or run `manage.py make_signing_certificate`."
        )
    return Path(path), (getattr(settings, "PDF_SIGNING_PASSPHRASE", "") or "").encode()


@functools.cache
def _signer(path: str, mtime: float, passphrase: bytes) -> signers.SimpleSigner:
    signer = signers.SimpleSigner.load_pkcs12(path, passphrase=passphrase)
    if signer is None:
        raise SigningNotConfigured(f"Cannot read the PKCS#12 file {path} (wrong passphrase?).")
    return signer


def portal_signer() -> signers.SimpleSigner:
    path, passphrase = _configured_pkcs12()
    return _signer(str(path), path.stat().st_mtime, passphrase)


def portal_certificate() -> asn1_x509.Certificate:
    return portal_signer().signing_cert


def _outside_any_event_loop(function, /, *args, **kwargs):
    """Runs ``function`` here, or in a helper thread if this thread runs an event loop.

    pyHanko's synchronous API calls ``asyncio.run``, which refuses to start inside a running loop
    (an ASGI view, or a thread where Playwright's loop runs, as in the browser tests).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(function, *args, **kwargs).result()


def sign_pdf(pdf: bytes, *, reason: str, location: str = "") -> bytes:
    """``pdf`` with the portal's PAdES signature appended as an incremental update."""
    return _outside_any_event_loop(_sign_pdf, pdf, reason=reason, location=location)


def _sign_pdf(pdf: bytes, *, reason: str, location: str) -> bytes:
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name="Portail CTG",
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    output = signers.PdfSigner(metadata, signer=portal_signer()).sign_pdf(writer)
    return output.getvalue()


@dataclass(frozen=True)
class PdfSignatureCheck:
    """What a PDF's signatures say about it, as the verification page and command report it."""

    signed: bool
    intact: bool = False  # the signed bytes hash to what was signed
    valid: bool = False  # the signature itself checks out with its certificate
    by_portal: bool = False  # made with the portal's own certificate
    whole_file: bool = False  # nothing was added or changed after the signature
    signer: str = ""
    signed_at: datetime.datetime | None = None
    error: str = ""

    @property
    def authentic(self) -> bool:
        return self.signed and self.intact and self.valid and self.by_portal and self.whole_file


def check_pdf_signature(pdf: bytes) -> PdfSignatureCheck:
    """Check the last signature of ``pdf`` against the portal's certificate; never raises on bad input.

    The file is read in the PDF sandbox (``ctg_portal.pdf_sandbox``): it may come from anyone.
    """
    try:
        report = inspect_pdf(pdf, trust_root_der=portal_certificate().dump())
    except PdfUnreadable as error:
        return PdfSignatureCheck(signed=False, error=str(error))
    return signature_check_from_report(report)


def signature_check_from_report(report: PdfReport) -> PdfSignatureCheck:
    """The sandbox's report on the last signature, as the verification reads it."""
    signature = report.signature
    if signature is None or (not signature.signed and not signature.error):
        # No signature: a damaged or non-PDF file says why it could not be read.
        return PdfSignatureCheck(signed=False, error="" if report.readable else report.error)
    return PdfSignatureCheck(
        signed=signature.signed,
        intact=signature.intact,
        valid=signature.valid,
        by_portal=signature.by_trust_root,
        whole_file=signature.whole_file,
        signer=signature.signer,
        signed_at=signature.signed_at,
        error=signature.error,
    )
