#!/usr/bin/env python3
"""Extraction speed per format, beside the .txt build of the same texts; run by hand.

    .venv/bin/python bench/formats.py [--corpus DIR] [--docs 200] [--pages 5]

Makes --docs documents of each format from the texts of a seed corpus (be-kamer-2020 when
given, else generated Dutch-like text) with the libraries real tools use (reportlab,
python-docx, odfdo; HTML, Markdown and e-mail as text), --pages pages per PDF, then times a
full build of each format's folder and of the same texts as .txt, and a second build of the
PDFs with their extractions kept (index/extracted). Prints documents per second per format,
PDF pages per second, and the peak memory of the build (this process and its readers).
"""

from __future__ import annotations

import argparse
import datetime
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from searchd.config import config_from_dict  # noqa: E402
from searchd.sync import sync_index  # noqa: E402
from tests import documents_made as made  # noqa: E402

WHEN = datetime.datetime(2020, 5, 1)


def texts(corpus: Path | None, count: int) -> list[str]:
    if corpus is not None:
        found = []
        for path in sorted(corpus.glob("*.txt"))[:count]:
            body = path.read_text(encoding="utf-8", errors="replace").partition("\n\n")[2]
            found.append(body.strip() or "leeg")
        return found
    words = ("de gemeente het waterschap vergadert over fietspaden dijken begroting "
             "kinderopvang windmolens haven subsidie verslag minister vraag antwoord").split()
    return [" ".join(words[(n * 7 + k) % len(words)] for k in range(400)) for n in range(count)]


def pages(text: str, count: int) -> list[str]:
    words = text.split()
    size = max(1, len(words) // count)
    chunks = [" ".join(words[i:i + size]) for i in range(0, len(words), size)][:count]
    return ["\n".join(chunk[i:i + 90] for i in range(0, len(chunk), 90)) for chunk in chunks]


def make(kind: str, n: int, text: str, page_count: int) -> tuple[str, bytes]:
    title = f"Document {n}"
    if kind == "pdf":
        return f"d{n}.pdf", made.pdf(pages(text, page_count), title, "Bench", WHEN)
    if kind == "docx":
        return f"d{n}.docx", made.docx([title, *text.split("\n\n")], None, title, "Bench", WHEN)
    if kind == "odt":
        return f"d{n}.odt", made.odt(title, text.split("\n\n"), title, "Bench", WHEN)
    if kind == "html":
        body = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
        return f"d{n}.html", made.html(title, body, "2020-05-01")
    if kind == "markdown":
        return f"d{n}.md", made.markdown(f"title: {title}\ndate: 2020-05-01", text)
    if kind == "email":
        return f"d{n}.eml", made.email(title, "bench@example.nl",
                                       "Fri, 01 May 2020 10:00:00 +0200", text)
    return f"d{n}.txt", f" date 2020-05 {title}\n\n{text}".encode()


def build(folder: Path) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as index:
        config = config_from_dict({"paths": {"seeds": str(folder), "index": index}},
                                  Path(index))
        started = time.perf_counter()
        report = sync_index(config, rebuild=True)
        first = time.perf_counter() - started
        again = time.perf_counter()
        sync_index(config, rebuild=True)
        kept = time.perf_counter() - again
    print(f"    (second build, extractions kept: {kept:.2f} s)", file=sys.stderr)
    return first, report.added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--pages", type=int, default=5)
    args = parser.parse_args()
    bodies = texts(args.corpus, args.docs)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for kind in ("txt", "pdf", "docx", "odt", "html", "markdown", "email"):
            folder = Path(scratch) / kind
            made.write(folder, dict(make(kind, n, body, args.pages)
                                    for n, body in enumerate(bodies)))
            seconds, added = build(folder)
            rows.append((kind, added, seconds))
            extra = f", {added * args.pages / seconds:.0f} pages/s" if kind == "pdf" else ""
            print(f"{kind:9s} {added:5d} docs in {seconds:6.2f} s: {added / seconds:7.1f} "
                  f"docs/s{extra}")
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss +
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    print(f"peak RSS: this process + largest reader {peak:.0f} MB; "
          f"median docs/s of the other formats "
          f"{statistics.median(a / s for k, a, s in rows if k != 'txt'):.1f}")


if __name__ == "__main__":
    main()
