"""The portal's digital signature on the PDFs it issues (PAdES, with pyHanko), and its verification.

The certificate and its private key come from a PKCS#12 file named by ``PDF_SIGNING_PKCS12`` (its
passphrase in ``PDF_SIGNING_PASSPHRASE``); ``manage.py make_signing_certificate`` creates a
self-signed one for development and tests.

The seal is a certification signature (DocMDP: after it, only form filling and signing are allowed)
whose /Reason says what it asserts, « Copie conforme délivrée par le Portail CTG le … ». With a
timestamp authority (``PDF_TIMESTAMP_URL``), it is long-term: the signature carries an RFC 3161
timestamp, and a later revision (the DSS) holds the certificates and CRL/OCSP answers of the signer's
and the TSA's chains, PAdES B-LT; ``PDF_TIMESTAMP_ARCHIVAL`` adds a document timestamp over all of it
(B-LTA). Without a TSA the seal is PAdES B-B, dated by the server's clock. Each timestamp round trip
is logged with its duration, apart from the rest of the render.

Verification trusts that certificate only: a PDF counts as issued by the portal when it carries a
signature that is cryptographically valid, made with this certificate, and covering the whole file
(nothing appended or changed after signing but the seal's own proof: DSS and document timestamp). The files
checked come from users: they are read in the PDF sandbox (``ctg_portal.pdf_sandbox``), never here.
"""

import asyncio
import datetime
import functools
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from asn1crypto import pem, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils import timezone
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.general import SigningError, get_pyca_cryptography_hash
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import InsufficientRevinfoError, ValidationError

from ctg_portal.pdf_sandbox import PdfReport, PdfUnreadable, inspect_pdf

logger = logging.getLogger(__name__)

SIGNATURE_FIELD = "PortailCTG"
TIMESTAMP_FIELD = "PortailCTGHorodatage"
# Document data, in French whatever the interface language: what the seal asserts.
SEAL_REASON = "Copie conforme délivrée par le Portail CTG le {date}"
FRENCH_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


class SigningNotConfigured(Exception):
    """No usable PKCS#12 file: the portal cannot sign documents."""


class TimestampUnavailable(OSError):
    """The timestamp authority did not answer (or refused): transient, so an OSError the render task retries.

    The document is not issued without its timestamp: a long-term seal that silently fell back to the
    server's clock would claim a proof it lacks.
    """


class RevocationDataUnavailable(OSError):
    """The CRL or OCSP answer of a certificate in the seal's or the TSA's chain could not be fetched (its
    server down or answering an error): transient, so an OSError the render task retries with a backoff.

    As for the timestamp, the document is not issued without it: a seal that says B-LT must carry them.
    """


def _cause_of_kind(error: BaseException | None, kind: type[BaseException]) -> BaseException | None:
    """``error`` or the first exception it was raised from (``__cause__``/``__context__``) that is a ``kind``."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, kind):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


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


class PortalSigner(signers.SimpleSigner):
    """pyHanko's in-memory signer, keeping its private key loaded for the life of the process.

    ``SimpleSigner.sign_raw`` parses and checks the private key at every call, and pyHanko calls it twice
    per seal (a dry run sizes the signature first): for a 3072-bit RSA key, that check was most of the
    seal's time (about 0.1 s a call at rest, 0.45 s on a loaded machine). The key is loaded once here;
    the dry run of an RSA key gets bytes of the signature's exact length without computing one.
    """

    @functools.cached_property
    def _private_key(self):
        return serialization.load_der_private_key(self.signing_key.dump(), password=None)

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
        if dry_run and isinstance(self._private_key, rsa.RSAPrivateKey):
            return bytes((self._private_key.key_size + 7) // 8)
        return self.sign_raw(data, digest_algorithm)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        key = self._private_key
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if isinstance(key, rsa.RSAPrivateKey) and mechanism == "rsassa_pkcs1v15":
            return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        return super().sign_raw(data, digest_algorithm)  # other keys and paddings: pyHanko's own way


@functools.cache
def _signer(path: str, mtime: float, passphrase: bytes) -> PortalSigner:
    loaded = signers.SimpleSigner.load_pkcs12(path, passphrase=passphrase)
    if loaded is None:
        raise SigningNotConfigured(f"Cannot read the PKCS#12 file {path} (wrong passphrase?).")
    return PortalSigner(
        signing_cert=loaded.signing_cert,
        signing_key=loaded.signing_key,
        cert_registry=loaded.cert_registry,
        signature_mechanism=loaded.signature_mechanism,
    )


def portal_signer() -> PortalSigner:
    path, passphrase = _configured_pkcs12()
    return _signer(str(path), path.stat().st_mtime, passphrase)


def portal_certificate() -> asn1_x509.Certificate:
    return portal_signer().signing_cert


def outside_any_event_loop(function, /, *args, **kwargs):
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


class SealProfile:
    """The PAdES baseline level the portal's settings give its seals: "B-B", "B-LT" or "B-LTA"."""

    BASIC = "B-B"
    LONG_TERM = "B-LT"
    LONG_TERM_ARCHIVAL = "B-LTA"


