"""The convention PDF of a version: its text from the frozen content, its marks, signatures and metadata."""

import datetime
import io
import shutil
import subprocess
import time
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from pypdf import PdfReader

from conventions.choices import ConventionStatus, LifecycleAction, PartyRole, SignatureMethod
from conventions.models import Signature, StatusChange
from documents.convention_pdf import build_convention_html, render_convention_pdf
from documents.pdf_signature import check_pdf_signature
from tests.action_plans.factories import (
    ActionFactory,
    ActionPlanFactory,
    EvaluationIndicatorFactory,
    FundingLineFactory,
    StrategicOrientationFactory,
)
from tests.conventions.factories import ArticleFactory, ConventionFactory, PartyFactory
from tests.partners.factories import OrganisationFactory, UserFactory
from tests.pdfs import SCAN
from workflow.services.versions import take_version

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is installed by make install"),
]


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    # French number formatting uses (narrow) no-break spaces: compare with plain spaces.
    return text.replace("\u202f", " ").replace("\xa0", " ").replace("\u2019", "'")  # curly apostrophes too


@pytest.fixture
def convention():
    convention = ConventionFactory(title="Convention territoriale globale du Val d'Essai")
    caf = OrganisationFactory(caf=True, name="Caisse d'allocations familiales du Val")
    PartyFactory(convention=convention, organisation=caf, representative__full_name="Valérie Pilote", signing_order=1)
    PartyFactory(
        convention=convention,
        organisation=convention.epci,
        representative__full_name="Jean-Marc Président",
        representative__title="Président",
        signing_order=1,
    )
    commune = OrganisationFactory(commune=True, name="Saint-Essai")
    PartyFactory(convention=convention, organisation=commune, representative__full_name="Lucie Maire", signing_order=2)
    PartyFactory(convention=convention, organisation=OrganisationFactory(name="Département du Val"), associate=True)
    ArticleFactory(convention=convention, position=1, title="Objet", body="La présente convention a pour objet…")
    plan = ActionPlanFactory(convention=convention)
    orientation = StrategicOrientationFactory(plan=plan, title="Petite enfance")
    action = ActionFactory(orientation=orientation, code="1.1", title="Ouvrir une crèche")
    FundingLineFactory(action=action, funder=caf, year=2024, amount=Decimal("12500.00"))
    FundingLineFactory(action=action, funder=caf, year=2025, amount=Decimal("7500.50"))
    FundingLineFactory(action=action, funder=convention.epci, year=2025, amount=Decimal("1000.00"))
    EvaluationIndicatorFactory(action=action)
    return convention


def sign_everything(version):
    """Every signatory signs ``version`` (electronically, or on paper for the commune) and the convention is signed."""
    convention = version.convention
    moment = timezone.now() - datetime.timedelta(days=2)
    for index, party in enumerate(convention.parties.filter(role=PartyRole.SIGNATORY).select_related("organisation")):
        paper = party.organisation.kind == "commune"
        Signature.objects.create(
            version=version,
            party=party,
            method=SignatureMethod.PAPER if paper else SignatureMethod.ELECTRONIC,
            version_sha256=version.content_sha256,
            representative=party.representative,
            signer_name=party.representative.full_name,
            signer_title=party.representative.title,
            organisation_name=party.organisation.name,
            signed_at=moment + datetime.timedelta(hours=index),
            recorded_at=moment + datetime.timedelta(hours=index),
            signer=None if paper else UserFactory(),
            ip_address=None if paper else "192.0.2.10",
            place="Saint-Essai" if paper else "",
            scan=ContentFile(SCAN, name="scan.pdf") if paper else "",
            recorded_by=UserFactory() if paper else None,
        )
    StatusChange.objects.create(
        convention=convention,
        action=LifecycleAction.COMPLETE_SIGNATURE,
        from_status=ConventionStatus.IN_SIGNATURE,
        to_status=ConventionStatus.SIGNED,
        version=version,
        occurred_at=moment + datetime.timedelta(hours=5),
    )


def test_the_draft_pdf_shows_the_text_the_hash_the_totals_and_projet_on_every_page(convention, tmp_path):
    version = take_version(convention=convention, by=UserFactory())
    pdf = render_convention_pdf(version, signed=False)
    text = pdf_text(pdf, tmp_path)
    pages = text.split("\f")[:-1]
    assert len(pages) >= 5
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} / {len(pages)}" in page
        assert "PROJET" in page
    for name in ("Valérie Pilote", "Jean-Marc Président", "Lucie Maire"):
        assert name in text
    assert version.content_sha256 in text.replace("\n", "").replace(" ", "")
    assert "20 000,50 €" in text  # the CAF's row total
    assert "21 000,50 €" in text  # the grand total of the financing table
    assert "L. 263-1" in text
    # The period, as a deed writes it (« er » in superscript: pdftotext -raw ends the line after it).
    assert "Du 1er janvier 2024 au 31 décembre 2027" in text.replace("1er\n", "1er ")
    assert "Saint-Essai" in text
    assert "Département du Val" in text  # an associated partner
    # Not signed yet: no signature page nor audit trail.
    assert "Journal de preuve" not in text


