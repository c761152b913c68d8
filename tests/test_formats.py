"""Documents as people have them: PDF, Word, OpenDocument, HTML, Markdown and e-mail, made by
the libraries real tools use; every file accounted for; hostile files harm nothing."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from searchd.config import Config, config_from_dict
from searchd.search import Engine
from searchd.sync import sync_index

from . import documents_made as made

DATE = datetime.datetime(2019, 5, 3, 10, 0)


def office() -> dict[str, bytes]:
    return {
        "rapport.pdf": made.pdf(["Het jaarverslag van de gemeente Utrecht.",
                                 "Op de tweede pagina staan de fietsenstallingen."],
                                "Jaarverslag 2019", "Gemeente Utrecht", DATE),
        "notulen.docx": made.docx(["Notulen van de raad", "De raad besprak de begroting."],
                                  [["Agendapunt", "Besluit"], ["Windmolens", "aangenomen"]],
                                  "Notulen mei", "Griffie", DATE),
        "brief.odt": made.odt("Brief aan de burgers", ["De gemeente schrijft over de "
                                                       "kinderopvang."], "", "Jan", DATE),
        "nieuws.html": made.html("Nieuws over dijken", "<p>Het waterschap versterkt de "
                                 "dijken bij Zwolle.</p>", "2018-11-02",
                                 "var trackingcode = 'spionage';"),
        "notitie.md": made.markdown("title: Notitie over zonnepanelen\ndate: 2020-02-14\n"
                                    "author: Piet", "# Kop\n\nZonnepanelen op **daken** "
                                    "van scholen."),
        "mail.eml": made.email("Vergadering over de begroting", "Piet <piet@example.nl>",
                               "Tue, 03 Mar 2020 10:00:00 +0100",
                               "Beste allen,\n\nDe vergadering over de verkeersdrempels "
                               "is verzet."),
        "OUDVERSLAG.TXT": b" date 2016-04 Oud verslag\n\nDe oude brug over de Vecht.",
        "SCAN.PDF": made.pdf(["Een scan met tekst over de haven."]),
        "data.json": b'{"niet": "gelezen"}',
        "zonder-extensie": b"tekst",
    }


def hostile() -> dict[str, bytes]:
    return {
        "bom.docx": made.zip_bomb_docx(300),
        "versleuteld.pdf": made.pdf(["geheime tekst"], password="geheim"),
        "afgekapt.pdf": made.pdf(["afgekapte tekst", "twee"])[:400],
        "leeg.pdf": made.pdf([""]),
        "kapot.odt": b"PK\x03\x04 geen zip",
        "nep.docx": b"dit is geen Word-bestand",
    }


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, object]:
    root = tmp_path_factory.mktemp("formats")
    made.write(root / "seeds" / "kantoor", {**office(), **hostile()})
    config = config_from_dict({"paths": {"seeds": str(root / "seeds"),
                                         "index": str(root / "index")}}, root)
    return config, sync_index(config)


def ids(config: Config, text: str) -> list[str]:
    return [h.id for h in Engine(config).search(text, limit=50, collapse=False).hits]


@pytest.mark.parametrize("text,doc_id", [
    ("fietsenstallingen", "kantoor/rapport.pdf"),     # the PDF's second page
    ("windmolens", "kantoor/notulen.docx"),          # a cell of the Word table
    ("kinderopvang", "kantoor/brief.odt"),
    ("waterschap", "kantoor/nieuws.html"),
    ("zonnepanelen", "kantoor/notitie.md"),
    ("verkeersdrempels", "kantoor/mail.eml"),
    ("Vecht", "kantoor/OUDVERSLAG.TXT"),             # an extension in capitals
    ("haven", "kantoor/SCAN.PDF")])
def test_each_format_is_found_by_a_word_of_its_text(mixed, text: str, doc_id: str) -> None:  # type: ignore[no-untyped-def]
    config, _ = mixed
    assert ids(config, text) == [doc_id]


def test_an_html_page_is_its_text_not_its_script_navigation_or_footer(mixed) -> None:  # type: ignore[no-untyped-def]
    config, _ = mixed
    for word in ("spionage", "trackingcode", "menuknop", "voettekst"):
        assert ids(config, word) == [], word


def test_title_month_and_author_come_from_the_metadata(mixed) -> None:  # type: ignore[no-untyped-def]
    config, _ = mixed
    engine = Engine(config)
    seen = {h.id: h for h in engine.search("fietsenstallingen OF windmolens OF kinderopvang "
                                           "OF waterschap OF zonnepanelen OF "
                                           "verkeersdrempels", limit=20).hits}
    expected = {
        "kantoor/rapport.pdf": ("Jaarverslag 2019", "2019-05", "pdf", "Gemeente Utrecht"),
        "kantoor/notulen.docx": ("Notulen mei", "2019-05", "docx", "Griffie"),
        "kantoor/brief.odt": ("Brief aan de burgers", "2019-05", "odt", "Jan"),
        "kantoor/nieuws.html": ("Nieuws over dijken", "2018-11", "html", ""),
        "kantoor/notitie.md": ("Notitie over zonnepanelen", "2020-02", "markdown", "Piet"),
        "kantoor/mail.eml": ("Vergadering over de begroting", "2020-03", "email",
                             "Piet <piet@example.nl>"),
    }
    assert {k: (h.title, h.month, h.format, h.author) for k, h in seen.items()} == expected
    assert seen["kantoor/rapport.pdf"].to_dict()["format"] == "pdf"


def test_every_file_is_accounted_for_with_a_reason(mixed) -> None:  # type: ignore[no-untyped-def]
    _, report = mixed
    skipped = dict(report.skipped)
    assert report.added == 8
    assert set(skipped) == {f"kantoor/{name}" for name in
                            ("data.json", "zonder-extensie", *hostile())}
    assert "unsupported: a .json file" in skipped["kantoor/data.json"]
    assert "zip bomb" in skipped["kantoor/bom.docx"]
    assert "encrypted" in skipped["kantoor/versleuteld.pdf"]
    assert "damaged" in skipped["kantoor/afgekapt.pdf"]
    assert "without text" in skipped["kantoor/leeg.pdf"]
    assert "damaged" in skipped["kantoor/kapot.odt"]
    assert "damaged" in skipped["kantoor/nep.docx"]
    assert all("\n" not in reason and "Traceback" not in reason for reason in skipped.values())


def test_a_file_that_could_not_be_read_is_read_again_when_it_changes(tmp_path: Path) -> None:
    made.write(tmp_path / "seeds", {"a.pdf": made.pdf(["x"], password="geheim"),
                                    "b.txt": b" date 2020-01 B\n\nfiets"})
    config = config_from_dict({"paths": {"seeds": str(tmp_path / "seeds"),
                                         "index": str(tmp_path / "index")}}, tmp_path)
    first = sync_index(config)
    assert first.added == 1 and "encrypted" in dict(first.skipped)["a.pdf"]
    again = sync_index(config)
    assert again.added == 0 and "encrypted" in dict(again.skipped)["a.pdf"]
    (tmp_path / "seeds" / "a.pdf").write_bytes(made.pdf(["Nu leesbaar over molens."]))
    third = sync_index(config)
    assert third.added == 1 and not third.skipped
    assert ids(config, "molens") == ["a.pdf"]


def test_the_original_file_is_a_download_of_the_seeds_folder_only(mixed) -> None:  # type: ignore[no-untyped-def]
    from searchd.web import create_app

    config, _ = mixed
    client = create_app(config).test_client()
    with client.get("/origineel/kantoor/rapport.pdf") as got:
        assert got.status_code == 200 and got.data == office()["rapport.pdf"]
        assert got.headers["Content-Disposition"].startswith("attachment")
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        assert got.headers["Content-Type"] == "application/pdf"
    for bad in ("kantoor/versleuteld.pdf", "kantoor/data.json", "../index/CURRENT",
                "kantoor/../../index/CURRENT", "nergens.pdf"):
        assert client.get(f"/origineel/{bad}").status_code == 404, bad
    page = client.get("/doc/kantoor/rapport.pdf?q=fietsenstallingen").text
    assert "Origineel downloaden" in page and "PDF" in page and "Gemeente Utrecht" in page
    assert ">fietsenstallingen</mark>" in page


def test_each_content_is_extracted_once(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebuild, a renamed file or a copy is not extracted again (extraction.py keeps
    each outcome by format and checksum, a failure too); what no file holds is forgotten."""
    import searchd.extraction as extraction
    from searchd.extraction import EXTRACTED

    extracted: list[str] = []
    real = extraction.extract_files

    def counting(jobs, processes):  # type: ignore[no-untyped-def]
        jobs = list(jobs)
        extracted.extend(Path(path).name for _, _, path in jobs)
        return real(jobs, processes)

    monkeypatch.setattr(extraction, "extract_files", counting)
    seeds = made.write(tmp_path / "seeds", {
        "a.pdf": made.pdf(["Molens aan de Zaan."], "Molens"),
        "b.pdf": made.pdf(["x"], password="geheim"),
        "c.md": b"# Dijken\n\nDe dijken van Zeeland."})
    config = config_from_dict({"paths": {"seeds": str(seeds),
                                         "index": str(tmp_path / "index")}}, tmp_path)
    sync_index(config)
    assert sorted(extracted) == ["a.pdf", "b.pdf", "c.md"]
    rebuilt = sync_index(config, rebuild=True)
    assert rebuilt.added == 2 and "encrypted" in dict(rebuilt.skipped)["b.pdf"]
    (seeds / "a.pdf").rename(seeds / "zaan.pdf")
    (seeds / "kopie.md").write_bytes((seeds / "c.md").read_bytes())
    sync_index(config)
    assert sorted(extracted) == ["a.pdf", "b.pdf", "c.md"]  # nothing extracted again
    assert ids(config, "molens") == ["zaan.pdf"]
    assert set(ids(config, "dijken")) == {"c.md", "kopie.md"}
    (seeds / "zaan.pdf").unlink()
    sync_index(config)
    assert len(list((tmp_path / "index" / EXTRACTED).iterdir())) == 2  # (b.pdf, the .md)


