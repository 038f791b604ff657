"""cfl.toml: found from the working folder upward or named by $CFL_CONFIG; strict keys and
types; relative paths read from the file's folder; each value says where it was set."""

from __future__ import annotations

from pathlib import Path

import pytest

from cfl.config import CONFIG_ENV, load_project_config, parse_config
from cfl.errors import InputError

TOML = '''# project settings
resolver = "HTTPS://LABELS.EXAMPLE.CN/V/"
trust = "trust/list.signed.json"
revocations = ["a.json", "/abs/b.json"]
"trust-store" = "store/"
template = "standard"
'''


def test_found_upward_with_origins_and_paths_from_the_files_folder(tmp_path: Path) -> None:
    (tmp_path / "cfl.toml").write_text(TOML, encoding="utf-8")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    config = load_project_config(deep, environ={})
    assert config.path == (tmp_path / "cfl.toml").resolve()
    trust = config.get("trust")
    assert trust is not None and trust.value == str(tmp_path / "trust/list.signed.json")
    assert trust.origin == f"{config.path}, line 3"
    revocations = config.get("revocations")
    assert revocations is not None
    assert revocations.value == (str(tmp_path / "a.json"), "/abs/b.json")
    store = config.get("trust-store")
    assert store is not None and store.value == str(tmp_path / "store") + "/"
    assert config.get("template") is not None and config.get("key") is None
    with pytest.raises(KeyError):
        config.get("nonsense")


def test_cfl_config_names_the_file_and_an_empty_value_turns_the_search_off(tmp_path: Path
                                                                          ) -> None:
    (tmp_path / "cfl.toml").write_text(TOML, encoding="utf-8")
    other = tmp_path / "elsewhere.toml"
    other.write_text('key = "k/"\n', encoding="utf-8")
    named = load_project_config(tmp_path, environ={CONFIG_ENV: str(other)})
    assert named.path == other.resolve() and list(named.settings) == ["key"]
    assert "CFL_CONFIG" in named.found_by
    off = load_project_config(tmp_path, environ={CONFIG_ENV: ""})
    assert off.path is None and off.settings == {}
    with pytest.raises(InputError) as info:
        load_project_config(tmp_path, environ={CONFIG_ENV: str(tmp_path / "missing.toml")})
    assert info.value.code == "config_not_found"


def test_no_file_is_no_settings(tmp_path: Path) -> None:
    config = load_project_config(tmp_path, environ={})
    if config.path is None:  # a cfl.toml above the temporary folder would be found
        assert config.settings == {} and "no cfl.toml" in config.found_by


@pytest.mark.parametrize("text, expected", [
    ('trst = "x"\n', "line 1: unknown key 'trst'; did you mean 'trust'?"),
    ('key = 3\n', "line 1: 'key' must be a path (text)"),
    ('revocations = [1]\n', "'revocations' must be a path or a list of paths"),
    ('resolver = ""\n', "'resolver' must be text"),
    ('key = "a"\nkey = "b"\n', "line 2, column"),
    ('trust = "a\n', "is not valid TOML"),
])
def test_bad_files_say_where(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "cfl.toml"
    with pytest.raises(InputError) as info:
        parse_config(text.encode(), path=path)
    assert expected in str(info.value) and str(path) in str(info.value)
    assert info.value.code == "bad_config"


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        parse_config('trust = "é"\n'.encode("latin-1"), path=tmp_path / "cfl.toml")
