"""The reason-code audit of a test session (hooked in by tests/conftest.py).

Every row the registry builds (:func:`cfl.report.reasons.watch`) is recorded as a *use*:
its code, check, form (or frame) and argument names. Under pytest-xdist each worker sends
its uses to the controller in ``workeroutput`` (xdist's own channel for this, as
pytest-cov uses it); the controller merges them and judges once, at the end of the session:

* in every run: a row whose code the registry lacks, under a check the registry does not
  name for it, with a form it does not have, framed although the code is not registered
  as coming from an error, or with arguments a template of its form cannot be filled from,
  fails the run;
* when the whole suite ran (no path below ``tests/``, no ``-k``/``-m``/deselection, not
  interrupted): every registered code, every non-page form and every frame must have been
  produced by some test, else the run fails.

A failure names each problem and where to fix it, and makes the session's exit status 1.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cfl.report.model import CheckRow
from cfl.report.reasons import FRAMES, LANGUAGES, PAGE_FORM, REASONS, placeholders, watch

TESTS_DIR = Path(__file__).resolve().parent
#: The key of the uses in an xdist worker's ``workeroutput``.
WORKER_KEY = "cfl_reason_uses"

Use = tuple[str, str, str, tuple[str, ...]]  # code, check, form or frame, argument names


def use_of(row: CheckRow) -> Use:
    return row.code, row.check, row.form, tuple(sorted(row.args))


class ReasonLog:
    """The uses seen in this process (and, on the controller, those its workers sent)."""

    def __init__(self) -> None:
        self.uses: set[Use] = set()
        self._paused = 0
        self._stop: Any = None

    def start(self) -> None:
        if self._stop is None:
            self._stop = watch(self.record)

    def record(self, row: CheckRow) -> None:
        if not self._paused:
            self.uses.add(use_of(row))

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Rows built inside are not recorded (a test that builds a row with an unknown
        code on purpose)."""
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1

    def export(self) -> list[list[Any]]:
        return [[code, check, form, list(args)] for code, check, form, args in sorted(self.uses)]

    def merge(self, exported: Iterable[list[Any]]) -> None:
        self.uses.update((code, check, form, tuple(args)) for code, check, form, args in exported)


LOG = ReasonLog()


def misuses(uses: Iterable[Use]) -> list[str]:
    """What is wrong with the rows seen, whatever part of the suite ran."""
    problems: list[str] = []
    for code, check, form, args in sorted(set(uses)):
        where = f"row {code!r} (check {check!r}, {'frame' if form in FRAMES else 'form'} " \
                f"{form!r})"
        entry = REASONS.get(code)
        if entry is None:
            problems.append(f"{where}: the code is not registered in cfl/report/reasons.py")
            continue
        if check not in entry.checks:
            problems.append(f"{where}: the registry names checks {list(entry.checks)} for "
                            "this code")
        if form in FRAMES:
            if entry.problem is None:
                problems.append(f"{where}: the code comes from an error but its entry has no "
                                "problem text (register it as an error code)")
            if check not in FRAMES[form].checks:
                problems.append(f"{where}: frame {form!r} is registered for checks "
                                f"{list(FRAMES[form].checks)}")
            templates = dict(FRAMES[form].templates)
            given = set(args) | {"problem"}
        elif form not in entry.sentences:
            problems.append(f"{where}: the code has no such form")
            continue
        else:
            templates = dict(entry.sentences[form])
            given = set(args)
        for language in LANGUAGES:
            missing = placeholders(templates[language]) - given
            if missing:
                problems.append(f"{where}: the {language} template needs {sorted(missing)} "
                                f"but the row site passes {sorted(args)}")
    return problems


def never_produced(uses: Iterable[Use]) -> list[str]:
    """Registry entries no test produced (judged only after a run of the whole suite)."""
    seen = set(uses)
    codes = {code for code, _, _, _ in seen}
    forms = {(code, form) for code, _, form, _ in seen}
    frames = {form for _, _, form, _ in seen if form in FRAMES}
    problems = []
    for code, entry in REASONS.items():
        if entry.page_only:
            continue  # tests/web/ checks the page produces it
        if code not in codes:
            problems.append(f"registered code {code!r} was never produced by any test: add a "
                            "test whose report carries it, or remove it from "
                            "cfl/report/reasons.py")
            continue
        for form in entry.sentences:
            if form != PAGE_FORM and (code, form) not in forms:
                problems.append(f"form {form!r} of {code!r} was never produced by any test")
        if entry.problem is not None and not any(
                c == code and f in FRAMES for c, _, f, _ in seen):
            problems.append(f"code {code!r} is registered as coming from an error but no test "
                            "produced it from one")
    problems += [f"frame {name!r} was never used by any test" for name in FRAMES
                 if name not in frames]
    return problems


def whole_suite(config: pytest.Config) -> bool:
    """Whether this run collects the whole suite: only ``tests/`` (or the project folder)
    as paths, and nothing deselected."""
    option = config.option
    for name in ("keyword", "markexpr", "deselect", "ignore", "ignore_glob", "lf",
                 "stepwise", "collectonly"):
        if getattr(option, name, None):
            return False
    base = config.invocation_params.dir
    for arg in config.args:
        if "::" in arg or (base / arg).resolve() not in (TESTS_DIR, TESTS_DIR.parent):
            return False
    return bool(config.args)


def session_problems(session: pytest.Session) -> list[str]:
    problems = misuses(LOG.uses)
    # An interrupted run (-x, --maxfail) did not run every test: only misuses are judged.
    complete = whole_suite(session.config) and not session.shouldstop \
        and not session.shouldfail
    if complete:
        problems += never_produced(LOG.uses)
    return problems


# --------------------------------------------------------------------------- the hooks


def configure(config: pytest.Config) -> None:
    LOG.start()


def testnodedown(node: Any) -> None:
    LOG.merge(getattr(node, "workeroutput", {}).get(WORKER_KEY, []))


def sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if hasattr(config, "workerinput"):  # an xdist worker: the controller judges
        config.workeroutput[WORKER_KEY] = LOG.export()  # type: ignore[attr-defined]
        return
    problems = session_problems(session)
    config.stash[_PROBLEMS] = problems
    if problems:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def terminal_summary(reporter: Any, config: pytest.Config) -> None:
    problems = config.stash.get(_PROBLEMS, [])
    if problems:
        reporter.section("reason-code audit (tests/reason_audit.py)", sep="=", red=True)
        for problem in problems:
            reporter.line(f"FAILED {problem}", red=True)


_PROBLEMS = pytest.StashKey[list[str]]()
