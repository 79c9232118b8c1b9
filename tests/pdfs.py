"""Small PDFs built byte by byte for the tests: valid ones of a chosen size and page count, and hostile ones.

Hand-written rather than made with a library, so that each damaged file is damaged exactly as its
name says and keeps being so whatever the libraries' versions.
"""


def build_pdf(objects: list[bytes], *, root: int = 1, padding: int = 0, xref_offset: int | None = None) -> bytes:
    """A PDF of ``objects`` (numbered from 1) with a correct cross-reference table.

    ``padding`` bytes of comment follow the header; ``xref_offset`` overrides where ``startxref`` points.
    """
    out = bytearray(b"%PDF-1.7\n")
    if padding:
        out += b"%" + b"0" * (padding - 2) + b"\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root %d 0 R>>\n" % (len(objects) + 1, root)
    out += b"startxref\n%d\n%%%%EOF\n" % (xref if xref_offset is None else xref_offset)
    return bytes(out)


def pdf_with_pages(count: int = 1, *, padding: int = 0, declared_count: int | None = None) -> bytes:
    """A readable PDF of ``count`` blank A4 pages (its page tree may declare another count)."""
    kids = b" ".join(b"%d 0 R" % (3 + page) for page in range(count))
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[%s]/Count %d>>" % (kids, count if declared_count is None else declared_count),
        *[b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>" for _page in range(count)],
    ]
    return build_pdf(objects, padding=padding)


def pdf_of_size(size: int) -> bytes:
    """A readable one-page PDF of exactly ``size`` bytes (a comment pads it)."""
    padding = 2
    while (length := len(pdf_with_pages(1, padding=padding))) != size:  # startxref's digits move with it
        padding += size - length
    return pdf_with_pages(1, padding=padding)


SCAN = pdf_with_pages(1)


def xref_stream_bomb(*, claims_a_signature: bool = False) -> bytes:
    """149 bytes whose cross-reference stream claims 2 147 483 647 entries: pyHanko's reader loops on them.

    The sandbox gives pyHanko only files that may hold a signature (with ``/ByteRange``): the variant
    that ``claims_a_signature`` reaches it.
    """
    head = b"%PDF-1.7\n% bombe\n" if not claims_a_signature else b"%PDF-1.7\n%/ByteRange\n"
    stream = (
        b"1 0 obj\n<</Type/XRef/Size 2147483647/W[1 4 2]/Index[0 2147483647]/Root 1 0 R/Length 0>>\n"
        b"stream\n\nendstream\nendobj\n"
    )
    return head + stream + b"startxref\n%d\n%%%%EOF\n" % len(head)


def malformed_pdfs() -> dict[str, bytes]:
    """Damaged or hostile files, by what is wrong with them."""
    valid = pdf_with_pages(2)
    nested = b"[" * 50_000 + b"]" * 50_000
    return {
        "truncated": valid[: len(valid) // 2],
        "garbage after the header": b"%PDF-1.7\n" + bytes(range(256)) * 64,
        "huge page count": pdf_with_pages(1, declared_count=2_147_483_647),
        "deeply nested arrays": build_pdf([b"<</Type/Catalog/Pages 2 0 R/Deep %s>>" % nested, *_one_page_tree()]),
        "xref outside the file": build_pdf([b"<</Type/Catalog/Pages 2 0 R>>", *_one_page_tree()], xref_offset=10**9),
        "header only": b"%PDF-",
        "xref stream bomb": xref_stream_bomb(),
        "xref stream bomb claiming a signature": xref_stream_bomb(claims_a_signature=True),
    }


def _one_page_tree() -> list[bytes]:
    return [b"<</Type/Pages/Kids[3 0 R]/Count 1>>", b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>"]
