"""The installed `searchd` command, end to end: index, search, serve over HTTP."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest

from .server import SEARCHD, searchd


@pytest.mark.skipif(not SEARCHD.exists(), reason="the searchd command is not installed")
def test_index_and_search_with_the_installed_command(tmp_path: Path, seeds: Path) -> None:
    conf = tmp_path / "config.toml"
    conf.write_text('[paths]\nseeds = "seeds"\nindex = "index"\n')
    assert "4 indexed" in searchd(conf, "index").stdout
    out = searchd(conf, "search", "strijder", "--json")
    assert out.returncode == 0, out.stderr
    hit = json.loads(out.stdout)["hits"][0]
    assert hit["id"] == "kat.txt" and "<mark>strijders</mark>" in hit["snippet"]
    bad = searchd(conf, "search", "x", "--page", "0")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and "page" in bad.stderr


@pytest.mark.skipif(not SEARCHD.exists(), reason="the searchd command is not installed")
def test_serve_answers_http(served: str) -> None:
    with urllib.request.urlopen(served + "/api/search?q=strijder") as response:
        assert response.headers["Content-Type"] == "application/json"
        assert json.load(response)["hits"][0]["id"] == "kat.txt"
    with urllib.request.urlopen(served + "/?q=strijder") as response:
        assert "<mark>strijders</mark>" in response.read().decode()
    assert os.environ.get("FLASK_DEBUG") in (None, "", "0")
