"""Tagged, accessible PDFs that stay PDF/A: structure tree, language, title, alternative texts, link
descriptions, running header and footer as artifacts, Info and XMP metadata that agree after the seal."""

import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from diagnostics import charts
from documents.convention_pdf import lay_out, render_convention_pdf
from documents.report_pdf import render_copil_report_pdf
from tests.documents.test_convention_pdf import convention, sign_everything  # noqa: F401 (a fixture)
from tests.documents.test_copil_report import TODAY, story  # noqa: F401 (a fixture)
from tests.partners.factories import UserFactory
from workflow.services.versions import take_version

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdfinfo"), reason="poppler-utils is installed by make install"),
]

XMP_NAMESPACES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
}

SMALL_DOCUMENT = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Essai accessible</title>
<style>
  @page {{ size: A4; margin: 25mm 20mm; @top-right {{ content: "En-tête courant"; }} }}
  .qr {{ width: 20mm; }}
</style></head>
<body>
  <h1>Essai</h1>
  <p><a href="#annexe">Voir l'annexe</a></p>
  {chart}
  <div class="qr" role="img" aria-label="Code QR de la page de vérification">
    <svg width="40" height="40"><rect width="40" height="40"></rect></svg>
  </div>
  <h2 id="annexe">Annexe</h2>
  <p>Texte de l'annexe.</p>
</body></html>"""


def small_pdf() -> bytes:
    chart = charts.horizontal_bars(
        title="Population par commune",
        bars=[("Cahors", Decimal(20000)), ("Pradines", Decimal(3600))],
        unit="habitants",
        formatter=lambda value: f"{value:,.0f}".replace(",", " "),
    )
    return lay_out(SMALL_DOCUMENT.format(chart=chart))  # the portal's variant, as every document


def pdfinfo(pdf: bytes) -> dict[str, str]:
    output = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return dict(line.split(":", 1) for line in output.splitlines() if ":" in line) | {}


def structure_elements(reader: PdfReader) -> list[DictionaryObject]:
    """Every structure element reachable from the StructTreeRoot, in reading order."""
    found = []

    def walk(node):
        kids = node.get("/K")
        kids = kids if isinstance(kids, ArrayObject) else [kids] if kids is not None else []
        for kid in kids:
            kid = kid.get_object() if isinstance(kid, IndirectObject) else kid
            if isinstance(kid, DictionaryObject) and kid.get("/Type") == "/StructElem":
                found.append(kid)
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"].get_object())
    return found


def figure_alternatives(pdf: bytes) -> list[str]:
    elements = structure_elements(PdfReader(io.BytesIO(pdf)))
    return [str(element.get("/Alt", "")) for element in elements if element["/S"] == "/Figure"]


def xmp(reader: PdfReader) -> ET.Element:
    return ET.fromstring(reader.trailer["/Root"]["/Metadata"].get_object().get_data())


def xmp_value(tree: ET.Element, prefix: str, name: str) -> str | None:
    """A property of the XMP packet, written as an attribute or as an element (simple or rdf:Alt/Seq)."""
    qualified = f"{{{XMP_NAMESPACES[prefix]}}}{name}"
    for description in tree.iter(f"{{{XMP_NAMESPACES['rdf']}}}Description"):
        if qualified in description.attrib:
            return description.attrib[qualified]
        element = description.find(qualified, XMP_NAMESPACES)
        if element is not None:
            items = element.findall(".//rdf:li", XMP_NAMESPACES)
            return ", ".join(item.text or "" for item in items) if items else element.text
    return None


def pdf_date_to_xmp(value: str) -> str:
    """D:20240601120000+02'00 → 2024-06-01T12:00:00+02:00 (what an XMP date says)."""
    match = re.fullmatch(r"D:(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(Z|[+-]\d\d'\d\d'?)?", value)
    year, month, day, hour, minute, second, zone = match.groups()
    zone = "+00:00" if zone in (None, "Z") else zone.rstrip("'").replace("'", ":")
    return f"{year}-{month}-{day}T{hour}:{minute}:{second}{zone}"


def assert_info_and_xmp_agree(pdf: bytes):
    reader = PdfReader(io.BytesIO(pdf))
    info, tree = reader.metadata, xmp(reader)
    pairs = {
        "/Title": ("dc", "title"),
        "/Author": ("dc", "creator"),
        "/Subject": ("dc", "description"),
        "/Keywords": ("pdf", "Keywords"),
        "/Producer": ("pdf", "Producer"),
        "/Creator": ("xmp", "CreatorTool"),
    }
    for key, (prefix, name) in pairs.items():
        if key in info:
            assert xmp_value(tree, prefix, name) == info[key], key
    for key, name in (("/CreationDate", "CreateDate"), ("/ModDate", "ModifyDate")):
        if key in info:
            assert xmp_value(tree, "xmp", name) == pdf_date_to_xmp(info[key]), key