def seal_profile() -> str:
    if not settings.PDF_TIMESTAMP_URL:
        return SealProfile.BASIC
    return SealProfile.LONG_TERM_ARCHIVAL if settings.PDF_TIMESTAMP_ARCHIVAL else SealProfile.LONG_TERM


def seal_reason(issued_on: datetime.date) -> str:
    """« Copie conforme délivrée par le Portail CTG le 7 décembre 2026 » (1er for the first of the month)."""
    day = "1er" if issued_on.day == 1 else str(issued_on.day)
    return SEAL_REASON.format(date=f"{day} {FRENCH_MONTHS[issued_on.month - 1]} {issued_on.year}")


class TimedTimeStamper(HTTPTimeStamper):
    """pyHanko's RFC 3161 HTTP client, logging how long each round trip to the TSA takes.

    A timestamp is a network call to a third party: the render's duration must show it apart
    (``make bench`` compares renders to WeasyPrint alone; without a TSA there is none).
    """

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        started = time.perf_counter()
        try:
            return await super().async_request_tsa_response(req)
        finally:
            logger.info("PDF seal: timestamp from %s in %.3f s", self.url, time.perf_counter() - started)


@functools.cache
def _timestamper(url: str, username: str, password: str, timeout: int) -> TimedTimeStamper:
    # One per configuration and process: pyHanko asks the TSA once for a sample token to size the
    # signature, and keeps it for the following seals.
    return TimedTimeStamper(url, timeout=timeout, auth=(username, password) if username else None)


def portal_timestamper() -> TimedTimeStamper | None:
    if not settings.PDF_TIMESTAMP_URL:
        return None
    return _timestamper(
        settings.PDF_TIMESTAMP_URL,
        settings.PDF_TIMESTAMP_USERNAME,
        settings.PDF_TIMESTAMP_PASSWORD,
        settings.PDF_TIMESTAMP_TIMEOUT_SECONDS,
    )


def _is_self_signed(certificate: asn1_x509.Certificate) -> bool:
    return certificate.subject == certificate.issuer


def validation_trust_roots() -> list[asn1_x509.Certificate]:
    """Roots of the chains whose proof a long-term seal embeds: the PKCS#12's own CA certificates (or its
    self-signed certificate), and the PEM bundle ``PDF_VALIDATION_TRUST_ROOTS`` (the TSA's root)."""
    signer = portal_signer()
    roots = [certificate for certificate in signer.cert_registry if _is_self_signed(certificate)]
    if _is_self_signed(signer.signing_cert):
        roots.append(signer.signing_cert)
    if settings.PDF_VALIDATION_TRUST_ROOTS:
        for _type, _headers, der in pem.unarmor(Path(settings.PDF_VALIDATION_TRUST_ROOTS).read_bytes(), multiple=True):
            roots.append(asn1_x509.Certificate.load(der))
    return roots


def timestamp_trust_roots_der() -> tuple[bytes, ...]:
    """The roots a seal's timestamp is checked against when a PDF is verified (DER): the same as those whose
    proof a long-term seal embeds. Empty when the settings name no readable ones: the verification then
    shows no certified time rather than fail."""
    try:
        return tuple(certificate.dump() for certificate in validation_trust_roots())
    except (SigningNotConfigured, OSError, ValueError):
        logger.warning("PDF verification: the timestamp authorities' roots could not be read", exc_info=True)
        return ()


