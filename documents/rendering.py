"""HTML to PDF with WeasyPrint, shared by every document the portal issues.

Documents are Django templates (``templates/pdf/``) rendered to HTML, then laid out by WeasyPrint.
Stylesheets, fonts and images come from the portal's own static files only: the URL fetcher serves
``/static/…`` from the static finders and refuses anything else, so a document never reaches the
network (intranets, RGPD) and always renders the same way.

Tagged variants (PDF/A-3a, the portal's ``PDF_VARIANT``) get a structure tree from WeasyPrint; the
finisher ``_finish_accessible_pdf`` completes it where WeasyPrint stops short of what a screen reader
and an accessibility checker need: the running header and footer become artifacts (out of the reading
order), every chart's alternative text carries its figures (``<title>`` and ``<desc>`` of the SVG, or an
``aria-label``), every link's description is its text instead of its target, and the information
dictionary carries no /Producer, so that the XMP's pdf:Producer, which the portal's signature rewrites,
is the only one and the two never disagree.
"""

import io
import mimetypes
import time
from dataclasses import dataclass

import pydyf
from django.conf import settings
from django.contrib.staticfiles import finders
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ctg_portal.typography import french_html

SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
STATIC_PREFIX = "/static/"
BASE_URL = "https://portail-ctg.invalid/"  # a base for relative URLs; nothing is ever fetched from it


class DocumentRenderError(Exception):
    """WeasyPrint could not lay out the document (the message says why)."""


def _static_only_fetcher():
    """A WeasyPrint URL fetcher serving the portal's static files and refusing every other URL."""

    class StaticOnlyURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            for prefix in (BASE_URL.rstrip("/") + STATIC_PREFIX, STATIC_PREFIX, settings.STATIC_URL):
                if url.startswith(prefix):
                    relative = url[len(prefix) :].split("?", 1)[0]
                    path = finders.find(relative)
                    if path:
                        mime_type, _ = mimetypes.guess_type(path)
                        with open(path, "rb") as handle:
                            body = handle.read()
                        return URLFetcherResponse(url, body=body, headers={"Content-Type": mime_type or ""})
            raise ValueError(f"Documents only use the portal's static files; refused: {url}")

    return StaticOnlyURLFetcher()


def html_to_pdf(html: str, *, pdf_variant: str | None = None, attachments: list | None = None) -> bytes:
    """WeasyPrint's rendering of ``html``, its tagging completed (the floor the benchmark compares against:
    the finisher costs about 1 % of a convention's render); ``attachments`` (``weasyprint.Attachment``)
    become embedded files, associated files (/AF) in a PDF/A-3."""
    try:
        # French typography once for every document: its text nodes only (ctg_portal/typography.py).
        return HTML(string=french_html(html), base_url=BASE_URL, url_fetcher=_static_only_fetcher()).write_pdf(
            pdf_variant=pdf_variant, finisher=_finish_accessible_pdf, attachments=attachments or None
        )
    except Exception as error:  # WeasyPrint raises many kinds; the document says which
        raise DocumentRenderError(f"{type(error).__name__}: {error}") from error


def _finish_accessible_pdf(document, pdf: pydyf.PDF) -> None:
    """Completes WeasyPrint's tagging (see the module's docstring); WeasyPrint calls it before writing.

    It reads WeasyPrint's laid-out boxes (``page._page_box``) and pydyf's objects as WeasyPrint 70 leaves
    them; tests/documents/test_accessible_pdf.py says at once if an upgrade changes them."""
    # The portal's signature writes its own name as the XMP's producer: an information dictionary
    # without one cannot contradict it (PDF/A wants both to agree when both are present).
    pdf.info.pop("Producer", None)
    if "AF" in pdf.catalog:  # WeasyPrint 70 lists each associated file twice: once is what PDF/A-3 means
        pdf.catalog["AF"] = pydyf.Array(dict.fromkeys(pdf.catalog["AF"]))
    if "StructTreeRoot" not in pdf.catalog:
        return  # an untagged variant
    root = _resolve(pdf, pdf.catalog["StructTreeRoot"])
    _unlink_hidden_elements(pdf, document, root)
    elements = _reachable_elements(pdf, root)
    _mark_unreachable_content_as_artifacts(pdf, root, elements)
    # One walk through the laid-out boxes for both (a convention has some 400 000 of them).
    figure_texts = _describe_links_and_find_figures(document)
    _describe_figures(pdf, elements, figure_texts)


