"""Fixtures: tiny Dutch seed folders and indexes under tmp_path, the app, the CLI runner."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from searchd.cli import main
from searchd.config import Config, config_from_dict
from searchd.sync import sync_index
from searchd.web import create_app

from .server import running_server

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SEARCHD_SHARED", REPO.parent / "shared"))

DOCS = {
    "kat.txt": " date 2017-11 IS roept op tot aanslagen\n\nSyrisch-Koerdische strijders "
               "heroverden de stad. De terreurgroep Islamitische Staat verloor zijn hoofdstad."
               "\n\nBuitenlandse IS-strijders keren terug naar Europa.",
    "fiets.txt": " date 2016-03 Fietsen in de stad\n\nSteeds meer mensen fietsen naar het werk. "
                 "De gemeente legt nieuwe fietspaden aan.",
    "sub/begroting.txt": " date 2017-01 Begroting 2017\n\nDe minister van Financiën presenteert "
                         "de begroting. Het tekort bedraagt 5.600 miljoen euro.",
    "zonder-datum.txt": " date  Categorieën van auto's\n\nDe categorieën worden geëvalueerd. "
                        "Auto's en e-mail in 's-Hertogenbosch.",
}


def module_index(factory: pytest.TempPathFactory, name: str, docs: dict[str, str]) -> Config:
    """A config whose index of docs was built in a scratch folder of its own (for the
    module-scoped fixtures that share one index)."""
    root = factory.mktemp(name)
    write_seeds(root / "seeds", docs)
    config = config_from_dict({}, root)
    sync_index(config)
    return config


@contextmanager
def module_server(factory: pytest.TempPathFactory, name: str,
                  docs: Mapping[str, str | bytes], more: str = "") -> Iterator[str]:
    """A real `searchd serve` over docs in a scratch folder of its own (more: tables added
    to its config); its base URL."""
    folder = factory.mktemp(name)
    write_seeds(folder / "seeds", docs)
    with running_server(folder, more=more) as (base, _):
        yield base


def write_seeds(folder: Path, docs: Mapping[str, str | bytes]) -> Path:
    """Write docs ({relative path: text, or a file's bytes}) under folder."""
    for name, text in docs.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A seeds folder with four small Dutch documents."""
    return write_seeds(tmp_path / "seeds", DOCS)


@pytest.fixture
def config(tmp_path: Path, seeds: Path) -> Config:
    """A Config over the tmp seeds and a tmp index."""
    return config_from_dict({"paths": {"seeds": "seeds", "index": "index"}}, tmp_path)


@pytest.fixture
def built(config: Config) -> Config:
    """config, with its index built."""
    sync_index(config)
    return config


@pytest.fixture
def app(built: Config):  # type: ignore[no-untyped-def]
    """The Flask app over the built tmp index."""
    return create_app(built)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    """Flask's test client."""
    return app.test_client()


@pytest.fixture
def runner() -> CliRunner:
    """click's test runner."""
    return CliRunner()


@pytest.fixture
def served(tmp_path: Path, seeds: Path) -> Iterator[str]:
    """A real `searchd serve` over the tmp seeds; yields its base URL."""
    with running_server(tmp_path) as (base, _):
        yield base


def shared_file(relative: str) -> Path:
    """A file under ../shared, or skip the test when it is absent."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"{path} is absent (needs ../shared beside the repository)")
    return path


def run(runner: CliRunner, config: Config, *args: str, ok: bool = True) -> Result:
    """`searchd ARGS` over config (a config file beside its index), through CliRunner;
    asserts that it succeeded, or failed when ok is False."""
    conf = config.index.parent / "config.toml"
    if not conf.exists():
        conf.write_text('[paths]\nseeds = "seeds"\nindex = "index"\n')
    result = runner.invoke(main, ["--config", str(conf), *args], catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return result


def before_reading(monkeypatch: pytest.MonkeyPatch, name: str,
                   action: Callable[[Path], None]) -> None:
    """Run action on the seed file called name just before a sync reads it (after the
    folder was scanned)."""
    import searchd.sync as sync

    real = sync.read_seed

    def reading(path: Path, root: Path, *more):  # type: ignore[no-untyped-def]
        if path.name == name:
            action(path)
        return real(path, root, *more)

    monkeypatch.setattr(sync, "read_seed", reading)