def _validation_context() -> ValidationContext:
    # Every certificate below a root must come with its revocation status (CRL or OCSP), fetched now:
    # a seal that says B-LT without it would not be one. A CA that does not answer fails this attempt
    # (RevocationDataUnavailable): the render task retries it with a backoff, then the document centre
    # offers to retry it.
    return ValidationContext(
        trust_roots=validation_trust_roots(),
        other_certs=list(portal_signer().cert_registry),
        allow_fetching=True,
        revocation_mode="hard-fail",
    )


def sign_pdf(pdf: bytes, *, issued_on: datetime.date | None = None) -> bytes:
    """``pdf`` with the portal's seal appended as incremental updates (see the module's docstring)."""
    return outside_any_event_loop(_sign_pdf, pdf, issued_on=issued_on or timezone.localdate())


def _sign_pdf(pdf: bytes, *, issued_on: datetime.date) -> bytes:
    timestamper = portal_timestamper()
    long_term = timestamper is not None
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        reason=seal_reason(issued_on),
        location=settings.PDF_SIGNATURE_LOCATION or None,
        name="Portail CTG",
        certify=True,
        docmdp_permissions=MDPPerm.FILL_FORMS,
        embed_validation_info=long_term,
        validation_context=_validation_context() if long_term else None,
        use_pades_lta=long_term and settings.PDF_TIMESTAMP_ARCHIVAL,
        timestamp_field_name=TIMESTAMP_FIELD,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    started = time.perf_counter()
    try:
        output = signers.PdfSigner(metadata, signer=portal_signer(), timestamper=timestamper).sign_pdf(writer)
    except TimestampRequestError as error:
        raise TimestampUnavailable(f"The timestamp authority {settings.PDF_TIMESTAMP_URL} failed: {error}") from error
    except (SigningError, ValidationError) as error:
        # pyHanko validates the chains before embedding their proof; with revocation_mode="hard-fail" a CRL
        # or OCSP server that does not answer ends in InsufficientRevinfoError. A revoked or otherwise
        # invalid certificate is another error, which no retry cures: it propagates as it is.
        missing = _cause_of_kind(error, InsufficientRevinfoError) if long_term else None
        if missing is None:
            raise
        raise RevocationDataUnavailable(
            f"The revocation data (CRL or OCSP) of the seal's certificates could not be fetched: {missing}"
        ) from error
    data = output.getvalue()
    logger.info(
        "PDF seal: %s, %d bytes added in %.3f s", seal_profile(), len(data) - len(pdf), time.perf_counter() - started
    )
    return data


@dataclass(frozen=True)
class PdfSignatureCheck:
    """What a PDF's signatures say about it, as the verification page and command report it."""

    signed: bool
    intact: bool = False  # the signed bytes hash to what was signed
    valid: bool = False  # the signature itself checks out with its certificate
    by_portal: bool = False  # made with the portal's own certificate
    whole_file: bool = False  # nothing was added or changed after the signature
    signer: str = ""
    signed_at: datetime.datetime | None = None  # what the signer's own clock said (the server's)
    # The RFC 3161 timestamp on the seal, when intact and from a trusted authority: the time it certifies.
    timestamped_at: datetime.datetime | None = None
    timestamp_authority: str = ""
    error: str = ""

    @property
    def authentic(self) -> bool:
        return self.signed and self.intact and self.valid and self.by_portal and self.whole_file


def check_pdf_signature(pdf: bytes) -> PdfSignatureCheck:
    """Check the last signature of ``pdf`` against the portal's certificate; never raises on bad input.

    The file is read in the PDF sandbox (``ctg_portal.pdf_sandbox``): it may come from anyone.
    """
    try:
        report = inspect_pdf(
            pdf, trust_root_der=portal_certificate().dump(), timestamp_roots_der=timestamp_trust_roots_der()
        )
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
        timestamped_at=signature.timestamp_at,
        timestamp_authority=signature.timestamp_authority,
        error=signature.error,
    )