def test_the_files_are_counted_per_format_and_reason_everywhere(mixed, runner) -> None:  # type: ignore[no-untyped-def]
    """`searchd stats --json`, /healthz and the owner's page account for every file."""
    import json
    from dataclasses import replace

    from searchd.cli import main
    from searchd.web import create_app

    config, report = mixed
    assert "skipped (" in report.summary() and "1 zip bomb" in report.summary()
    conf = config.index.parent / "config.toml"
    conf.write_text(f'[paths]\nseeds = "{config.seeds}"\nindex = "{config.index}"\n')
    stats = json.loads(runner.invoke(main, ["--config", str(conf), "stats", "--json"]).output)
    files = stats["files"]
    assert files["indexed"] == {"pdf": 2, "docx": 1, "odt": 1, "html": 1, "markdown": 1,
                                "email": 1, "txt": 1}
    assert files["skipped"] == {"unsupported": 2, "damaged": 3, "zip bomb": 1,
                                "encrypted": 1, "no text": 1}
    assert {f["id"] for f in files["skipped_files"]} == {
        f"kantoor/{n}" for n in ("data.json", "zonder-extensie", *hostile())}
    token = "een-lang-genoeg-beheertoken-1234"
    client = create_app(replace(config, admin_token=token)).test_client()
    health = client.get("/healthz").get_json()
    assert health["files"]["indexed"]["pdf"] == 2 and "skipped_files" not in health["files"]
    client.post("/beheer/login", data={"token": token})
    page = client.get("/beheer").text
    assert "kantoor/versleuteld.pdf" in page and "an encrypted PDF" in page
    assert "2 PDF" in page and "1 zip bomb" in page


