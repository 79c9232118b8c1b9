"""The portal's PAdES signature: pyHanko and poppler's pdfsig both accept it; any change breaks it."""

import pytest
from django.core.management import call_command

from documents.pdf_signature import SigningNotConfigured, check_pdf_signature, sign_pdf


@pytest.fixture(scope="module")
def unsigned_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<h1>Convention territoriale globale</h1><p>Texte de la convention.</p>").write_pdf()


@pytest.fixture(scope="module")
def signed_pdf(unsigned_pdf) -> bytes:
    return sign_pdf(unsigned_pdf)


def test_a_signed_pdf_is_authentic(signed_pdf):
    check = check_pdf_signature(signed_pdf)
    assert check.authentic
    assert "Portail CTG (tests)" in check.signer
    assert check.signed_at is not None


def test_one_changed_byte_breaks_the_signature(signed_pdf, unsigned_pdf):
    tampered = bytearray(signed_pdf)
    position = len(unsigned_pdf) // 2  # inside the signed range, in the document's own content
    tampered[position] = (tampered[position] + 1) % 256
    check = check_pdf_signature(bytes(tampered))
    assert check.signed and not check.intact and not check.authentic


def test_bytes_appended_after_signing_are_detected(signed_pdf):
    check = check_pdf_signature(signed_pdf + b"\n% appended\n")
    assert check.intact and not check.whole_file and not check.authentic


def test_an_unsigned_pdf_and_a_non_pdf_are_not_authentic(unsigned_pdf):
    assert check_pdf_signature(unsigned_pdf).signed is False
    garbage = check_pdf_signature(b"not a pdf at all")
    assert garbage.signed is False and garbage.error


def test_a_signature_by_another_certificate_is_not_the_portals(signed_pdf, settings, tmp_path):
    call_command(
        "make_signing_certificate", output=tmp_path / "other.p12", passphrase="autre", common_name="Quelqu'un d'autre"
    )
    settings.PDF_SIGNING_PKCS12 = tmp_path / "other.p12"
    settings.PDF_SIGNING_PASSPHRASE = "autre"
    check = check_pdf_signature(signed_pdf)
    assert check.intact and check.valid and not check.by_portal and not check.authentic


def test_signing_without_a_certificate_says_how_to_make_one(unsigned_pdf, settings, tmp_path):
    settings.PDF_SIGNING_PKCS12 = tmp_path / "absent.p12"
    with pytest.raises(SigningNotConfigured, match="make_signing_certificate"):
        sign_pdf(unsigned_pdf)


def test_the_command_keeps_an_existing_certificate(tmp_path, capsys):
    target = tmp_path / "portal.p12"
    call_command("make_signing_certificate", output=target, passphrase="p")
    first = target.read_bytes()
    call_command("make_signing_certificate", output=target, passphrase="p")
    assert target.read_bytes() == first
    call_command("make_signing_certificate", output=target, passphrase="p", force=True)
    assert target.read_bytes() != first


def test_poppler_pdfsig_reports_the_signature_valid_and_the_document_whole(signed_pdf, pdfsig):
    output = pdfsig(signed_pdf)
    assert "Signature Validation: Signature is Valid." in output
    assert "Certificate Validation: Certificate is Trusted." in output
    assert "Total document signed" in output


def test_signing_and_checking_work_inside_a_running_event_loop(unsigned_pdf):
    """pyHanko's sync API calls asyncio.run: inside a running loop (ASGI, Playwright) it must still work."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    async def inside_a_loop():
        asyncio.get_running_loop()  # there is one
        return check_pdf_signature(sign_pdf(unsigned_pdf))

    # A thread of its own: this one may already run Playwright's loop when the browser tests ran first.
    with ThreadPoolExecutor(max_workers=1) as executor:
        assert executor.submit(asyncio.run, inside_a_loop()).result().authentic
