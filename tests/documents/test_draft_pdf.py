"""The convention PDF with the parties' legal identity (schema 2), the draft PDF of the live text with
« PROJET » on every page, and the PDF of a schema-1 version kept as it was."""

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from documents.convention_pdf import build_convention_html, render_convention_pdf, render_draft_convention_pdf
from documents.pdf_signature import check_pdf_signature
from documents.snapshot import build_content, canonical_json, sha256_of
from tests.documents.legal_convention import legal_convention, schema_1_version
from tests.documents.test_convention_pdf import sign_everything
from tests.partners.factories import UserFactory
from workflow.services.versions import take_version

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is installed by make install"),
]


def pages_of(pdf: bytes, tmp_path) -> list[str]:
    """The text of each page (pdftotext), with French spaces made plain and lines joined."""
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    # French spaces made plain; words hyphenated at the end of a line joined again.
    text = text.replace("\u202f", " ").replace("\xa0", " ").replace("\u2010\n", "").replace("\u2019", "'")
    return [" ".join(page.split()) for page in text.split("\f")[:-1]]


@pytest.fixture
def convention():
    return legal_convention()


def test_the_draft_pdf_says_projet_on_every_page_header_footer_and_watermark(convention, tmp_path):
    pdf, digest = render_draft_convention_pdf(convention)
    pages = pages_of(pdf, tmp_path)
    assert len(pages) >= 4
    for number, page in enumerate(pages, start=1):
        assert page.count("PROJET") >= 2, f"page {number}"  # the watermark and the running footer
        assert f"PROJET — {convention.reference} — non approuvé" in page
        assert f"Page {number} / {len(pages)}" in page
    assert digest == sha256_of(canonical_json(build_content(convention)))
    assert digest in "".join(pages).replace(" ", "")  # on the cover: the fingerprint of the text shown


def test_the_draft_pdf_names_the_parties_by_their_legal_denomination(convention, tmp_path):
    text = " ".join(pages_of(render_draft_convention_pdf(convention)[0], tmp_path))
    assert (
        "La Caisse d'allocations familiales du Lot, dont le siège est situé 304 rue Victor Hugo, 46000 Cahors, "
        "représentée par Mme Catherine Prunet, sa Directrice" in text
    )
    assert (
        "La Communauté d'agglomération du Grand Essai, dont le siège est situé 72 rue Wilson, 46000 Cahors, "
        "représentée par M. Jean Dupont, son Président" in text
    )
    assert (
        "La Préfecture du Lot, représentée par M. Paul Martin, son Secrétaire général, "
        "pour le préfet et par délégation" in text
    )
    assert "La Commune du Vigan, représentée par Mme Lucie Roques, sa Maire" in text
    assert (
        "Vu la délibération n° 2024-15 du conseil communautaire de la Communauté d'agglomération du Grand Essai "
        "en date du 12 novembre 2029 approuvant la présente convention" in text
    )
    assert "Préfecture du Lot approuvant" not in text  # a State service has no deliberation
    assert "Contrat enfance jeunesse (CEJ) n° 2019-046, du 1er janvier 2019 au 31 décembre 2029" in text


def test_the_draft_pdf_closes_with_the_formula_and_a_block_per_signatory(convention, tmp_path):
    text = " ".join(pages_of(render_draft_convention_pdf(convention)[0], tmp_path))
    assert "Fait à Cahors, le …………………, en quatre exemplaires originaux." in text
    assert "Pour la Caisse d'allocations familiales du Lot, La Directrice, Mme Catherine Prunet" in text
    assert "Pour la Préfecture du Lot, Pour le préfet et par délégation, Le Secrétaire général, M. Paul Martin" in text


def test_an_article_holding_the_closing_formula_is_not_doubled(convention, tmp_path):
    convention.articles.create(position=3, title="Dispositions finales", body="Fait {{ lieu_signature }}, le …")
    text = " ".join(pages_of(render_draft_convention_pdf(convention)[0], tmp_path))
    assert text.count("Fait à Cahors") == 1
    assert "Pour la Caisse d'allocations familiales du Lot" in text  # the blocks stay


def test_articles_are_rendered_from_markdown_with_placeholders_filled_in(convention, tmp_path):
    text = " ".join(pages_of(render_draft_convention_pdf(convention)[0], tmp_path))
    assert "La présente convention lie la Caisse d'allocations familiales du Lot et la Communauté" in text
    assert "{{" not in text and "**" not in text
    html = build_convention_html(take_version(convention=convention, by=UserFactory()), signed=False)
    assert "<li>premier engagement ;</li>" in html and "<strong>second</strong>" in html


def test_the_draft_pdf_is_sealed_and_names_its_text_in_its_keywords(convention):
    pdf, digest = render_draft_convention_pdf(convention)
    assert check_pdf_signature(pdf).authentic
    keywords = PdfReader(io.BytesIO(pdf)).metadata.get("/Keywords")
    assert keywords == f"ctg-reference={convention.reference}; ctg-draft-sha256={digest}; ctg-kind=draft_convention"


def test_the_pdf_of_an_approved_version_says_projet_in_its_footer_too(convention, tmp_path):
    version = take_version(convention=convention, by=UserFactory())
    pages = pages_of(render_convention_pdf(version, signed=False), tmp_path)
    assert all(f"PROJET — {convention.reference} — version 1" in page for page in pages)


def test_the_signed_pdf_has_no_projet_and_says_how_each_party_signed(convention, tmp_path):
    version = take_version(convention=convention, by=UserFactory())
    sign_everything(version)
    text = " ".join(pages_of(render_convention_pdf(version, signed=True), tmp_path))
    assert "PROJET" not in text
    assert "Signé électroniquement le" in text
    assert "Fait à Cahors, le" in text and "…………………" not in text.split("Fait à Cahors, le")[1][:30]


def test_a_schema_1_version_keeps_its_wording(convention, tmp_path):
    version = schema_1_version(convention)
    text = " ".join(pages_of(render_convention_pdf(version, signed=False), tmp_path))
    assert "CAF du Causse, en la personne de Valérie Guillon, Directrice" in text
    assert "Préambule" in text and "Signataires et visas" not in text
    assert "Vu la délibération du conseil d'administration (CAF du Causse)" in text
    assert "Fait à" not in text  # schema 1 froze no closing formula: none is invented
    assert "Les parties s'engagent. - à tout faire ;" in text  # its plain text, not a Markdown list
