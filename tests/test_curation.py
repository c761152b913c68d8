"""The owner's page runs the service: its state, synonyms and pinned results edited there
and applied to the next search (no restart, no reindex), each change logged and undoable,
every form refused from another site or without its CSRF token."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from searchd.config import Config
from searchd.curation import Curation, CurationError, check_synonyms
from searchd.search import Engine
from searchd.web import create_app

TOKEN = "een-geheim-token-van-20"


@pytest.fixture
def owner(built: Config):  # type: ignore[no-untyped-def]
    client = create_app(replace(built, admin_token=TOKEN)).test_client()
    client.post("/beheer/login", data={"token": TOKEN})
    return client


def _csrf(owner) -> str:  # type: ignore[no-untyped-def]
    page = owner.get("/beheer")
    assert page.status_code == 200
    return re.search(r'name="csrf" value="([^"]+)"', page.text)[1]  # type: ignore[index]


def _ids(owner, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [h["id"] for h in owner.get("/api/search", query_string={"q": query})
            .get_json()["hits"]]


def test_the_page_shows_the_state_of_the_service(owner) -> None:  # type: ignore[no-untyped-def]
    page = owner.get("/beheer").text
    for part in ("Stand van de dienst", 'id="state-documents">4<', "Laatst bijgewerkt",
                 "Map volgen", "GB vrij", "Geïndexeerd"):
        assert part in page, part


def test_synonyms_edited_on_the_page_apply_to_the_next_search(owner) -> None:  # type: ignore[no-untyped-def]
    assert _ids(owner, "rijwiel") == []
    done = owner.post("/beheer/synoniemen",
                      data={"csrf": _csrf(owner), "synoniemen": "rijwiel, fiets\n"})
    assert done.status_code == 303 and "gedaan=" in done.location
    assert _ids(owner, "rijwiel") == ["fiets.txt"]  # the same server, no restart
    page = owner.get("/beheer").text
    assert "rijwiel, fiets" in page and "synoniemen gewijzigd" in page and "beheerder" in page
    owner.post("/beheer/ongedaan", data={"csrf": _csrf(owner)})
    assert _ids(owner, "rijwiel") == []  # undone


def test_a_bad_synonyms_line_is_refused_in_dutch_and_nothing_changes(owner) -> None:  # type: ignore[no-untyped-def]
    owner.post("/beheer/synoniemen", data={"csrf": _csrf(owner), "synoniemen": "a, b\n"})
    bad = owner.post("/beheer/synoniemen",
                     data={"csrf": _csrf(owner), "synoniemen": "a, b\nalleen\n"})
    assert "fout=" in bad.location
    page = owner.get(bad.location).text
    assert "Regel 2" in page and "komma" in page
    assert ">a, b\n</textarea>" in page
    with pytest.raises(CurationError):
        check_synonyms('x, "y" OR z')


def test_a_pinned_document_comes_first_for_its_query(owner) -> None:  # type: ignore[no-untyped-def]
    assert _ids(owner, "stad")[0] != "kat.txt"
    done = owner.post("/beheer/vastzetten", data={"csrf": _csrf(owner), "zoekopdracht": "Stad ",
                                                  "document": "kat.txt"})
    assert done.status_code == 303
    assert _ids(owner, "stad")[0] == "kat.txt" and _ids(owner, "STAD")[0] == "kat.txt"
    missing = owner.post("/beheer/vastzetten", data={"csrf": _csrf(owner),
                                                     "zoekopdracht": "stad",
                                                     "document": "bestaat-niet.txt"})
    assert "fout=" in missing.location
    owner.post("/beheer/vastzetten", data={"csrf": _csrf(owner), "zoekopdracht": "stad",
                                           "document": "kat.txt", "actie": "weg"})
    assert _ids(owner, "stad")[0] != "kat.txt"


def test_every_form_needs_its_csrf_token_and_this_site(owner) -> None:  # type: ignore[no-untyped-def]
    csrf = _csrf(owner)
    for path, data in [("/beheer/synoniemen", {"synoniemen": "a, b"}),
                       ("/beheer/vastzetten", {"zoekopdracht": "stad", "document": "kat.txt"}),
                       ("/beheer/ongedaan", {})]:
        assert owner.post(path, data=data).status_code == 403
        assert owner.post(path, data={**data, "csrf": "x" * 40}).status_code == 403
        evil = {"Origin": "https://evil.example"}
        assert owner.post(path, data={**data, "csrf": csrf}, headers=evil).status_code == 403
    anonymous = create_app(owner.application.config["SEARCHD"]).test_client()
    assert anonymous.post("/beheer/ongedaan", data={"csrf": csrf}).status_code == 403


def test_an_engine_reads_changed_curation_files_without_a_restart(built: Config) -> None:
    engine = Engine(built)
    assert engine.search("rijwiel").total == 0
    Curation(built).set_synonyms("rijwiel, fiets", "test")
    assert engine.search("rijwiel").total == 1
    history = Curation(built).history()
    assert history[0].what == "synonyms" and history[0].who == "test"