@pytest.mark.parametrize("point,reason", [("extract:stall", "took more than 2 s"),
                                          ("extract:read", "not indexed")])
def test_a_reader_that_hangs_or_dies_costs_one_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str, reason: str) -> None:
    """A file whose reader loops past the time limit, or whose reader dies (a crash, the
    memory limit), is one line with its reason; the files around it are indexed."""
    import searchd.formats.isolation as isolation

    monkeypatch.setattr(isolation, "TIME_LIMIT", 2.0)
    monkeypatch.setattr(isolation, "FILES_PER_READER", 3)  # (readers replaced as well)
    monkeypatch.setenv("SEARCHD_FAILPOINT", point)
    monkeypatch.setenv("SEARCHD_FAILPOINT_SUBJECT", "lus.pdf")
    monkeypatch.setenv("SEARCHD_STALL_SECONDS", "30")
    docs = {f"d{n}.md": f"# Document {n}\n\nDe sluis nummer {n}.".encode() for n in range(8)}
    seeds = made.write(tmp_path / "seeds", {**docs, "lus.pdf": made.pdf(["De sluis."])})
    config = config_from_dict({"paths": {"seeds": str(seeds),
                                         "index": str(tmp_path / "index")}}, tmp_path)
    report = sync_index(config)
    assert report.added == 8 and [doc for doc, _ in report.skipped] == ["lus.pdf"]
    assert reason in report.skipped[0][1]
    assert sorted(ids(config, "sluis")) == sorted(docs)


