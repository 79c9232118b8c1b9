"""A CRL (or OCSP) server down while the portal seals a document: the seal is not issued without its
revocation data, the render task retries with a backoff, the document centre says why it waits, and
once the task gives up staff can retry (« Relancer »). Against the test PKI's real HTTP CRL server
(tests/documents/conftest.py), made to answer 503 for the time of the outage."""

import io
import time

import pytest
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError

from conventions.choices import DocumentKind, DocumentStatus
from documents.pdf_signature import RevocationDataUnavailable, sign_pdf
from documents.services import queue, render
from documents.tasks import render_document
from tests.documents.conftest import tiny_pdf
from tests.documents.test_tasks import a_convention, a_document


def has_crl(pdf: bytes) -> bool:
    try:
        return bool(DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(pdf))).crls)
    except NoDSSFoundError:  # a basic seal (B-B) has no validation data at all
        return False


@pytest.fixture
def real_seal_on_a_tiny_pdf(monkeypatch, long_term_seal):
    """The convention renderer reduced to the seal: a two-page PDF sealed for real (B-LT)."""
    calls = []

    def render_convention_pdf(version, *, signed):
        calls.append(version.pk)
        return sign_pdf(tiny_pdf())

    monkeypatch.setattr(render, "render_convention_pdf", render_convention_pdf)
    return calls


def test_a_crl_outage_is_a_transient_error_and_no_seal_is_issued_without_the_crl(long_term_seal):
    asked = len(long_term_seal.crl_requests)
    with long_term_seal.outage("/ca.crl"), pytest.raises(RevocationDataUnavailable) as raised:
        sign_pdf(tiny_pdf())
    assert isinstance(raised.value, OSError)  # what the render task retries
    assert "revocation data" in str(raised.value) and "Portail CTG (cachet de test)" in str(raised.value)
    assert "/ca.crl" in long_term_seal.crl_requests[asked:]  # the CRL server was asked, and failed
    assert has_crl(sign_pdf(tiny_pdf()))  # back up: the seal embeds it


def test_without_a_timestamp_authority_no_crl_is_fetched_and_the_seal_is_basic(long_term_seal, settings):
    settings.PDF_TIMESTAMP_URL = ""
    with long_term_seal.outage("/ca.crl"):
        sealed = sign_pdf(tiny_pdf())
    assert not has_crl(sealed)


@pytest.mark.django_db
def test_the_document_waits_saying_why_then_fails_once_the_task_gives_up_and_staff_retry(
    real_seal_on_a_tiny_pdf, long_term_seal, media, django_capture_on_commit_callbacks
):
    convention = a_convention()
    document = a_document(convention, task_id="task-1")

    with long_term_seal.outage("/ca.crl"), pytest.raises(RevocationDataUnavailable):
        render.document_render(document_id=document.pk, task_id="task-1")

    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING  # waiting for the task's next attempt, not running
    assert document.attempts == 1 and "RevocationDataUnavailable" in document.error
    assert not document.file

    # What the task's on_failure records once its retries are exhausted.
    render_document.on_failure(RevocationDataUnavailable("CRL server still down"), "task-1", (document.pk,), {}, None)
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED and "CRL server still down" in document.error

    with django_capture_on_commit_callbacks() as callbacks:
        queue.document_retry(document=document, by=convention.staff)  # « Relancer »
    assert len(callbacks) == 1
    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING and document.error == ""

    rendered = render.document_render(document_id=document.pk, task_id=document.task_id)
    assert rendered.status == DocumentStatus.READY and rendered.attempts == 2
    with rendered.file.open("rb") as handle:
        assert has_crl(handle.read())


@pytest.mark.django_db
def test_the_document_centre_says_an_attempt_failed_and_another_follows(
    client, real_seal_on_a_tiny_pdf, long_term_seal, media
):
    convention = a_convention()
    document = a_document(convention, task_id="task-1")
    with long_term_seal.outage("/ca.crl"), pytest.raises(RevocationDataUnavailable):
        render.document_render(document_id=document.pk, task_id="task-1")
    client.force_login(convention.staff)
    response = client.get(reverse("documents:document_status", args=[convention.pk, document.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "document-retrying" in page and "RevocationDataUnavailable" in page
    assert 'hx-trigger="every 2s"' in page  # still awaited: the card keeps polling


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_on_a_real_worker_a_crl_outage_is_retried_and_the_document_issued_b_lt_once_it_ends(
    celery_worker_on_redis, real_seal_on_a_tiny_pdf, long_term_seal, media
):
    convention = a_convention()
    outage = long_term_seal.outage("/ca.crl").__enter__()
    try:
        document = queue.document_request(
            convention=convention, kind=DocumentKind.CONVENTION, by=convention.staff, version=convention.signed_version
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            document.refresh_from_db()
            if "RevocationDataUnavailable" in document.error:
                break
            time.sleep(0.05)
        assert document.status in (DocumentStatus.PENDING, DocumentStatus.RUNNING)
        assert "RevocationDataUnavailable" in document.error
    finally:
        outage.__exit__(None, None, None)

    # The first retry comes within retry_backoff (5 s, with jitter).
    deadline = time.monotonic() + 30
    while document.status != DocumentStatus.READY and time.monotonic() < deadline:
        time.sleep(0.1)
        document.refresh_from_db()
    assert document.status == DocumentStatus.READY, document.error
    assert document.attempts >= 2 and document.error == ""
    assert len(real_seal_on_a_tiny_pdf) >= 2
    with document.file.open("rb") as handle:
        assert has_crl(handle.read())
