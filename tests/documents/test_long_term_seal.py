"""The long-term seal (PAdES B-LT / B-LTA), against a real RFC 3161 authority and a CRL served over local HTTP.

The test PKI (tests/documents/conftest.py) issues the seal's and the TSA's certificates; nothing is
mocked: pyHanko asks the authority over HTTP, fetches the CRL over HTTP, and the checks below use
pyHanko's validator and poppler's pdfsig.
"""

import datetime
import io

import pytest
from django.urls import reverse
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from ctg_portal.pdf_sandbox import inspect_pdf
from documents.pdf_signature import (
    SealProfile,
    TimestampUnavailable,
    check_pdf_signature,
    outside_any_event_loop,
    portal_certificate,
    seal_profile,
    seal_reason,
    sign_pdf,
)


@pytest.fixture(scope="module")
def unsigned_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<h1>Convention territoriale globale</h1><p>Texte de la convention.</p>").write_pdf()


def offline_context(reader: PdfFileReader, test_pki) -> ValidationContext:
    """Trusts the test CA and knows only what the file embeds: no fetching, a missing CRL fails."""
    return DocumentSecurityStore.read_dss(reader).as_validation_context(
        {"trust_roots": [test_pki.ca_certificate], "allow_fetching": False, "revocation_mode": "hard-fail"}
    )


def test_the_reason_says_what_the_seal_asserts_in_french():
    assert seal_reason(datetime.date(2026, 12, 7)) == "Copie conforme délivrée par le Portail CTG le 7 décembre 2026"
    assert seal_reason(datetime.date(2027, 1, 1)) == "Copie conforme délivrée par le Portail CTG le 1er janvier 2027"


def test_without_a_timestamp_authority_the_seal_is_a_basic_certification(unsigned_pdf, settings):
    settings.PDF_TIMESTAMP_URL = ""
    settings.PDF_SIGNATURE_LOCATION = ""
    assert seal_profile() == SealProfile.BASIC
    sealed = sign_pdf(unsigned_pdf, issued_on=datetime.date(2026, 12, 7))
    signature = PdfFileReader(io.BytesIO(sealed)).embedded_signatures[0]
    assert signature.docmdp_level == MDPPerm.FILL_FORMS
    assert str(signature.sig_object["/Reason"]) == "Copie conforme délivrée par le Portail CTG le 7 décembre 2026"
    assert "/Location" not in signature.sig_object
    status = outside_any_event_loop(
        validate_pdf_signature, signature, ValidationContext(trust_roots=[portal_certificate()])
    )
    assert status.bottom_line and status.timestamp_validity is None
    assert check_pdf_signature(sealed).authentic


def test_the_location_is_the_place_set(unsigned_pdf, settings):
    settings.PDF_SIGNATURE_LOCATION = "Cahors"
    signature = PdfFileReader(io.BytesIO(sign_pdf(unsigned_pdf))).embedded_signatures[0]
    assert str(signature.sig_object["/Location"]) == "Cahors"


@pytest.fixture
def long_term_pdf(unsigned_pdf, long_term_seal):
    before = len(long_term_seal.tsa_requests)
    sealed = sign_pdf(unsigned_pdf)
    assert len(long_term_seal.tsa_requests) > before  # the authority was asked over HTTP
    return sealed


