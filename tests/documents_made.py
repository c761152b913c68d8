"""Real documents made by the libraries people's tools use (reportlab for PDF, python-docx,
odfdo), and HTML, Markdown and e-mail as tools write them, for the format tests."""

from __future__ import annotations

import datetime
import io
from pathlib import Path


def pdf(pages: list[str], title: str = "", author: str = "",
        created: datetime.datetime | None = None, password: str | None = None) -> bytes:
    """A PDF with one page per text (reportlab), with document information."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    encrypt = StandardEncryption(password, canPrint=1) if password else None
    doc = canvas.Canvas(out, pagesize=A4, encrypt=encrypt, invariant=True)
    doc.setTitle(title)
    doc.setAuthor(author)
    if created is not None:  # (reportlab writes its own time; the date is set as tools do)
        stamp = created.timetuple()[:6]
        doc._doc._timeStamp.YMDhms = stamp  # noqa: SLF001
    for text in pages:
        y = 800
        for line in text.split("\n"):
            doc.drawString(60, y, line)
            y -= 16
        doc.showPage()
    doc.save()
    return out.getvalue()


def docx(paragraphs: list[str], table: list[list[str]] | None = None, title: str = "",
         author: str = "", created: datetime.datetime | None = None) -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    document.add_heading(paragraphs[0], level=1)
    for text in paragraphs[1:]:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    props = document.core_properties
    props.title, props.author = title, author
    if created is not None:
        props.created = created
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def odt(heading: str, paragraphs: list[str], title: str = "", author: str = "",
        created: datetime.datetime | None = None) -> bytes:
    import odfdo

    document = odfdo.Document("text")
    document.body.append(odfdo.Header(1, heading))
    for text in paragraphs:
        document.body.append(odfdo.Paragraph(text))
    if title:
        document.meta.set_title(title)
    if author:
        document.meta.set_initial_creator(author)
    if created is not None:
        document.meta.set_creation_date(created)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def html(title: str, body: str, date: str = "", script: str = "") -> bytes:
    return (f"<!doctype html><html lang='nl'><head><meta charset='utf-8'><title>{title}"
            f"</title><meta name='date' content='{date}'><script>{script}</script>"
            f"<style>.geheim {{ color: red }}</style></head><body><nav><a href='/'>Home</a>"
            f"<a href='/menu'>Menuknop</a></nav><main><h1>{title}</h1>{body}</main>"
            "<footer>Voettekst van de site</footer></body></html>").encode()


def markdown(front: str, body: str) -> bytes:
    return (f"---\n{front}\n---\n\n{body}\n" if front else body).encode()


def email(subject: str, sender: str, date: str, body: str) -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, sender, "info@example.nl"
    message["Date"] = date
    message.set_content(body)
    message.add_attachment(b"bijlage die niet gelezen wordt", maintype="application",
                           subtype="octet-stream", filename="bijlage.bin")
    return message.as_bytes()


def zip_bomb_docx(unpacked_mb: int = 1024) -> bytes:
    """A zip named like a Word document whose one member unpacks to unpacked_mb of zeros."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            block = b"\0" * (1 << 20)
            for _ in range(unpacked_mb):
                member.write(block)
    return out.getvalue()


def write(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder
