"""searchd on a Dask cluster: a scheduler and three workers started with the standard
`dask scheduler` / `dask worker` commands on 127.0.0.1, three shards with two copies each.
The cluster must give the same TREC run (ids, order, scores) and the same results (totals,
facets, snippets, suggestions, notices, near-duplicates) as one index of the same documents,
and still do while and after a worker is killed with SIGKILL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchd.cluster.local import BIN, LocalCluster
from searchd.config import Config, config_from_dict
from searchd.engines import engine_for

from .conftest import write_seeds

pytestmark = [pytest.mark.cluster,
              pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]

WORDS = ("minister begroting gemeente fiets stad belasting aanslag aanslagen regering wet "
         "kamer kinderopvang toeslag kinderopvangtoeslag huurtoeslag veiligheid "
         "veiligheidsminister terreur aangifte belastingaangifte zorg verzekering "
         "zorgverzekering premie jongeren werkloosheid asielzoekers opvang justitie "
         "van de het een in op staat land brussel politie onderwijs school").split()
QUERIES = [
    "minister", "kinderopvangtoeslag", "toeslag", "veiligheidsminister terreur",
    "belastingaangifte", "zorgverzekering -premie", '"minister van justitie"',
    "belast*", "fiets OR stad", "aanslagen", "ministr", "kinderopvangtoeslg",
    "asielzoekers NIET opvang", "title:wet", '"van de"', "werkloosheid jongeren",
    "huurtoeslag kinderopvang", "brusel politie", "onderwijs school zorg",
]


def _corpus(count: int, seed: int) -> dict[str, str]:
    """Documents of Dutch words, compounds and their parts, some dated, some copies of
    others (near-duplicates), some with equal scores for one-word queries."""
    rng = random.Random(seed)
    docs: dict[str, str] = {}
    for i in range(count):
        date = f"20{rng.randrange(10, 21)}-{rng.randrange(1, 13):02d}" if i % 5 else ""
        title = " ".join(rng.choices(WORDS, k=rng.randrange(2, 6)))
        body = " ".join(rng.choices(WORDS, k=rng.randrange(8, 300)))
        docs[f"doc-{i:04d}.txt"] = f" date {date} {title}\n\n{body}"
    for i in range(0, count, 17):  # the same text under another name
        docs[f"copy-{i:04d}.txt"] = docs[f"doc-{i:04d}.txt"]
    return docs


def _config(root: Path, cluster: LocalCluster | None) -> Config:
    data: dict[str, dict[str, object]] = {"paths": {"seeds": "seeds", "index": "one"}}
    if cluster is not None:
        data = {"paths": {"seeds": "seeds", "index": "coordinator"},
                "cluster": {"scheduler": cluster.address, "shards": 3, "replicas": 2}}
    config = config_from_dict(data, root)
    name = "cluster.toml" if cluster is not None else "one.toml"
    lines = [f"[{section}]\n" + "".join(
        f"{k} = {v!r}\n".replace("'", '"') for k, v in values.items())
        for section, values in data.items()]
    (root / name).write_text("\n".join(lines), encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, LocalCluster]]:
    """A seeds folder indexed once as one index and once on a cluster of 3 workers."""
    root = tmp_path_factory.mktemp("cluster")
    write_seeds(root / "seeds", _corpus(360, 7))
    cluster = LocalCluster(root, 3)
    try:
        cluster.wait_for(3)
        for name in ("one.toml", "cluster.toml"):
            _config(root, cluster if name == "cluster.toml" else None)
            done = _searchd(root, name, "index")
            assert done.returncode == 0, done.stderr
        yield root, cluster
    finally:
        cluster.stop()


def _searchd(root: Path, config: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "searchd"), "--config", str(root / config), *args],
                          capture_output=True, text=True, timeout=300, cwd=root)


def _run(root: Path, config: str, *options: str) -> str:
    queries = root / "queries.tsv"
    queries.write_text("".join(f"q{i}\t{q}\n" for i, q in enumerate(QUERIES)),
                       encoding="utf-8")
    done = _searchd(root, config, "search", "--queries", str(queries), *options)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_index_is_spread_over_shards_with_two_copies_each(setup) -> None:
    root, _ = setup
    status = _searchd(root, "cluster.toml", "cluster", "status")
    assert status.returncode == 0, status.stdout + status.stderr
    assert "ready" in status.stdout.splitlines()[0]
    shards = [line for line in status.stdout.splitlines() if line.startswith("shard ")]
    assert len(shards) == 3 and all("2 of 2 copies" in line for line in shards)


@pytest.mark.parametrize("options", [(), ("--sort", "newest"), ("--no-collapse",),
                                     ("--limit", "40"), ("--since", "2015-01")])
def test_the_trec_run_is_the_one_index_s(setup, options: tuple[str, ...]) -> None:
    root, _ = setup
    one = _run(root, "one.toml", *options)
    assert len(one.splitlines()) > 10 * len(QUERIES) // 2
    assert _run(root, "cluster.toml", *options) == one


def test_results_are_the_one_index_s_facets_snippets_and_suggestions_too(setup) -> None:
    root, _ = setup
    one = engine_for(_config(root, None))
    cluster = engine_for(config_from_dict(
        {"paths": {"seeds": "seeds", "index": "coordinator"},
         "cluster": {"scheduler": setup[1].address, "shards": 3, "replicas": 2}}, root))
    try:
        for text in QUERIES:
            for options in ({}, {"page": 2, "limit": 5}, {"sort": "oldest"}):
                a = one.search(text, **options).to_dict()
                b = cluster.search(text, **options).to_dict()
                a.pop("took_ms"), b.pop("took_ms")
                assert a == b, (text, options)
        doc = one.document("doc-0003.txt", "minister")
        assert cluster.document("doc-0003.txt", "minister").body_html == doc.body_html
        assert cluster.complete("kinderop") == one.complete("kinderop")
        assert cluster.stats()["documents"] == one.stats()["documents"]
    finally:
        cluster.close()
        one.close()


def test_the_page_and_the_api_answer_from_the_cluster(setup) -> None:
    from searchd.web import create_app

    root, dask = setup
    config = config_from_dict({"paths": {"seeds": "seeds", "index": "coordinator"},
                               "cluster": {"scheduler": dask.address, "shards": 3,
                                           "replicas": 2}}, root)
    app = create_app(config)
    client = app.test_client()
    try:
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.get_json()["status"] == "ready"
        found = client.get("/api/search?q=kinderopvangtoeslag").get_json()
        one = engine_for(_config(root, None)).search("kinderopvangtoeslag").to_dict()
        assert [h["id"] for h in found["hits"]] == [h["id"] for h in one["hits"]]
        page = client.get("/?q=kinderopvangtoeslag")
        assert page.status_code == 200 and b"<mark>" in page.data
        health = client.get("/healthz").get_json()
        assert health["documents"] == len(list((root / "seeds").iterdir()))
    finally:
        app.extensions["searchd.engine"].close()


def test_a_worker_killed_mid_load_fails_no_search_and_its_copies_come_back(setup) -> None:
    root, dask = setup
    one = _run(root, "one.toml")
    config = config_from_dict({"paths": {"seeds": "seeds", "index": "coordinator"},
                               "cluster": {"scheduler": dask.address, "shards": 3,
                                           "replicas": 2}}, root)
    engine = engine_for(config, serving=True)  # as `serve` runs it: repairs lost copies
    try:
        for text in QUERIES:  # every copy's actor made and used before the kill
            engine.search(text)
        os.kill(dask.worker_pid("w2"), signal.SIGKILL)
        dask.kill_worker("w2")  # the nanny too: w2 does not come back
        answered = [engine.search(text).total for text in QUERIES * 3]
        assert len(answered) == 3 * len(QUERIES)
        assert _run(root, "cluster.toml") == one  # a new process, w2 gone
        deadline = time.monotonic() + 60
        while engine.readiness()[0] != "ready" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert engine.readiness() == ("ready", "")
        status = engine.cluster.status()
        assert all(len([c for c in s["copies"] if c["state"] == "serving"]) == 2
                   for s in status["shards"])
        assert "w2" not in status["workers"]
    finally:
        engine.close()
    dask.start_worker("w2")
    dask.wait_for(3)
    assert _run(root, "cluster.toml") == one
