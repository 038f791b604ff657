"""Fixtures of the fuzz targets (docs/fuzzing.md): the world made by ``cfl demo`` once per
session, the budget's settings, and the tally of inputs per target (tests/fuzz/fuzz_world.py).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

FUZZ_DIR = Path(__file__).resolve().parent
if str(FUZZ_DIR) not in sys.path:  # fuzz_world, fuzz_mutations, fuzz_oracle beside this file
    sys.path.insert(0, str(FUZZ_DIR))

from fuzz_world import TALLY, FuzzTally, FuzzWorld, build_world, long_budget, settings_for  # noqa: E402


@pytest.fixture(scope="session")
def fuzz_world(tmp_path_factory: pytest.TempPathFactory) -> FuzzWorld:
    return build_world(tmp_path_factory.mktemp("fuzz-seeds") / "demo")


@pytest.fixture(scope="session")
def fuzz_settings(pytestconfig: pytest.Config) -> Callable[[str], settings]:
    long = long_budget(bool(pytestconfig.getoption("--fuzz-long", default=False)))
    return lambda target: settings_for(target, long=long)


@pytest.fixture(scope="session")
def fuzz_tally() -> FuzzTally:
    return TALLY


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    report = os.environ.get("CFL_FUZZ_REPORT")
    if report and TALLY.runs:
        with open(report, "a", encoding="utf-8") as out:
            for target, count in sorted(TALLY.runs.items()):
                out.write(json.dumps({"target": target, "inputs": count,
                                      "outcomes": dict(TALLY.outcomes[target].most_common()),
                                      "exit": int(exitstatus)}) + "\n")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config
                            ) -> None:
    if not TALLY.runs:
        return
    terminalreporter.section("fuzz inputs per target")
    for target, count in sorted(TALLY.runs.items()):
        top = ", ".join(f"{name} {n}" for name, n in TALLY.outcomes[target].most_common(4))
        terminalreporter.write_line(f"{target:<16} {count:>8}  ({top})")