def test_the_pdf_shows_the_frozen_text_not_the_live_convention(convention, tmp_path):
    version = take_version(convention=convention, by=UserFactory())
    convention.articles.update(title="Titre modifié après l'approbation")
    text = pdf_text(render_convention_pdf(version, signed=False), tmp_path)
    assert "Objet" in text
    assert "Titre modifié" not in text


def test_the_signed_pdf_has_the_signature_page_and_audit_trail_and_no_projet(convention, tmp_path):
    version = take_version(convention=convention, by=UserFactory())
    sign_everything(version)
    pdf = render_convention_pdf(version, signed=True)
    text = pdf_text(pdf, tmp_path)
    assert "PROJET" not in text
    assert "Signature électronique" in text
    assert "Signature manuscrite sur papier, à Saint-Essai" in text
    assert "Journal de preuve" in text
    assert "192.0.2.10" in text
    assert "/verification/" in text
    for name in ("Valérie Pilote", "Jean-Marc Président", "Lucie Maire"):
        assert text.count(name) >= 3  # preamble, parties, signature page (and the audit trail)
    assert "<svg" in build_convention_html(version, signed=True)  # the QR code

    check = check_pdf_signature(pdf)
    assert check.authentic, check.error
    keywords = PdfReader(io.BytesIO(pdf)).metadata.get("/Keywords")
    assert keywords == (
        f"ctg-reference={convention.reference}; ctg-version={version.number}; "
        f"ctg-version-sha256={version.content_sha256}; ctg-kind=signed_convention"
    )
    tampered = bytearray(pdf)
    tampered[len(pdf) // 3] ^= 0x01
    assert not check_pdf_signature(bytes(tampered)).authentic


def test_a_convention_pdf_of_a_signed_version_has_no_projet_mark(convention, tmp_path):
    version = take_version(convention=convention, by=UserFactory())
    sign_everything(version)
    text = pdf_text(render_convention_pdf(version, signed=False), tmp_path)
    assert "PROJET" not in text
    assert "Journal de preuve" not in text


def test_pdfsig_reports_the_signed_convention_valid_and_whole(convention, pdfsig):
    version = take_version(convention=convention, by=UserFactory())
    sign_everything(version)
    output = pdfsig(render_convention_pdf(version, signed=True))
    assert "Signature Validation: Signature is Valid." in output
    assert "Total document signed" in output


def test_an_empty_convention_renders(tmp_path):
    """No party, no article, no diagnostic, no plan: the PDF still renders and says so."""
    convention = ConventionFactory()
    version = take_version(convention=convention, by=UserFactory())
    text = pdf_text(render_convention_pdf(version, signed=False), tmp_path)
    assert convention.reference in text
    assert "Page 1 / " in text


def test_sixty_fiches_and_long_texts_render(convention, tmp_path, capsys):
    caf = convention.parties.get(organisation__kind="caf").organisation
    plan = convention.action_plan
    long_text = "Un objectif détaillé sur plusieurs lignes. " * 120
    for number in range(6):
        orientation = StrategicOrientationFactory(plan=plan, title=f"Orientation longue {number}")
        for index in range(10):
            action = ActionFactory(
                orientation=orientation, code=f"{number + 2}.{index + 1}", objectives=long_text if index == 0 else ""
            )
            FundingLineFactory(action=action, funder=caf, year=2024 + index % 4, amount=Decimal("1000.00"))
    version = take_version(convention=convention, by=UserFactory())
    started = time.perf_counter()
    pdf = render_convention_pdf(version, signed=False)
    seconds = time.perf_counter() - started
    text = pdf_text(pdf, tmp_path)
    assert "7.10" in text
    assert "81 000,50 €" in text  # 21 000,50 € + 60 × 1 000 €
    with capsys.disabled():
        print(f"\n61 fiches: {len(text.split(chr(12))) - 1} pages in {seconds:.2f} s")


def test_building_the_signed_html_takes_a_fixed_number_of_queries(convention, django_assert_max_num_queries):
    """Version, signatures and timeline: a handful of queries, however many parties signed."""
    for index in range(6):
        PartyFactory(
            convention=convention,
            organisation=OrganisationFactory(commune=True, name=f"Commune {index}"),
            representative__full_name=f"Maire {index}",
            signing_order=2,
        )
    version = take_version(convention=convention, by=UserFactory())
    sign_everything(version)
    version.refresh_from_db()
    with django_assert_max_num_queries(5):
        html = build_convention_html(version, signed=True)
    assert html.count("signature-block") == 9
    assert "Maire 5" in html
