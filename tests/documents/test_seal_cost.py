"""What a seal costs once the process has sealed before: the private key is not parsed again, and the
dry run pyHanko makes to size the signature computes no RSA signature (see ``PortalSigner``)."""

import io

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from documents import pdf_signature
from documents.pdf_signature import PortalSigner, outside_any_event_loop, portal_certificate, portal_signer, sign_pdf
from tests.documents.conftest import tiny_pdf


def test_the_private_key_is_parsed_once_per_process_and_signs_once_per_seal(monkeypatch, settings):
    settings.PDF_TIMESTAMP_URL = ""
    sign_pdf(tiny_pdf())  # the signer and its key are loaded here, once
    parsed, signed = [], []
    original_load = pdf_signature.serialization.load_der_private_key

    def counting_load(*args, **kwargs):
        parsed.append(1)
        return original_load(*args, **kwargs)

    key = portal_signer()._private_key
    assert isinstance(key, RSAPrivateKey)
    original_sign_raw = PortalSigner.sign_raw

    def counting_sign_raw(self, *args, **kwargs):
        signed.append(1)
        return original_sign_raw(self, *args, **kwargs)

    monkeypatch.setattr(pdf_signature.serialization, "load_der_private_key", counting_load)
    monkeypatch.setattr(PortalSigner, "sign_raw", counting_sign_raw)

    sealed = [sign_pdf(tiny_pdf()) for _ in range(2)]

    assert parsed == []
    assert len(signed) == 2  # one RSA signature per seal: the dry run computes none
    for pdf in sealed:
        signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
        context = ValidationContext(trust_roots=[portal_certificate()])
        assert outside_any_event_loop(validate_pdf_signature, signature, context).bottom_line
        assert len(signature.signer_info["signature"].native) == key.key_size // 8