def _resolve(pdf: pydyf.PDF, reference):
    return pdf.objects[int(reference.split()[0])]


def _is_reference(item) -> bool:
    """pydyf writes an indirect reference as ``b"12 0 R"``."""
    return isinstance(item, bytes) and item.endswith(b" R")


def _reachable_elements(pdf: pydyf.PDF, root) -> list:
    """The structure elements reachable from the root, in reading order."""
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        if node is not root:
            found.append(node)
        kids = [kid for kid in node.get("K", ()) if _is_reference(kid)]
        for kid in reversed(kids):
            target = _resolve(pdf, kid)
            if isinstance(target, dict) and target.get("Type") == "/StructElem":
                stack.append(target)
    return found


def _top_level_boxes(box):
    """The boxes WeasyPrint's tagging turns into the structure Document's own children, in its order: it
    looks through the page, ``<html>`` and ``<body>`` boxes, skips the margin boxes, and makes exactly one
    element of every other box (``weasyprint.pdf.tags._build_box_tree``)."""
    if isinstance(box, AbsolutePlaceholder):
        box = box._box
    tag = None if box.element is None else box.element_tag
    if tag in ("html", "body") or isinstance(box, boxes.PageBox):
        if isinstance(box, boxes.ParentBox) and not isinstance(box, boxes.LineBox):
            for child in box.children:
                yield from _top_level_boxes(child)
            return
    elif isinstance(box, boxes.MarginBox):
        return
    yield box


def _unlink_hidden_elements(pdf: pydyf.PDF, document, root) -> None:
    """Takes out of the structure tree the elements written ``aria-hidden="true"`` directly under
    ``<body>`` (the draft's « PROJET » watermark repeated on every page, the running header's hidden
    strings): what they draw becomes artifacts (``_mark_unreachable_content_as_artifacts``), which a
    screen reader skips, as the reader of the page does.

    WeasyPrint gives the Document element one child per top-level box, page after page, each child
    naming its page (/Pg): the n-th top-level box of a page is the n-th child naming that page. When
    the counts differ (a WeasyPrint that tags differently), the page is left as it is."""
    document_element = _resolve(pdf, root["K"][0])
    kids = document_element["K"]
    positions_by_page: dict[bytes, list[int]] = {}
    for position, kid in enumerate(kids):
        if _is_reference(kid):
            positions_by_page.setdefault(_resolve(pdf, kid).get("Pg"), []).append(position)
    hidden = set()
    for page_number, page in enumerate(document.pages):
        top_level = list(_top_level_boxes(page._page_box))
        positions = positions_by_page.get(pdf.page_references[page_number], [])
        if len(top_level) != len(positions):
            continue
        hidden.update(
            position
            for box, position in zip(top_level, positions, strict=True)
            if box.element is not None and box.element.get("aria-hidden") == "true"
        )
    if hidden:
        document_element["K"] = pydyf.Array(kid for position, kid in enumerate(kids) if position not in hidden)


