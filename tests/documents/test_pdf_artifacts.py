"""What a screen reader skips in the portal's tagged PDFs: the draft's « PROJET » watermark is drawn as an
artifact on every page, outside the structure tree, like the running header and footer."""

import io
import re
import shutil

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from documents.convention_pdf import lay_out, render_draft_convention_pdf
from tests.documents.legal_convention import legal_convention
from tests.documents.test_accessible_pdf import structure_elements

pytestmark = pytest.mark.skipif(not shutil.which("pdfinfo"), reason="poppler-utils is installed by make install")

# document.css sets the watermark in 96 pt: WeasyPrint writes its text at 128 (CSS pixels).
WATERMARK_FONT_SIZE = 128

DOCUMENT = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Essai filigrane</title>
<style>
  @page {{ size: A4; margin: 25mm 20mm; }}
  .watermark {{ position: fixed; top: 100mm; left: 0; font-size: 96pt; transform: rotate(-35deg); color: #ccc; }}
  h1 {{ break-after: page; }}
</style></head>
<body>
  <div class="watermark"{hidden}>PROJET</div>
  <h1>Première page</h1>
  <p>Seconde page.</p>
</body></html>"""


def tags_around_font_size(page, reader, size: float) -> list[list[str]]:
    """For each text set in ``size`` on ``page``, the marked-content tags enclosing it (innermost last)."""
    stack: list[str] = []
    found = []
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator in (b"BDC", b"BMC"):
            stack.append(str(operands[0]))
        elif operator == b"EMC":
            stack.pop()
        elif operator == b"Tf" and float(operands[1]) == size:
            found.append(list(stack))
    return found


def assert_marked_content_belongs_to_the_tree(reader: PdfReader):
    """Every MCID left in a page belongs to an element reachable from the structure tree's root."""
    reachable = {id(element) for element in structure_elements(reader)}
    nums = reader.trailer["/Root"]["/StructTreeRoot"]["/ParentTree"].get_object()["/Nums"]
    for number, page in enumerate(reader.pages):
        parents = nums[2 * number + 1]
        for mcid in (int(value) for value in re.findall(rb"/MCID (\d+)", page.get_contents().get_data())):
            assert id(parents[mcid].get_object()) in reachable, f"page {number + 1}, MCID {mcid}"


def test_an_aria_hidden_watermark_is_an_artifact_on_every_page():
    reader = PdfReader(io.BytesIO(lay_out(DOCUMENT.format(hidden=' aria-hidden="true"'))))
    assert len(reader.pages) == 2
    for page in reader.pages:
        drawn = tags_around_font_size(page, reader, WATERMARK_FONT_SIZE)
        assert drawn == [["/Artifact"]]
        assert "PROJET" in page.extract_text()  # still printed
    assert_marked_content_belongs_to_the_tree(reader)


def test_a_watermark_that_is_not_hidden_stays_content():
    """The attribute decides: the same watermark without it is read as text of each page."""
    reader = PdfReader(io.BytesIO(lay_out(DOCUMENT.format(hidden=""))))
    for page in reader.pages:
        assert tags_around_font_size(page, reader, WATERMARK_FONT_SIZE) == [["/Span"]]


@pytest.mark.django_db
def test_the_draft_conventions_projet_watermark_is_an_artifact():
    pdf, _digest = render_draft_convention_pdf(legal_convention())
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 4
    for number, page in enumerate(reader.pages, start=1):
        assert tags_around_font_size(page, reader, WATERMARK_FONT_SIZE) == [["/Artifact"]], f"page {number}"
    assert_marked_content_belongs_to_the_tree(reader)
