"""The Flask app through its test client."""

from pathlib import Path

import pytest

from searchd.config import Config
from searchd.sync import sync_index
from searchd.web import create_app

XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>"><svg onload=alert(3)>'


def test_search_page_empty_state(client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and b'name="q"' in page.data
    assert b"Zoeken" in page.data


def test_search_page_shows_highlighted_results(client) -> None:
    page = client.get("/?q=strijder").get_data(as_text=True)
    assert "<mark>strijders</mark>" in page and "1 resultaat" in page
    assert 'href="/doc/kat.txt?q=strijder"' in page


def test_no_results_state(client) -> None:
    assert "Geen resultaten" in client.get("/?q=olifant").get_data(as_text=True)


def test_bad_parameters_are_explained(client) -> None:
    page = client.get("/?q=stad&since=2017-13")
    assert page.status_code == 400 and "Vanaf moet een maand zijn" in page.text
    api = client.get("/api/search?q=stad&page=nul")
    assert api.status_code == 400
    assert api.get_json()["error"]["message"].startswith("page must be")


def test_api_search_shape(client) -> None:
    data = client.get("/api/search?q=stad&limit=1&page=2").get_json()
    assert list(data) == ["query", "total", "page", "limit", "took_ms", "hits",
                         "suggestion", "notices", "sort", "facets"]
    assert (data["total"], data["page"], data["limit"], len(data["hits"])) == (2, 2, 1, 1)


def test_document_page_and_api(client) -> None:
    page = client.get("/doc/sub/begroting.txt?q=minister").get_data(as_text=True)
    assert '<mark id="m1">minister</mark>' in page and "Begroting 2017" in page
    data = client.get("/api/doc/sub/begroting.txt").get_json()
    assert data["id"] == "sub/begroting.txt" and data["date"] == "2017-01"


@pytest.mark.parametrize("path", ["/doc/../config.toml", "/api/doc/..%2F..%2Fetc%2Fpasswd",
                                  "/api/doc/%2Fetc%2Fpasswd", "/doc/nope.txt", "/api/doc/a%00b"])
def test_unknown_documents_are_404(client, path: str) -> None:
    assert client.get(path).status_code == 404


def test_healthz(client) -> None:
    assert client.get("/healthz").get_json() == {
        "status": "ok", "documents": 4, "files": {"indexed": {"txt": 4}, "skipped": {}}}


def test_everything_rendered_is_escaped(config: Config, seeds: Path) -> None:
    (seeds / "xss.txt").write_text(f" date 2017-01 {XSS}\n\nkwaad {XSS} kwaad")
    sync_index(config)
    client = create_app(config).test_client()
    for url in ["/?q=kwaad", f"/?q={XSS}", "/doc/xss.txt?q=kwaad", f"/doc/xss.txt?q={XSS}"]:
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "<svg onload" not in page
    api = client.get("/api/search?q=kwaad")
    assert api.content_type == "application/json"


def test_security_headers(client) -> None:
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"]


def test_missing_index_is_a_friendly_503(config: Config) -> None:
    client = create_app(config).test_client()
    assert client.get("/?q=stad").status_code == 503
    assert client.get("/api/search?q=stad").get_json()["error"]["status"] == 503


ALL = "stad OR begroting OR categorieen"


def test_facets_link_to_filtered_pages_that_show_removable_filters(client) -> None:
    page = client.get(f"/?q={ALL}").get_data(as_text=True)
    assert 'href="/?q=stad+OR+begroting+OR+categorieen&amp;since=2017-01&amp;until=2017-12"' \
        in page
    assert "november 2017" in page and '<h2 id="facet-year">Jaar</h2>' in page
    filtered = client.get(f"/?q={ALL}&since=2017-01&until=2017-12").get_data(as_text=True)
    assert "2 resultaten" in filtered and 'aria-current="true"' in filtered
    assert 'aria-label="Filter 2017 verwijderen"' in filtered
    assert 'class="chip" href="/?q=stad+OR+begroting+OR+categorieen"' in filtered  # removes it
    one_month = client.get(f"/?q={ALL}&since=2017-11&until=2017-11").get_data(as_text=True)
    assert "1 resultaat" in one_month and "Filter november 2017 verwijderen" in one_month


def test_sort_form_and_links_keep_the_state(client) -> None:
    page = client.get(f"/?q={ALL}&sort=oldest&limit=1").get_data(as_text=True)
    assert '<option value="oldest" selected>' in page
    hits = page.index('class="hits"')
    assert page.index("fiets.txt", hits) < page.index("</ol>", hits)  # oldest first
    assert 'href="/?q=stad+OR+begroting+OR+categorieen&amp;sort=oldest&amp;limit=1&amp;page=2"' \
        in page
    assert '<input type="hidden" name="sort" value="oldest">' in page  # a new query keeps it


def test_bad_sort_on_the_page_offers_a_way_out(client) -> None:
    page = client.get("/?q=stad&sort=<b>x</b>")
    text = page.get_data(as_text=True)
    assert page.status_code == 400 and "Onbekende sortering" in text and "<b>x" not in text
    assert "Zoek zonder filters en sortering" in text


def test_document_page_offers_more_like_this(client, built: Config, seeds: Path) -> None:
    (seeds / "fiets2.txt").write_text(" date 2016-04 Fietspaden\n\nNieuwe fietspaden voor "
                                      "mensen die naar het werk fietsen.")
    sync_index(built)
    page = client.get("/doc/fiets.txt?q=fietsen").get_data(as_text=True)
    assert "Meer zoals dit" in page and 'href="/doc/fiets2.txt"' in page
    assert 'href="#m1"' in page and '<mark id="m1">' in page
    # the title ("Fietsen in de stad") is marked too, but the anchor is the body's match
    assert page.count('id="m1"') == 1 and "<h1><mark>Fietsen</mark>" in page


def test_the_app_never_runs_the_debugger(built: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """Flask turns debug mode on when FLASK_DEBUG=1 is in the environment, whoever starts
    it; searchd's app never runs in debug mode (it would show tracebacks to visitors)."""
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app(built)
    assert app.debug is False
    assert app.test_client().get("/?q=stad").status_code == 200


def test_a_page_past_the_last_shows_the_last_and_the_icon_is_served(client) -> None:  # type: ignore[no-untyped-def]
    past = client.get("/?q=strijders&page=500")
    assert past.status_code == 302 and "page=" in past.headers["Location"]
    last = client.get(past.headers["Location"])
    assert last.status_code == 200 and "Pagina 500" not in last.text
    beyond = client.get("/?q=strijders&page=99999")  # past any page there can be
    assert beyond.status_code == 302 and beyond.headers["Location"] == past.headers["Location"]
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert 'rel="icon"' in client.get("/").text


def test_a_document_whose_name_holds_a_line_break_has_a_page(config: Config,
                                                              seeds: Path) -> None:
    """The path converter stops at a line break: such a document's link was a 404."""
    from searchd.sync import sync_index
    from searchd.web import create_app

    (seeds / "a\nb.txt").write_text(" date 2020-01 Twee regels\n\nDe walrus zwemt.\n")
    sync_index(config)
    client = create_app(config).test_client()
    page = client.get("/?q=walrus")
    assert "/doc/a%0Ab.txt?q=walrus" in page.text
    assert client.get("/doc/a%0Ab.txt?q=walrus").status_code == 200
    assert client.get("/api/doc/a%0Ab.txt").get_json()["id"] == "a\nb.txt"


ENGLISH = ("must be", "got ", "between", "no document", "cannot", "Internal error",
           "Not Found", "too much work", "after until")


@pytest.mark.parametrize("path", [
    "/?q=stad&limit=5000", "/?q=stad&since=2017-13",
    "/?q=stad&since=2018-01&until=2017-01", "/?q=stad&sort=willekeurig",
    "/?q=stad&page=nul", "/?q=stad&collapse=misschien", "/?q=" + "a" * 3000,
    "/doc/nope.txt", "/origineel/nope.txt", "/bestaat/niet", "/?q=stad&format=exe"])
def test_the_page_says_every_error_in_dutch(client, path: str) -> None:
    page = client.get(path)
    assert 400 <= page.status_code < 500
    shown = page.text.split("<main", 1)[1]
    assert not [word for word in ENGLISH if word in shown], shown[:800]
    assert "notice error" in shown


def test_the_api_keeps_english_messages_and_gives_codes(client) -> None:
    found = client.get("/api/search?q=stad&page=99999").get_json()["error"]
    assert found["code"] == "page_range" and "page must be between" in found["message"]
    assert client.get("/api/doc/nope.txt").get_json()["error"]["code"] == "not_found"


def test_the_period_form_offers_dutch_month_names_and_whole_years(client) -> None:
    page = client.get("/?q=stad").text
    assert ">maart</option>" in page and 'name="van_jaar"' in page
    assert 'type="month"' not in page  # (browsers showed "March 2017" or "--------- ----")
    picked = client.get("/?q=stad&van_jaar=2017&van_maand=&tot_jaar=2017&tot_maand=03")
    assert picked.status_code == 302
    assert picked.location.endswith("since=2017&until=2017-03")
    year = client.get("/?q=stad&since=2017&until=2017").text
    assert "Filter 2017 verwijderen" in year or "vanaf 2017" in year


def test_undated_matches_are_counted_as_zonder_datum(client) -> None:
    page = client.get("/?q=stad OR categorieen").text
    assert "zonder datum" in page.split('aria-labelledby="facet-year"', 1)[1].split("</ul>")[0]