def assert_tagged_pdf_a(pdf: bytes, *, title: str):
    info = pdfinfo(pdf)
    assert info["Tagged"].strip() == "yes"
    assert info["Title"].strip() == title
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "fr"
    assert catalog["/MarkInfo"]["/Marked"]
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"]
    assert len(structure_elements(reader)) > 10
    tree = xmp(reader)
    assert xmp_value(tree, "pdfaid", "part") == "3"
    assert xmp_value(tree, "pdfaid", "conformance") == "A"
    assert xmp_value(tree, "dc", "title") == title


def test_the_renderer_tags_the_document_in_pdf_a_3a():
    pdf = small_pdf()
    assert_tagged_pdf_a(pdf, title="Essai accessible")
    tags = {str(element["/S"]) for element in structure_elements(PdfReader(io.BytesIO(pdf)))}
    assert {"/H1", "/H2", "/P", "/Link", "/Figure"} <= tags


def test_a_charts_alternative_text_gives_its_title_and_every_value():
    alternatives = figure_alternatives(small_pdf())
    assert "Population par commune. Cahors : 20 000 habitants ; Pradines : 3 600 habitants." in alternatives


def test_a_figure_inside_an_element_labelled_as_an_image_takes_its_label():
    assert "Code QR de la page de vérification" in figure_alternatives(small_pdf())


def test_a_link_is_described_by_its_text_not_its_target():
    reader = PdfReader(io.BytesIO(small_pdf()))
    links = [
        annotation.get_object()
        for page in reader.pages
        for annotation in page.get("/Annots") or []
        if annotation.get_object()["/Subtype"] == "/Link"
    ]
    assert [str(link["/Contents"]) for link in links] == ["Voir l’annexe"]  # as printed, curly apostrophe


def test_the_running_header_is_an_artifact_outside_the_structure_tree():
    reader = PdfReader(io.BytesIO(small_pdf()))
    page = reader.pages[0]
    content = page.get_contents().get_data()
    assert re.search(rb"/Artifact\s+BMC", content)
    # Every marked content sequence left in the page belongs to an element of the structure tree.
    reachable = {id(element) for element in structure_elements(reader)}
    parents = reader.trailer["/Root"]["/StructTreeRoot"]["/ParentTree"].get_object()["/Nums"][1]
    for mcid in (int(number) for number in re.findall(rb"/MCID (\d+)", content)):
        assert id(parents[mcid].get_object()) in reachable
    assert "En-tête courant" in page.extract_text()  # still printed on the page


def test_the_unsealed_pdf_has_no_producer_that_the_seal_would_contradict():
    reader = PdfReader(io.BytesIO(small_pdf()))
    assert "/Producer" not in reader.metadata
    assert xmp_value(xmp(reader), "pdf", "Producer").startswith("WeasyPrint")
    assert_info_and_xmp_agree(small_pdf())


def test_the_signed_convention_is_tagged_pdf_a_and_its_metadata_agree(convention):  # noqa: F811
    version = take_version(convention=convention, by=UserFactory())
    sign_everything(version)
    pdf = render_convention_pdf(version, signed=True)
    assert_tagged_pdf_a(pdf, title=convention.title)
    assert_info_and_xmp_agree(pdf)
    assert any("QR" in alternative for alternative in figure_alternatives(pdf))


def test_the_convention_is_tagged_pdf_a(convention):  # noqa: F811
    version = take_version(convention=convention, by=UserFactory())
    pdf = render_convention_pdf(version, signed=False)
    assert_tagged_pdf_a(pdf, title=convention.title)
    assert_info_and_xmp_agree(pdf)


def test_the_copil_report_is_tagged_and_its_chart_says_its_figures(story):  # noqa: F811
    pdf = render_copil_report_pdf(story.meeting, today=TODAY)
    assert_tagged_pdf_a(pdf, title=PdfReader(io.BytesIO(pdf)).metadata["/Title"])
    assert pdfinfo(pdf)["Title"].strip().startswith("Rapport")
    assert_info_and_xmp_agree(pdf)
    alternatives = figure_alternatives(pdf)
    assert any("Places d'accueil créées" in text and "25" in text and "40" in text for text in alternatives)
