"""Shared test fixtures (keep small: several groups add to it)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from cfl.io.jsonio import loads_strict

# Property tests assert behaviour, never speed: hypothesis's timing checks (a deadline per
# example, the "too slow" health check) fail on a loaded machine and pass alone, so they are off.
settings.register_profile("cfl", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("cfl")

TESTS_DIR = Path(__file__).resolve().parent
FIXTURES_DIR = TESTS_DIR / "fixtures"
# Test helper modules beside this file (e.g. signing_world) import under --import-mode=importlib.
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

#: The shared reference data (PACT examples, rule-set research) beside the repository.
from shared_reference import MISSING as REFERENCE_MISSING  # noqa: E402
from shared_reference import REFERENCE_DIR  # noqa: E402


@pytest.fixture
def reference_dir() -> Path:
    """../shared/reference; the test skips when it is not beside the checkout."""
    if not REFERENCE_DIR.is_dir():
        pytest.skip(REFERENCE_MISSING)
    return REFERENCE_DIR.resolve()


@pytest.fixture
def battery_declaration() -> dict[str, Any]:
    """A fresh copy of the valid battery-pack declaration (PACT v3 + cfl extension)."""
    path = FIXTURES_DIR / "declarations" / "battery-pack.json"
    value = loads_strict(path.read_bytes(), source=str(path))
    assert isinstance(value, dict)
    return value


# --------------------------------------------------------------------------- reason codes
# Every report row's code is recorded; a code the registry lacks fails any run, and a
# registered code no test produced fails a run of the whole suite (tests/reason_audit.py).
import reason_audit  # noqa: E402 (found through the sys.path entry above)


def pytest_configure(config: pytest.Config) -> None:
    reason_audit.configure(config)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    reason_audit.testnodedown(node)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reason_audit.sessionfinish(session)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config
                            ) -> None:
    reason_audit.terminal_summary(terminalreporter, config)


# --------------------------------------------------------------------------- fuzzing
def pytest_addoption(parser: pytest.Parser) -> None:
    """``--fuzz-long``: the long fuzz budget (docs/fuzzing.md); ``CFL_FUZZ_LONG=1`` is the same."""
    parser.addoption("--fuzz-long", action="store_true", default=False,
                     help="run the fuzz targets in tests/fuzz/ with the long budget "
                          "(CFL_FUZZ_EXAMPLES inputs each, default 100000)")
