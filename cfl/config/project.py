"""Reading ``cfl.toml``: where it is, what it holds, and where each value came from.

A project keeps the values it would otherwise repeat on every command in one TOML file::

    resolver = "HTTPS://LABELS.EXAMPLE.CN/V/"
    trust = "trust/trust.signed.json"
    anchor = "trust/operator.public.jwk.json"
    revocations = ["trust/revocations.json"]
    key = "certifier/"

The file is ``$CFL_CONFIG`` when that variable is set (an empty value turns the search off),
else the first ``cfl.toml`` in the working folder or one of its parents. Each key has the
name of the command-line option it stands for; relative paths are read from the file's
folder, so a command gives the same answer from any sub-folder. Options given on the
command line always win; applying the values to commands is the CLI's business.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfl.errors import InputError
from cfl.io.jsonio import decode_utf8, read_bytes

CONFIG_FILE = "cfl.toml"
CONFIG_ENV = "CFL_CONFIG"
#: Bound on the configuration file, checked before parsing.
MAX_CONFIG_BYTES = 64 * 1024
#: Bound on the entries of a list value (revocation lists, rule folders).
MAX_LIST_ITEMS = 256


@dataclass(frozen=True)
class ConfigKey:
    """One key ``cfl.toml`` may hold: its kind (``path``, ``paths`` or ``text``) and what it
    is for, in the words ``cfl config show`` prints."""

    name: str
    kind: str
    description: str


#: Every key, in the order ``cfl config show`` lists them.
KEYS: tuple[ConfigKey, ...] = (
    ConfigKey("resolver", "text", "resolver URL printed in the QR code (cfl label, cfl claim)"),
    ConfigKey("trust", "path", "the scheme operator's signed trust list"),
    ConfigKey("anchor", "path", "the scheme operator's public JWK that pins the trust list"),
    ConfigKey("revocations", "paths", "certifiers' signed revocation lists (a list)"),
    ConfigKey("status-lists", "paths", "certifiers' signed status lists (a list)"),
    ConfigKey("trust-store", "path", "folder remembering accepted trust and revocation lists"),
    ConfigKey("key", "path", "your signing key: a key folder or its private.pem"),
    ConfigKey("ledger", "path", "the certifier's ledger of what it signed and revoked"),
    ConfigKey("template", "text", "the label template: a built-in name or a .yaml file"),
    ConfigKey("templates", "path", "a folder of your own label templates (<name>.yaml)"),
    ConfigKey("rules", "paths", "your own rule sets and mappings (files or folders; a list)"),
)
_BY_NAME = {key.name: key for key in KEYS}


@dataclass(frozen=True)
class Setting:
    """One value in effect: the key, the value (paths made absolute) and where it was set
    (``/project/cfl.toml, line 3``)."""

    key: str
    value: str | tuple[str, ...]
    origin: str


@dataclass(frozen=True)
class ProjectConfig:
    """The configuration in effect: the file (None when there is none) and its settings."""

    path: Path | None
    found_by: str
    settings: Mapping[str, Setting]

    def get(self, key: str) -> Setting | None:
        if key not in _BY_NAME:
            raise KeyError(key)
        return self.settings.get(key)


def find_config_file(start: Path, environ: Mapping[str, str]) -> tuple[Path | None, str]:
    """The configuration file to use and how it was found: ``$CFL_CONFIG`` (it must
    exist), else the first ``cfl.toml`` in ``start`` or a parent folder."""
    if CONFIG_ENV in environ:
        named = environ[CONFIG_ENV]
        if not named:
            return None, f"${CONFIG_ENV} is empty: no configuration file is read"
        path = Path(named).expanduser()
        if not path.is_file():
            raise InputError(f"${CONFIG_ENV} names a file that does not exist", source=named,
                             code="config_not_found")
        return path.resolve(), f"named by ${CONFIG_ENV}"
    folder = start.resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / CONFIG_FILE
        if path.is_file():
            return path, f"the first {CONFIG_FILE} from {folder} upward"
    return None, f"no {CONFIG_FILE} in {folder} or a parent folder, and ${CONFIG_ENV} unset"


def load_project_config(start: Path | None = None,
                        environ: Mapping[str, str] | None = None) -> ProjectConfig:
    """The configuration in effect for a command run in ``start`` (default: the working
    folder) with ``environ`` (default: the process environment)."""
    path, found_by = find_config_file(start or Path.cwd(),
                                      os.environ if environ is None else environ)
    if path is None:
        return ProjectConfig(None, found_by, {})
    data = read_bytes(path, max_bytes=MAX_CONFIG_BYTES)
    return ProjectConfig(path, found_by, parse_config(data, path=path))


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def parse_config(data: bytes, *, path: Path) -> dict[str, Setting]:
    """The settings of a ``cfl.toml`` file's bytes; ``path`` names it in errors and is the
    folder relative paths are read from. Unknown keys and wrong types are refused."""
    source = str(path)
    text = decode_utf8(data, source, expected="a TOML file")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        position = _TOML_POSITION.search(message)
        location = None
        if position is not None:
            location = f"line {position.group(1)}, column {position.group(2)}"
            message = message[:position.start()]
        raise InputError(f"is not valid TOML: {message}", source=source, location=location,
                         code="bad_config") from None
    lines = text.splitlines()
    settings: dict[str, Setting] = {}
    for name, value in raw.items():
        where = _line_of(name, lines)
        location = f"line {where}" if where else None
        key = _BY_NAME.get(name)
        if key is None:
            close = difflib.get_close_matches(name, list(_BY_NAME), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise InputError(f"unknown key {name!r}; {hint}known keys: "
                             f"{', '.join(_BY_NAME)}", source=source, location=location,
                             code="bad_config")
        checked = _checked(key, value, base=path.parent, source=source, location=location)
        origin = f"{source}, line {where}" if where else source
        settings[name] = Setting(name, checked, origin)
    return settings


def _line_of(name: str, lines: list[str]) -> int | None:
    pattern = re.compile(rf"""^\s*(["']?){re.escape(name)}\1\s*=""")
    for number, line in enumerate(lines, start=1):
        if pattern.match(line):
            return number
    return None


def _checked(key: ConfigKey, value: Any, *, base: Path, source: str,
             location: str | None) -> str | tuple[str, ...]:
    def fail(expected: str) -> InputError:
        return InputError(f"{key.name!r} must be {expected}", source=source, location=location,
                          code="bad_config")

    if key.kind == "paths":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            raise fail("a path or a list of paths (text)")
        if len(items) > MAX_LIST_ITEMS:
            raise fail(f"a list of at most {MAX_LIST_ITEMS} paths")
        return tuple(_absolute(item, base) for item in items)
    if not isinstance(value, str) or not value:
        raise fail("a path (text)" if key.kind == "path" else "text")
    if key.kind == "path":
        return _absolute(value, base)
    if key.name == "template" and (value.endswith((".yaml", ".yml")) or "/" in value):
        return _absolute(value, base)  # a template file, read from the config's folder
    return value


def _absolute(value: str, base: Path) -> str:
    path = Path(value).expanduser()
    text = str(path if path.is_absolute() else base / path)
    return text + os.sep if value.endswith(("/", os.sep)) and not text.endswith(os.sep) else text