def _mark_unreachable_content_as_artifacts(pdf: pydyf.PDF, root, elements: list) -> None:
    """Turns the content WeasyPrint tags but leaves out of the tree (the page margins' running header and
    footer) into artifacts, and drops it from the parent tree."""
    reachable = {element.number for element in elements}
    nums = _resolve(pdf, root["ParentTree"])["Nums"]
    for page_number, page_reference in enumerate(pdf.page_references):
        if 2 * page_number + 1 >= len(nums) or nums[2 * page_number] != page_number:
            continue
        parents = nums[2 * page_number + 1]
        orphans = {
            mcid
            for mcid, parent in enumerate(parents)
            if _is_reference(parent) and int(parent.split()[0]) not in reachable
        }
        if not orphans:
            continue
        operations = _resolve(pdf, _resolve(pdf, page_reference)["Contents"]).stream
        for index, operation in enumerate(operations):
            if (
                isinstance(operation, pydyf.Dictionary)
                and operation.get("MCID") in orphans
                and 0 < index < len(operations) - 1
                and operations[index + 1] == b"BDC"
            ):
                mcid = operation["MCID"]
                operations[index - 1], operations[index], operations[index + 1] = "/Artifact", b"BMC", b""
                parents[mcid] = "null"


def _walk_boxes(box, label=None):
    """Yields ``(box, label)`` for every box under ``box``, ``label`` being the nearest ancestor's
    ``aria-label`` given with ``role="img"`` (a figure described by its container), in document order.
    A stack rather than nested generators: each box would otherwise pass through one generator per
    ancestor."""
    stack = [(box, label)]
    while stack:
        box, label = stack.pop()
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        element = getattr(box, "element", None)
        if element is not None and element.get("role") == "img" and element.get("aria-label"):
            label = element.get("aria-label")
        yield box, label
        if isinstance(box, boxes.ParentBox):
            stack.extend((child, label) for child in reversed(box.children))


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _alternative_text(element, inherited_label: str | None) -> str:
    if element.get("aria-label"):
        return element.get("aria-label")
    if element.tag == f"{SVG_NAMESPACE}svg":
        title = _text(element.find(f"{SVG_NAMESPACE}title"))
        description = _text(element.find(f"{SVG_NAMESPACE}desc"))
        if title or description:
            return ". ".join(part.rstrip(".") for part in (title, description) if part) + "."
    return element.get("alt") or inherited_label or ""


def _describe_links_and_find_figures(document) -> dict:
    """Gives every link its description (/Contents): what it says (its aria-label, title or text), not its
    target; returns the alternative text of every figure (the SVG's title and the description listing its
    values), keyed by page number and position."""
    texts = {}
    for page_number, page in enumerate(document.pages):
        for box, label in _walk_boxes(page._page_box):
            element = box.element
            if element is None:
                continue
            if box.element_tag in ("img", f"{SVG_NAMESPACE}svg"):
                key = (page_number, round(box.content_box_x(), 2), round(box.content_box_y(), 2))
                texts[key] = _alternative_text(element, label)
            annotation = box.link_annotation
            if annotation is not None:
                text = element.get("aria-label") or element.get("title") or _text(element)
                if text:
                    annotation["Contents"] = pydyf.String(text)
    return texts


def _describe_figures(pdf: pydyf.PDF, elements: list, texts: dict) -> None:
    """Alternative text of every figure element, from ``texts`` (``_describe_links_and_find_figures``)."""
    page_numbers = {reference: number for number, reference in enumerate(pdf.page_references)}
    for element in elements:
        if element.get("S") != "/Figure" or "A" not in element or "BBox" not in element["A"]:
            continue
        x, y = element["A"]["BBox"][:2]
        text = texts.get((page_numbers.get(element["Pg"]), round(x, 2), round(y, 2)))
        if text:
            element["Alt"] = pydyf.String(text)


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    html: str
    seconds: float

    @property
    def pages(self) -> int:
        return page_count(self.data)


def render(html: str, *, pdf_variant: str | None = None) -> RenderedPdf:
    started = time.perf_counter()
    data = html_to_pdf(html, pdf_variant=pdf_variant)
    return RenderedPdf(data=data, html=html, seconds=time.perf_counter() - started)
