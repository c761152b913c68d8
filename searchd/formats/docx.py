"""Word (.docx), through python-docx: paragraphs and tables in document order, the core
properties' title, author and date."""

from __future__ import annotations

import io
import zipfile

from ..errors import SeedError
from . import Extracted
from .common import meta, month_of, paragraphs
from .zipped import check_zip


def extract(data: bytes) -> Extracted:
    import docx  # (imported in the extracting process only)
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_zip(data, "Word document")
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SeedError(f"a damaged Word document ({exc}); not indexed") from None
    pieces: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            pieces.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                pieces.append(" | ".join(dict.fromkeys(cell.text.strip() for cell in row.cells)))
    props = document.core_properties
    text = paragraphs(pieces)
    if not text:
        raise SeedError("a Word document without text; not indexed")
    return Extracted(text, meta(props.title), month_of(props.created or props.modified),
                     meta(props.author), meta(props.language))
