"""HTML, through selectolax (Lexbor): the text of the page's main content (its <main> or
<article> when it has one), without scripts, styles, navigation, headers, footers and
forms; the <title> (else the first heading), <meta name="date"> (and its kin), the author
and the language."""

from __future__ import annotations

from ..errors import SeedError
from . import Extracted
from .common import meta, month_of, paragraphs

DROPPED = ["script", "style", "noscript", "template", "nav", "header", "footer", "aside",
           "form", "iframe", "svg", "button", "select"]
BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "pre", "blockquote",
          "dd", "dt", "caption", "figcaption", "address")
_DATES = ("date", "dcterms.date", "dc.date", "article:published_time", "dcterms.created",
          "datepublished", "pubdate")


def extract(data: bytes) -> Extracted:
    from selectolax.lexbor import LexborHTMLParser  # (in the extracting process only)

    tree = LexborHTMLParser(decode(data))
    title = meta(_first_text(tree, "title"))
    metas = {(m.attributes.get("name") or m.attributes.get("property") or "").lower():
             m.attributes.get("content") or "" for m in tree.css("meta")}
    month = next((month_of(metas[k]) for k in _DATES if month_of(metas.get(k))), None)
    html = tree.css_first("html")
    language = (html.attributes.get("lang") or "") if html is not None else ""
    root = tree.css_first("main") or tree.css_first("article") or tree.body
    if root is None:
        raise SeedError("an HTML file without a body; not indexed")
    root.strip_tags(DROPPED)
    text = text_of(root)
    if not text:
        raise SeedError("an HTML page without text; not indexed")
    title = title or meta(_first_text(root, "h1"))
    return Extracted(text, title, month, meta(metas.get("author")), meta(language))


def text_of(root: object) -> str:
    """The text of an element, a paragraph per block element (others run inline)."""
    for block in root.css(",".join(BLOCKS)):  # type: ignore[attr-defined]
        block.insert_after("\n\n")
    for br in root.css("br"):  # type: ignore[attr-defined]
        br.insert_after("\n")
    return paragraphs(root.text(separator="", strip=False).split("\n\n"))  # type: ignore[attr-defined]


def decode(data: bytes) -> str:
    """The page's text: UTF-8 (or what its BOM or meta charset says), else cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    head = data[:2048].lower()
    for name in ("windows-1252", "iso-8859-1", "latin-1", "iso-8859-15"):
        if f"charset={name}".encode() in head or f'charset="{name}"'.encode() in head:
            return data.decode("cp1252", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _first_text(tree: object, selector: str) -> str:
    node = tree.css_first(selector)  # type: ignore[attr-defined]
    return node.text(strip=True) if node is not None else ""
