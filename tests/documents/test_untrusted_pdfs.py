"""PDFs from users: read in the sandbox (limits, isolation), scans checked, verification rate-limited and discreet."""

import hashlib
import re
import time

import pytest
from django.urls import reverse
from django.utils import translation

from conventions.choices import ConventionStatus, DocumentKind
from conventions.models import Signature
from ctg_portal import pdf_sandbox
from ctg_portal.pdf_sandbox import PdfUnreadable, inspect_pdf
from documents import verification
from documents.pdf_signature import sign_pdf
from documents.verification import Verdict, verify_pdf
from tests.conventions.factories import ConventionFactory, GovernanceBodyFactory, MeetingFactory
from tests.documents.test_verification import upload
from tests.partners.factories import MembershipFactory, UserFactory
from tests.pdfs import SCAN, malformed_pdfs, pdf_with_pages, xref_stream_bomb
from tests.workflow.test_signing_services import Signing, pdf_upload
from tests.workflow.test_signing_views import paper_data, paper_url, text_of
from workflow.services import signing

pytestmark = pytest.mark.django_db

LIMITS_MESSAGE = "Ce fichier n’a pas pu être lu dans les limites"


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def result_section(response) -> str:
    match = re.search(r'<section id="verification-result".*?</section>', response.content.decode(), re.S)
    assert match, "no verification result on the page"
    return match.group(0)


# --- The sandbox --------------------------------------------------------------------------------------


def test_the_149_byte_xref_stream_bomb_is_read_without_pyhanko_and_answered_quickly():
    bomb = xref_stream_bomb()
    assert len(bomb) == 149 and b"/Size 2147483647" in bomb
    started = time.monotonic()
    report = inspect_pdf(bomb, trust_root_der=b"0\x03\x02\x01\x00")
    assert time.monotonic() - started < 5
    assert not report.readable and report.signature is not None and not report.signature.signed


def test_the_bomb_that_reaches_pyhanko_is_stopped_by_the_cpu_limit(settings):
    settings.PDF_SANDBOX_WALL_SECONDS = 6  # production's (tests/conftest.py raises it for the other tests)
    bomb = xref_stream_bomb(claims_a_signature=True)
    started = time.monotonic()
    with pytest.raises(PdfUnreadable) as refused:
        inspect_pdf(bomb, trust_root_der=b"0\x03\x02\x01\x00")
    # 3 s of CPU, about as much wall time on an idle machine; the wall limit bounds a busy one.
    assert time.monotonic() - started < settings.PDF_SANDBOX_WALL_SECONDS + 1
    assert refused.value.reason in {"cpu", "time"}
    with translation.override("fr"):
        assert str(PdfUnreadable("cpu")).startswith(LIMITS_MESSAGE)


def test_the_wall_clock_limit_kills_a_child_that_takes_too_long(settings):
    settings.PDF_SANDBOX_CPU_SECONDS = 30
    settings.PDF_SANDBOX_WALL_SECONDS = 1
    started = time.monotonic()
    with pytest.raises(PdfUnreadable) as refused:
        inspect_pdf(xref_stream_bomb(claims_a_signature=True), trust_root_der=b"0\x03\x02\x01\x00")
    assert refused.value.reason == "time"
    assert time.monotonic() - started < 3


def test_the_memory_limit_refuses_the_file_instead_of_growing(settings):
    settings.PDF_SANDBOX_MEMORY_MB = 30  # too little for the parsers themselves: the limit is what stops it
    with pytest.raises(PdfUnreadable) as refused:
        inspect_pdf(SCAN)
    assert refused.value.reason in {"memory", "crash"}


def test_a_readable_pdf_reports_its_pages_and_keywords():
    report = inspect_pdf(pdf_with_pages(3))
    assert report.readable and report.page_count == 3 and report.signature is None


