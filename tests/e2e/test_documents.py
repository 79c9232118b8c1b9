"""Documents of record in a real browser, rendered by a real Celery worker on Redis (never in the request).

A staff member asks for Grand Cahors' convention PDF and watches the page update itself until the
download appears; a copil member downloads a committee meeting's report. Both files are checked:
PDF, signed by the portal, unmodified.
"""

import io
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from conventions.models import Convention
from documents.pdf_signature import check_pdf_signature
from tests.demo_accounts import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

RENDER_TIMEOUT_MS = 90_000  # a 20-page PDF on a busy 2-core machine


def log_in(page: Page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label(re.compile("utilisateur")).fill(username)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Mes conventions")).to_be_visible()


def open_documents(page: Page, live_server) -> None:
    grand_cahors = Convention.objects.get(epci__siren="200023737")
    page.goto(f"{live_server.url}/conventions/{grand_cahors.pk}/")
    page.get_by_role("link", name="Documents officiels (PDF)").click()


def signature_check(pdf: bytes):
    """pyHanko validates with asyncio.run, impossible in Playwright's thread (its loop runs there)."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(check_pdf_signature, pdf).result()


def downloaded_pdf(page: Page, slot, tmp_path) -> bytes:
    with page.expect_download() as download_info:
        slot.get_by_role("link", name="Télécharger").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    return path.read_bytes()


def test_staff_watch_the_convention_pdf_being_generated(
    page: Page, live_server, demo_data, celery_worker_on_redis, tmp_path
):
    log_in(page, live_server, "agent.cahors")
    open_documents(page, live_server)
    slot = page.locator("li.document-slot[id^='document-convention-v']").first
    expect(slot).to_contain_text("Pas encore généré")
    slot.get_by_role("button", name="Générer").click()

    # The request only queues the work: the card says so, then updates itself (htmx polling).
    expect(page.locator("li.document-slot[id^='document-convention-v'][aria-busy=true]").first).to_be_visible()
    page.screenshot(path="var/screenshots/e2e-document-being-generated.png", full_page=True)
    slot = page.locator("li.document-slot[id^='document-convention-v']").first
    expect(slot.get_by_role("link", name="Télécharger")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(slot).to_contain_text("Prêt")
    page.screenshot(path="var/screenshots/e2e-document-ready.png", full_page=True)

    pdf = downloaded_pdf(page, slot, tmp_path)
    assert pdf.startswith(b"%PDF-")
    assert signature_check(pdf).authentic


def test_a_copil_member_downloads_a_meeting_report(
    page: Page, live_server, demo_data, celery_worker_on_redis, tmp_path
):
    log_in(page, live_server, "copil.cahors")
    open_documents(page, live_server)
    reports = page.locator("#meeting-documents")
    slot = reports.locator("li.document-slot").first
    slot.get_by_role("button", name="Générer").click()
    slot = reports.locator("li.document-slot").first
    expect(slot.get_by_role("link", name="Télécharger")).to_be_visible(timeout=RENDER_TIMEOUT_MS)

    pdf = downloaded_pdf(page, slot, tmp_path)
    assert pdf.startswith(b"%PDF-")
    check = signature_check(pdf)
    assert check.authentic
    # A reader cannot regenerate or retry: those are the staff's buttons.
    expect(slot.get_by_role("button", name="Régénérer")).to_have_count(0)


def test_a_caf_officer_circulates_the_draft_of_la_cali(
    page: Page, live_server, demo_data, celery_worker_on_redis, tmp_path
):
    """Before any approval: the draft PDF of the live text, asked for from the convention page, « PROJET »
    on every page, sealed by the portal."""
    la_cali = Convention.objects.get(epci__siren="200070092")
    log_in(page, live_server, "caf.gironde")
    page.goto(f"{live_server.url}/conventions/{la_cali.pk}/")
    page.get_by_role("button", name="Projet de convention (PDF)").click()
    slot = page.locator("li#document-draft_convention")
    expect(slot.get_by_role("link", name="Télécharger")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    page.screenshot(path="var/screenshots/e2e-draft-ready.png", full_page=True)

    pdf = downloaded_pdf(page, slot, tmp_path)
    assert pdf.startswith(b"%PDF-")
    assert signature_check(pdf).authentic
    reader = PdfReader(io.BytesIO(pdf))
    assert all("PROJET" in pdf_page.extract_text() for pdf_page in reader.pages)
