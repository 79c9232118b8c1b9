"""HTML to PDF with WeasyPrint, shared by every document the portal issues.

Documents are Django templates (``templates/pdf/``) rendered to HTML, then laid out by WeasyPrint.
Stylesheets, fonts and images come from the portal's own static files only: the URL fetcher serves
``/static/…`` from the static finders and refuses anything else, so a document never reaches the
network (intranets, RGPD) and always renders the same way.
"""

import io
import mimetypes
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.staticfiles import finders
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

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


def html_to_pdf(html: str, *, pdf_variant: str | None = None) -> bytes:
    """The bare WeasyPrint rendering of ``html`` (the floor the benchmark compares against)."""
    try:
        return HTML(string=html, base_url=BASE_URL, url_fetcher=_static_only_fetcher()).write_pdf(
            pdf_variant=pdf_variant
        )
    except Exception as error:  # WeasyPrint raises many kinds; the document says which
        raise DocumentRenderError(f"{type(error).__name__}: {error}") from error


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