def test_the_child_sees_neither_the_project_nor_its_environment(monkeypatch, tmp_path, settings):
    """The child cannot import the portal (hence its settings and database) nor read its secrets."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import importlib.util, json, os, sys\n"
        "sys.stdin.buffer.read()\n"
        'found = importlib.util.find_spec("ctg_portal") or importlib.util.find_spec("conventions")\n'
        'print(json.dumps({"readable": found is None, "error": " ".join(sorted(os.environ))}))\n'
    )
    monkeypatch.setattr(pdf_sandbox, "CHILD", probe)
    monkeypatch.setenv("DATABASE_URL", "postgres://secret@db/ctg")
    monkeypatch.chdir(settings.BASE_DIR)  # even from the project's folder
    report = inspect_pdf(SCAN)
    assert report.readable, "the child could import the portal"
    assert "DATABASE_URL" not in report.error and "SECRET_KEY" not in report.error


# --- The verification page with damaged and hostile files ---------------------------------------------


@pytest.mark.parametrize("name", list(malformed_pdfs()))
def test_each_damaged_or_hostile_pdf_gets_a_french_answer_within_seconds(client, name, settings):
    settings.PDF_SANDBOX_WALL_SECONDS = 6  # production's (tests/conftest.py raises it for the other tests)
    client.force_login(UserFactory())
    started = time.monotonic()
    response = upload(client, malformed_pdfs()[name])
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    section = result_section(response)
    # The one that reaches pyHanko's loop runs to the CPU limit (3 s): on a busy machine, to the wall limit.
    limit = settings.PDF_SANDBOX_WALL_SECONDS + 1 if "claiming a signature" in name else 5
    assert elapsed < limit, f"{name}: {elapsed:.1f} s"
    assert re.search(r'data-verdict="(not_issued|unreadable)"', section)
    assert "Ce document n’a pas été émis par le portail" in section or LIMITS_MESSAGE in section


def test_a_bomb_that_breaks_the_limits_is_answered_with_the_limits_message(client):
    bomb = xref_stream_bomb(claims_a_signature=True)
    client.force_login(UserFactory())
    section = result_section(upload(client, bomb))
    assert 'data-verdict="unreadable"' in section and LIMITS_MESSAGE in section
    with translation.override("en"):
        result = verify_pdf(bomb)
    assert result.verdict == Verdict.UNREADABLE and "within the limits" in result.message


def test_an_empty_file_is_a_form_error(client):
    client.force_login(UserFactory())
    response = upload(client, b"")
    assert response.status_code == 200 and "Le fichier est vide" in response.content.decode()


# --- Rate limit of the verification page --------------------------------------------------------------


@pytest.fixture
def no_parsing(monkeypatch):
    """Counts the files that reach the verification (the sandbox) instead of reading them."""
    calls = []

    def fake_verify(data):
        calls.append(data)
        return verification.VerificationResult(verdict=Verdict.NOT_ISSUED, sha256=hashlib.sha256(data).hexdigest())

    monkeypatch.setattr("documents.views.verification.verify_pdf", fake_verify)
    return calls


def test_a_person_over_the_limit_gets_429_and_nothing_is_read(client, settings, no_parsing):
    settings.VERIFICATION_RATE_LIMIT = 2
    client.force_login(UserFactory())
    assert [upload(client, SCAN).status_code for _ in range(2)] == [200, 200]
    response = upload(client, SCAN)
    assert response.status_code == 429 and len(no_parsing) == 2
    page = text_of(response)
    assert "Vous avez envoyé trop de fichiers à vérifier en peu de temps" in page
    assert 'id="verification-result"' not in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= settings.VERIFICATION_RATE_WINDOW_SECONDS
    # From another address, the same person is still over the limit.
    assert client.post(reverse("documents:verify"), REMOTE_ADDR="192.0.2.99").status_code == 429


def test_an_address_over_the_limit_gets_429_whoever_signs_in(client, settings, no_parsing):
    settings.VERIFICATION_RATE_LIMIT = 2
    for _ in range(2):
        client.force_login(UserFactory())
        assert upload(client, SCAN).status_code == 200
    client.force_login(UserFactory())
    assert upload(client, SCAN).status_code == 429 and len(no_parsing) == 2
    # Reading the page costs nothing: it is not limited.
    assert client.get(reverse("documents:verify")).status_code == 200


# --- What the verdict discloses -----------------------------------------------------------------------


def claiming_pdf(words: str, *, sealed: bool = False) -> bytes:
    from weasyprint import HTML

    html = f'<html><head><meta name="keywords" content="{words}"></head><p>Une convention</p></html>'
    data = HTML(string=html).write_pdf()
    return sign_pdf(data) if sealed else data


def keywords_for(reference: str, number: int = 1) -> str:
    return f"ctg-reference={reference}; ctg-version={number}; ctg-version-sha256={'a' * 64}; ctg-kind=convention"


@pytest.fixture
def hidden_convention():
    """A signed convention that the outsider may not see; its reference has the length of a made-up one."""
    return ConventionFactory(status=ConventionStatus.SIGNED)


def outsider_sections(client, existing: bytes, made_up: bytes) -> tuple[str, str]:
    client.force_login(UserFactory())
    sections = []
    for data in (existing, made_up):
        sections.append(result_section(upload(client, data)).replace(hashlib.sha256(data).hexdigest(), "SHA"))
    return tuple(sections)


def test_an_unsealed_claim_reads_the_same_for_an_existing_and_a_made_up_reference(client, hidden_convention):
    existing = claiming_pdf(keywords_for(hidden_convention.reference))
    made_up = claiming_pdf(keywords_for("CTG-0000-NOPE"))
    assert verify_pdf(existing).verdict == Verdict.MODIFIED  # what someone who may see it is told
    assert verify_pdf(made_up).verdict == Verdict.NOT_ISSUED
    seen_existing, seen_made_up = outsider_sections(client, existing, made_up)
    assert seen_existing == seen_made_up
    assert 'data-verdict="not_issued"' in seen_existing
    assert hidden_convention.reference not in seen_existing and "verification-no-details" not in seen_existing


def test_a_claimed_meeting_reads_the_same_whether_it_exists_or_not(client, hidden_convention):
    meeting = MeetingFactory(body=GovernanceBodyFactory(convention=hidden_convention))
    existing = claiming_pdf(f"ctg-reference=X; ctg-meeting={meeting.pk}; ctg-kind={DocumentKind.COPIL_REPORT}")
    made_up = claiming_pdf(f"ctg-reference=X; ctg-meeting={meeting.pk + 1000}; ctg-kind={DocumentKind.COPIL_REPORT}")
    assert verify_pdf(existing).meeting == meeting
    seen_existing, seen_made_up = outsider_sections(client, existing, made_up)
    assert seen_existing == seen_made_up and 'data-verdict="not_issued"' in seen_existing


def test_bytes_added_after_the_seal_claiming_a_hidden_convention_name_nothing(client, hidden_convention):
    """The portal's intact seal over part of the file makes it "modified" either way: the claim (which the
    added bytes may have changed) must not add the "you cannot see its convention" note."""
    added = b"\n% added after the seal\n"
    existing = claiming_pdf(keywords_for(hidden_convention.reference), sealed=True) + added
    made_up = claiming_pdf(keywords_for("CTG-0000-NOPE"), sealed=True) + added
    seen_existing, seen_made_up = outsider_sections(client, existing, made_up)
    assert seen_existing == seen_made_up
    assert 'data-verdict="modified"' in seen_existing and "verification-no-details" not in seen_existing


def test_who_may_see_the_convention_still_gets_the_modified_verdict_with_its_details(client, hidden_convention):
    client.force_login(MembershipFactory(organisation=hidden_convention.epci).user)
    section = result_section(upload(client, claiming_pdf(keywords_for(hidden_convention.reference))))
    assert 'data-verdict="modified"' in section and hidden_convention.reference in section


# --- Scans of paper signatures ------------------------------------------------------------------------


def test_a_scan_over_the_page_limit_is_refused_and_nothing_saved(client, settings):
    settings.SCAN_MAX_PAGES = 2
    story = Signing(orders=(1,))
    client.force_login(story.staff)
    response = client.post(paper_url(story, 0), paper_data(story, scan=pdf_upload(pdf_with_pages(3))))
    assert response.status_code == 200
    assert "Le scan compte 3 pages ; 2 au plus sont acceptées" in text_of(response)
    assert not Signature.objects.exists()
    with pytest.raises(signing.SignatureRefused, match="3 pages"), translation.override("en"):
        story.record_paper(0, scan=pdf_upload(pdf_with_pages(3)))
    assert story.record_paper(0, scan=pdf_upload(pdf_with_pages(2))).scan.size > 0


@pytest.mark.parametrize("name", ["truncated", "garbage after the header", "header only", "deeply nested arrays"])
def test_an_unreadable_scan_is_refused_on_the_form_and_nothing_saved(client, name):
    story = Signing(orders=(1,))
    client.force_login(story.staff)
    response = client.post(paper_url(story, 0), paper_data(story, scan=pdf_upload(malformed_pdfs()[name])))
    assert response.status_code == 200
    assert "Le scan ne peut pas être lu comme un PDF" in text_of(response)
    assert not Signature.objects.exists()


def test_a_scan_that_breaks_the_limits_is_refused_with_the_limits_message(client, settings, monkeypatch):
    story = Signing(orders=(1,))
    client.force_login(story.staff)

    def overloaded(data, **options):
        raise PdfUnreadable("memory")

    monkeypatch.setattr(signing, "inspect_pdf", overloaded)
    response = client.post(paper_url(story, 0), paper_data(story))
    assert response.status_code == 200 and LIMITS_MESSAGE in text_of(response)
    assert not Signature.objects.exists()
