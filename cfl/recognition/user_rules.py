"""Rule sets and mappings of the user's own, merged with the shipped ones.

A standards expert who writes or corrects a rule set must be able to use it without editing
the installed package. ``cfl check``, ``grade``, ``convert`` and ``rulesets list|show`` take
``--rules PATH`` (repeatable) and the ``CFL_RULES`` environment variable (paths separated by
``os.pathsep``). A path is a ``.yaml`` file or a folder laid out like the shipped
``rulesets/``: rule sets as ``*.yaml`` and mappings in a ``mappings/`` subfolder.

The files are linted exactly as ``cfl rulesets lint`` does (against the shipped files, so
references between user and shipped rule sets resolve); any error stops the command before
anything is checked, with every error named by file, JSON path, line and column. Then they
are merged into the shipped registry: a user rule set (or mapping) with the id of a shipped
one replaces it, and the replacement is reported as a note, so an expert can correct a
shipped rule. The merged registry is checked for ``includes`` and ``via`` loops and broken
``via`` hops as a whole, since a replacement can break a shipped file that relied on the
replaced one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cfl.errors import CflError, InputError
from cfl.findings import Finding, Severity
from cfl.io.resources import read_data_bytes
from cfl.recognition.engine import expand
from cfl.recognition.lint import lint_rule_files
from cfl.recognition.rules import (
    RuleMapping,
    RuleRegistry,
    RuleSet,
    load_rule_file,
    read_rule_file,
    shipped_rules,
)

#: The environment variable naming rule files and folders (``os.pathsep``-separated).
RULES_ENV = "CFL_RULES"
#: Bounds on the user's rule files, checked before any is parsed (ADR 0124): how many files
#: the paths may hold, how large one may be and how large all may be together. The shipped
#: rule sets and mappings are 49 files and 81 KiB, the largest 14 KB: a copy of them fits with
#: room to spare; the worst a set within the bounds costs to lint is in bench/hostile.py.
MAX_USER_RULE_FILES = 200
MAX_USER_RULE_FILE_BYTES = 128 * 1024
MAX_USER_RULE_BYTES = 256 * 1024


class RuleFilesError(InputError):
    """The user's rule files have errors; ``findings`` holds every one."""

    code = "bad_rule_files"

    def __init__(self, findings: Sequence[Finding]) -> None:
        errors = [f for f in findings if f.severity is Severity.ERROR]
        lines = "\n".join(f"  {f}" for f in errors)
        super().__init__(f"{len(errors)} error(s) in your rule files (--rules, ${RULES_ENV}); "
                         f"nothing was checked. Fix them (`cfl rulesets lint PATH` checks a "
                         f"file or folder):\n{lines}")
        self.findings = tuple(errors)


@dataclass(frozen=True)
class Replacement:
    """A user file that takes the place of a shipped rule set or mapping of the same id."""

    kind: str  # "rule set" | "mapping"
    id: str
    file: str
    shipped_file: str

    def note(self) -> str:
        return (f"{self.file} replaces the shipped {self.kind} {self.id} "
                f"({self.shipped_file})")


@dataclass(frozen=True)
class LoadedRules:
    """The registry a command uses: the shipped rules with the user's merged in."""

    registry: RuleRegistry
    files: tuple[str, ...] = ()
    replacements: tuple[Replacement, ...] = ()

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(r.note() for r in self.replacements)


def paths_from_environment(environ: Mapping[str, str]) -> list[str]:
    """The paths ``$CFL_RULES`` names (empty entries ignored)."""
    return [p for p in environ.get(RULES_ENV, "").split(os.pathsep) if p.strip()]


def _folder_files(folder: Path) -> list[Path]:
    found = sorted(p for p in folder.glob("*.yaml") if p.is_file())
    mappings = folder / "mappings"
    if mappings.is_dir():
        found += sorted(p for p in mappings.glob("*.yaml") if p.is_file())
    return found


def collect_rule_files(paths: Iterable[str | Path], *, origin: str = "--rules"
                       ) -> list[tuple[str, bytes]]:
    """(name, bytes) of every file the paths name: a file, or a folder's ``*.yaml`` and
    ``mappings/*.yaml``. The same file named twice is read once."""
    return _collect([(p, origin) for p in paths])


def _collect(paths: Iterable[tuple[str | Path, str]]) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    seen: set[Path] = set()
    total = 0
    for given, origin in paths:
        path = Path(given)
        if path.is_dir():
            files = _folder_files(path)
            if not files:
                raise InputError(f"holds no rule set files (*.yaml) and no mappings/*.yaml "
                                 f"(named by {origin})", source=str(path), code="no_rule_files")
        elif path.is_file():
            files = [path]
        else:
            raise InputError(f"does not exist (named by {origin}); expected a rule set or "
                             "mapping .yaml file, or a folder of them", source=str(path),
                             code="not_found")
        for file in files:
            key = file.resolve()
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > MAX_USER_RULE_FILES:
                raise InputError(f"more than {MAX_USER_RULE_FILES} rule files given",
                                 source=origin, code="too_many_rule_files")
            _check_file_size(file)
            out.append(read_rule_file(file))
            total += len(out[-1][1])
            if total > MAX_USER_RULE_BYTES:
                check_rule_file_bounds(out)
    check_rule_file_bounds(out)
    return out


