"""E-mail (.eml), through the standard library: the subject, sender and date; the plain
text body (else the HTML one as text). Attachments are not read."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

from ..errors import SeedError
from . import Extracted
from .common import meta, month_of, paragraphs


def extract(data: bytes) -> Extracted:
    message = BytesParser(policy=policy.default).parsebytes(data)
    if not message.keys():
        raise SeedError("not an e-mail (no headers); not indexed")
    body = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        try:
            content = body.get_content()
        except (LookupError, ValueError):  # an unknown charset or a broken encoding
            raw = body.get_payload(decode=True)
            content = raw.decode("cp1252", errors="replace") if isinstance(raw, bytes) else ""
        if body.get_content_subtype() == "html":
            from selectolax.lexbor import LexborHTMLParser

            from .html import text_of
            root = LexborHTMLParser(content).body
            content = text_of(root) if root is not None else ""
        text = paragraphs(content.replace("\r\n", "\n").split("\n\n"))
    subject = meta(str(message.get("subject", "")))
    if not text and not subject:
        raise SeedError("an e-mail without text; not indexed")
    return Extracted(text or subject, subject, _month(message.get("date")),
                     meta(str(message.get("from", ""))))


def _month(value: object) -> str | None:
    try:
        return month_of(parsedate_to_datetime(str(value))) if value else None
    except (TypeError, ValueError):
        return None