def test_the_seal_carries_a_valid_timestamp_from_the_authority(long_term_pdf, long_term_seal):
    reader = PdfFileReader(io.BytesIO(long_term_pdf))
    signature = reader.embedded_signatures[0]
    status = outside_any_event_loop(validate_pdf_signature, signature, offline_context(reader, long_term_seal))
    assert status.intact and status.valid and status.trusted
    timestamp = status.timestamp_validity
    assert timestamp is not None and timestamp.intact and timestamp.valid and timestamp.trusted
    assert timestamp.signing_cert.subject.native["common_name"] == "Horodatage de test"
    assert abs(timestamp.timestamp - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(minutes=5)


def test_the_seal_is_a_certification_allowing_form_filling_only(long_term_pdf, long_term_seal):
    reader = PdfFileReader(io.BytesIO(long_term_pdf))
    signature = reader.embedded_signatures[0]
    assert signature.docmdp_level == MDPPerm.FILL_FORMS
    status = outside_any_event_loop(validate_pdf_signature, signature, offline_context(reader, long_term_seal))
    assert status.docmdp_ok
    assert str(signature.sig_object["/Reason"]).startswith("Copie conforme délivrée par le Portail CTG le ")


def test_the_validation_data_is_embedded_b_lt(long_term_pdf, long_term_seal):
    reader = PdfFileReader(io.BytesIO(long_term_pdf))
    dss = DocumentSecurityStore.read_dss(reader)
    assert dss.crls, "the CRL of the seal's and the TSA's CA is in the DSS"
    subjects = {certificate.subject.native["common_name"] for certificate in dss.load_certs()}
    assert {"CA de test du Portail CTG", "Portail CTG (cachet de test)", "Horodatage de test"} <= subjects
    # The DSS is a revision after the signature: the signature covers its own revision, not the file.
    signature = reader.embedded_signatures[0]
    status = outside_any_event_loop(validate_pdf_signature, signature, offline_context(reader, long_term_seal))
    assert status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert status.bottom_line  # trusted with the embedded CRL alone, changes after it allowed


def test_a_long_term_seal_is_authentic_for_the_portals_verification(long_term_pdf):
    check = check_pdf_signature(long_term_pdf)
    assert check.authentic
    assert "Portail CTG (cachet de test)" in check.signer


def test_bytes_appended_after_the_validation_data_are_detected(long_term_pdf):
    check = check_pdf_signature(long_term_pdf + b"\n% appended\n")
    assert check.intact and check.by_portal and not check.whole_file and not check.authentic


def test_the_issued_file_is_found_under_bytes_appended_after_its_proof(long_term_pdf):
    """The verification looks up the digest of the signed part: for a long-term seal, seal and proof."""
    report = inspect_pdf(long_term_pdf + b"\n% appended\n", trust_root_der=portal_certificate().dump())
    assert report.signature.signed_revision_end == len(long_term_pdf)


def test_a_change_to_the_document_after_the_seal_is_detected(long_term_pdf):
    writer = IncrementalPdfFileWriter(io.BytesIO(long_term_pdf))
    writer.root["/Lang"] = generic.TextStringObject("en")  # not a DSS or timestamp update
    writer.update_root()
    changed = io.BytesIO()
    writer.write(changed)
    check = check_pdf_signature(changed.getvalue())
    assert check.intact and check.by_portal and not check.whole_file and not check.authentic


def test_a_changed_byte_in_the_validation_data_is_detected(long_term_pdf, unsigned_pdf):
    tampered = bytearray(long_term_pdf)
    position = tampered.rindex(b"/DSS")
    tampered[position + 1 : position + 4] = b"XSS"
    check = check_pdf_signature(bytes(tampered))
    assert not check.authentic


def test_poppler_pdfsig_still_says_valid(long_term_pdf, pdfsig):
    output = pdfsig(long_term_pdf)
    assert "Signature Validation: Signature is Valid." in output
    assert "Certificate Validation: Certificate is Trusted." in output
    # The DSS revision follows the signature: poppler says so, and it is expected.
    assert "Not total document signed" in output


def test_the_archival_profile_adds_a_document_timestamp_b_lta(unsigned_pdf, long_term_seal, settings, pdfsig):
    settings.PDF_TIMESTAMP_ARCHIVAL = True
    assert seal_profile() == SealProfile.LONG_TERM_ARCHIVAL
    sealed = sign_pdf(unsigned_pdf)
    reader = PdfFileReader(io.BytesIO(sealed))
    seal, document_timestamp = reader.embedded_signatures
    context = offline_context(reader, long_term_seal)
    assert outside_any_event_loop(validate_pdf_signature, seal, context).bottom_line
    status = outside_any_event_loop(validate_pdf_timestamp, document_timestamp, context)
    assert status.intact and status.valid and status.trusted  # a DSS revision for its own chain follows it
    assert check_pdf_signature(sealed).authentic
    assert check_pdf_signature(sealed + b"\n% appended\n").authentic is False
    assert "Signature Validation: Signature is Valid." in pdfsig(sealed)


def test_an_unreachable_authority_fails_the_seal_rather_than_issue_it_without(unsigned_pdf, long_term_seal, settings):
    settings.PDF_TIMESTAMP_URL = long_term_seal.tsa_url.replace("/tsa", "/absent")
    with pytest.raises(TimestampUnavailable):  # an OSError: the render task retries it
        sign_pdf(unsigned_pdf)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("timestamp_url", "archival", "said", "not_said"),
    [
        ("", False, "(PAdES B-B)", ["(PAdES B-LT)", "(PAdES B-LTA)"]),
        ("http://tsa.example.test/", False, "(PAdES B-LT)", ["(PAdES B-B)", "(PAdES B-LTA)"]),
        # A document timestamp configured: the seal is B-LTA, and the page must not say B-LT.
        ("http://tsa.example.test/", True, "(PAdES B-LTA)", ["(PAdES B-B)", "(PAdES B-LT)"]),
    ],
)
def test_the_document_centre_says_which_seal_documents_get(
    client, world, settings, django_assert_max_num_queries, timestamp_url, archival, said, not_said
):
    convention, users = world
    settings.PDF_TIMESTAMP_URL = timestamp_url
    settings.PDF_TIMESTAMP_ARCHIVAL = archival
    client.force_login(users["epci_staff"])
    with django_assert_max_num_queries(30):
        response = client.get(reverse("documents:documents", args=[convention.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="seal-profile"' in page and said in page
    assert not any(other in page for other in not_said)
    assert f'data-seal-profile="{seal_profile()}"' in page
