"""config.toml: defaults, the contract keys, path resolution, clear errors."""

from pathlib import Path

import pytest

from searchd.config import config_from_dict, load_config
from searchd.errors import ConfigError


def test_contract_keys_and_relative_paths(tmp_path: Path) -> None:
    file = tmp_path / "conf" / "searchd.toml"
    file.parent.mkdir()
    file.write_text('[paths]\nseeds = "s"\nindex = "../ix"\n'
                    '[server]\nhost = "0.0.0.0"\nport = 9000\n')
    config = load_config(file)
    assert config.seeds == tmp_path / "conf" / "s"
    assert config.index == tmp_path / "ix"
    assert (config.host, config.port) == ("0.0.0.0", 9000)


def test_env_var_chooses_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "c.toml"
    file.write_text("[server]\nport = 8181\n")
    monkeypatch.setenv("SEARCHD_CONFIG", str(file))
    assert load_config().port == 8181


@pytest.mark.parametrize("data, words", [
    ({"paths": {"seed": "x"}}, ["[paths] seed", "seeds"]),
    ({"server": {"port": 0}}, ["[server] port", "1-65535"]),
    ({"server": {"port": "80"}}, ["[server] port"]),
    ({"analysis": {"stemmer": "english"}}, ["[analysis] stemmer", "dutch_porter"]),
    ({"bogus": {}}, ["[bogus]", "[paths]"]),
    ({"search": {"default_limit": 50, "max_limit": 20}}, ["default_limit"]),
    ({"search": {"result_cache_mb": -1}}, ["[search] result_cache_mb", "0-4096"]),
    ({"search": {"result_cache_mb": True}}, ["[search] result_cache_mb"]),
])
def test_bad_keys_and_values_are_named(data: dict, words: list[str], tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        config_from_dict(data, tmp_path)
    for word in words:
        assert word in str(info.value)


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_broken_toml_is_an_error(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text("[paths\n")
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(file)


def test_repository_config_is_valid(tmp_path: Path) -> None:
    """The config.toml at hand loads (a user may have pointed it at their own folder); the
    one committed has the defaults the README names."""
    import shutil
    import subprocess

    repo = Path(__file__).resolve().parents[1]
    load_config(repo / "config.toml")
    git = shutil.which("git")
    committed = subprocess.run([git, "show", "HEAD:config.toml"], cwd=repo,
                               capture_output=True, text=True) if git else None
    if committed is None or committed.returncode != 0:
        pytest.skip("no git history to read the committed config.toml from")
    (tmp_path / "config.toml").write_text(committed.stdout, encoding="utf-8")
    config = load_config(tmp_path / "config.toml")
    assert config.seeds == tmp_path / "seeds" and config.port == 8080