def _check_file_size(file: Path) -> None:
    try:
        size = file.stat().st_size
    except OSError:
        return  # read_rule_file says what is wrong with it
    if size > MAX_USER_RULE_FILE_BYTES:
        raise InputError(f"is {size} bytes; a rule set or mapping file of your own may hold at "
                         f"most {MAX_USER_RULE_FILE_BYTES} (the largest shipped one holds "
                         "14 KB): split it", source=str(file), code="too_large")


def check_rule_file_bounds(files: Sequence[tuple[str, bytes]]) -> None:
    """Refuse a set of rule files beyond the bounds: more than :data:`MAX_USER_RULE_FILES`
    files, one larger than :data:`MAX_USER_RULE_FILE_BYTES`, or all together larger than
    :data:`MAX_USER_RULE_BYTES` (checked before any is parsed)."""
    if len(files) > MAX_USER_RULE_FILES:
        raise InputError(f"{len(files)} rule files given; at most {MAX_USER_RULE_FILES}",
                         source="--rules", code="too_many_rule_files")
    total = 0
    for name, data in files:
        if len(data) > MAX_USER_RULE_FILE_BYTES:
            raise InputError(f"is {len(data)} bytes; a rule set or mapping file of your own "
                             f"may hold at most {MAX_USER_RULE_FILE_BYTES} (the largest "
                             "shipped one holds 14 KB): split it", source=name,
                             code="too_large")
        total += len(data)
        if total > MAX_USER_RULE_BYTES:
            raise InputError(f"the rule files given hold more than {MAX_USER_RULE_BYTES} bytes "
                             f"together (the shipped library holds 109 KB); give fewer",
                             source="--rules", code="too_large")


def load_rules(paths: Sequence[str | Path] = (), *, environ: Mapping[str, str] | None = None
               ) -> LoadedRules:
    """The shipped rules merged with the files of ``$CFL_RULES`` and of ``paths``.

    ``environ`` defaults to ``os.environ``; pass ``{}`` to ignore the variable. Raises
    :class:`RuleFilesError` (every lint error) or :class:`InputError` (a path that does not
    exist) before anything is merged.
    """
    environment = os.environ if environ is None else environ
    named: list[tuple[str | Path, str]] = [
        (p, f"${RULES_ENV}") for p in paths_from_environment(environment)]
    named += [(p, "--rules") for p in paths]
    return merge_rule_files(_collect(named))


def merge_rule_files(files: Sequence[tuple[str, bytes]]) -> LoadedRules:
    """Lint ``files`` (name, bytes), then merge them into the shipped registry."""
    shipped = shipped_rules()
    if not files:
        return LoadedRules(shipped)
    check_rule_file_bounds(files)
    report = lint_rule_files(files)
    if not report.ok:
        raise RuleFilesError(report.findings)
    rule_sets: dict[str, RuleSet] = dict(shipped.rule_sets)
    mappings: dict[tuple[str, str], RuleMapping] = dict(shipped.mappings)
    replacements: list[Replacement] = []
    for name, data in files:
        item = load_rule_file(data, name)
        if isinstance(item, RuleSet):
            replaced_set = shipped.rule_sets.get(item.id)
            if replaced_set is not None:
                replacements.append(Replacement("rule set", item.id, name, replaced_set.origin))
            rule_sets[item.id] = item
        else:
            key = (item.source_id, item.target_id)
            replaced_mapping = shipped.mappings.get(key)
            if replaced_mapping is not None:
                replacements.append(Replacement("mapping", item.id, name,
                                                replaced_mapping.origin))
            mappings[key] = item
    registry = RuleRegistry(rule_sets, mappings, frozenset(name for name, _ in files))
    problems = list(_loops(registry))
    if problems:
        raise RuleFilesError(problems)
    return LoadedRules(registry, tuple(name for name, _ in files), tuple(replacements))


def _loops(registry: RuleRegistry) -> Iterable[Finding]:
    """``includes`` and ``via`` problems anywhere in the merged registry."""
    for rule_set in registry.rule_sets.values():
        try:
            registry.requirements_of(rule_set.id)
        except CflError as exc:
            yield Finding(exc.code, str(exc), "$.includes", Severity.ERROR, rule_set.origin)
    for mapping in registry.mappings.values():
        if not mapping.via:
            continue
        try:
            expand(registry, mapping, ())
        except CflError as exc:
            message = exc.message if isinstance(exc, InputError) else str(exc)
            yield Finding(exc.code, message, "$.via", Severity.ERROR, mapping.origin)


def rule_file_bytes(registry: RuleRegistry, origin: str) -> bytes:
    """The bytes of the file a rule set or mapping came from, exactly as written (to copy a
    shipped rule set into a folder of your own and correct it)."""
    if registry.is_users(origin):
        return read_rule_file(origin)[1]
    shipped_prefix = "rulesets/"
    if not origin.startswith(shipped_prefix):
        raise InputError("is not a rule file cfl can show", source=origin, code="not_found")
    return read_data_bytes("rulesets", *origin[len(shipped_prefix):].split("/"))