WORDS = "gemeente OF haven OF raad OF begroting"


def test_results_are_counted_and_narrowed_by_format(mixed, runner) -> None:  # type: ignore[no-untyped-def]
    """A facet of formats beside year and month; format=pdf (API, page), --format (CLI)."""
    import json

    from searchd.cli import main
    from searchd.web import create_app

    config, _ = mixed
    engine = Engine(config)
    every = engine.search(WORDS, limit=50, collapse=False)
    assert every.facets["format"]["pdf"] == 2 and every.facets["format"]["docx"] == 1
    pdfs = engine.search(WORDS, formats="pdf", limit=50)
    assert {h.format for h in pdfs.hits} == {"pdf"} and pdfs.total == 2
    assert pdfs.facets["format"] == {"pdf": 2}
    both = engine.search(WORDS, formats=["pdf", "docx"], limit=50)
    assert {h.format for h in both.hits} == {"pdf", "docx"}
    client = create_app(config).test_client()
    api = client.get(f"/api/search?q={WORDS}&format=pdf").get_json()
    assert {h["format"] for h in api["hits"]} == {"pdf"}
    assert client.get(f"/api/search?q={WORDS}&format=exe").status_code == 400
    page = client.get("/?q=haven").text  # (one format: no facet of formats)
    assert "facet-format" not in page
    page = client.get("/?q=gemeente+OF+haven+OF+raad").text
    assert "format=pdf" in page and ">PDF</a>" in page and ">Word</a>" in page
    conf = config.index.parent / "config.toml"
    conf.write_text(f'[paths]\nseeds = "{config.seeds}"\nindex = "{config.index}"\n')
    out = runner.invoke(main, ["--config", str(conf), "search", WORDS, "--format", "pdf",
                               "--json"]).output
    assert {h["format"] for h in json.loads(out)["hits"]} == {"pdf"}


def test_results_are_counted_and_narrowed_by_author(mixed, runner) -> None:  # type: ignore[no-untyped-def]
    """The authors of the matches (as their metadata names them) as a facet; author=
    (API, page; repeated for several, a name may hold a comma), --author (CLI)."""
    import json

    from searchd.cli import main
    from searchd.web import create_app

    config, _ = mixed
    engine = Engine(config)
    every = engine.search(WORDS, limit=50, collapse=False)
    assert every.facets["author"]["Gemeente Utrecht"] == 1
    assert every.facets["author"]["Griffie"] == 1
    mine = engine.search(WORDS, authors="Gemeente Utrecht")
    assert [h.id for h in mine.hits] == ["kantoor/rapport.pdf"]
    assert mine.facets["author"] == {"Gemeente Utrecht": 1}
    assert engine.search(WORDS, authors="gemeente  utrecht").total == 1  # (case, spaces)
    both = engine.search(WORDS, authors=["Gemeente Utrecht", "Griffie"], limit=50)
    assert {h.id for h in both.hits} == {"kantoor/rapport.pdf", "kantoor/notulen.docx"}
    client = create_app(config).test_client()
    api = client.get(f"/api/search?q={WORDS}&author=Griffie").get_json()
    assert [h["id"] for h in api["hits"]] == ["kantoor/notulen.docx"]
    page = client.get(f"/?q={WORDS}").text
    assert "facet-author" in page and "author=Griffie" in page
    conf = config.index.parent / "config.toml"
    conf.write_text(f'[paths]\nseeds = "{config.seeds}"\nindex = "{config.index}"\n')
    out = runner.invoke(main, ["--config", str(conf), "search", WORDS, "--author",
                               "Griffie", "--json"]).output
    assert [h["id"] for h in json.loads(out)["hits"]] == ["kantoor/notulen.docx"]
