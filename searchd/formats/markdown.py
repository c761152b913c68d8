"""Markdown, through markdown-it-py (CommonMark) and python-frontmatter: the rendered
text, the front matter's title, date, author and language (else the first heading)."""

from __future__ import annotations

from ..errors import SeedError
from . import Extracted
from .common import meta, month_of
from .html import text_of


def extract(data: bytes) -> Extracted:
    import frontmatter  # (imported in the extracting process only)
    from markdown_it import MarkdownIt
    from selectolax.lexbor import LexborHTMLParser

    source = data.decode("utf-8-sig", errors="replace")
    try:
        post = frontmatter.loads(source)
        fields, content = post.metadata, post.content
    except Exception:  # noqa: BLE001 - bad front matter: the whole file is the text
        fields, content = {}, source
    rendered = MarkdownIt("commonmark", {"html": False}).render(content)
    root = LexborHTMLParser(rendered).body
    text = text_of(root) if root is not None else ""
    if not text:
        raise SeedError("a Markdown file without text; not indexed")
    heading = root.css_first("h1") if root is not None else None
    title = meta(fields.get("title")) or (meta(heading.text()) if heading else "")
    return Extracted(text, title, month_of(fields.get("date")), meta(fields.get("author")),
                     meta(fields.get("lang") or fields.get("language")))
