"""PDF, through PDFium (pypdfium2): the text of every page, the document information's
title, author and creation date."""

from __future__ import annotations

from ..errors import SeedError
from . import Extracted
from .common import meta, month_of, paragraphs

MAX_PAGES = 5000


def extract(data: bytes) -> Extracted:
    import pypdfium2 as pdfium  # (imported in the extracting process only)

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        reason = str(exc).lower()
        if "password" in reason:
            raise SeedError("an encrypted PDF (it needs a password); not indexed") from None
        raise SeedError(f"a damaged PDF ({exc}); not indexed") from None
    try:
        pages = []
        for number in range(min(len(pdf), MAX_PAGES)):
            page = pdf[number]
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range().replace("\r\n", "\n"))
            textpage.close()
            page.close()
        info = pdf.get_metadata_dict(skip_empty=True)
    finally:
        pdf.close()
    text = paragraphs(pages)
    if not text.strip():
        raise SeedError("a PDF without text (a scan?); not indexed: there are no words "
                        "to search in it")
    return Extracted(text, meta(info.get("Title")), month_of(info.get("CreationDate")),
                     meta(info.get("Author")))
