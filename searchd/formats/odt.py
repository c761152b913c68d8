"""OpenDocument text (.odt), through odfdo: paragraphs and headings in document order
(those of tables too), the metadata's title, initial creator, date and language."""

from __future__ import annotations

import io

from ..errors import SeedError
from . import Extracted
from .common import meta, month_of, paragraphs
from .zipped import check_zip


def extract(data: bytes) -> Extracted:
    import odfdo  # (imported in the extracting process only)

    check_zip(data, "OpenDocument file")
    try:
        document = odfdo.Document(io.BytesIO(data))
        blocks = document.body.xpath(".//text:p|.//text:h")
    except Exception as exc:  # odfdo and lxml raise assorted errors on a damaged file
        raise SeedError(f"a damaged OpenDocument file ({type(exc).__name__}); "
                        "not indexed") from None
    pieces = [str(block) for block in blocks]
    headings = [str(b).strip() for b in blocks
                if getattr(b, "tag", "") == "text:h" and str(b).strip()]
    text = paragraphs(pieces)
    if not text:
        raise SeedError("an OpenDocument file without text; not indexed")
    info = document.meta
    title = meta(info.get_title()) or meta(headings[0] if headings else "")
    dated = info.get_creation_date() or info.get_modification_date()
    return Extracted(text, title, month_of(dated),
                     meta(info.get_initial_creator() or info.get_creator()),
                     meta(info.get_language()))
