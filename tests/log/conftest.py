"""The log world fixture (tests/log_world.py)."""

from __future__ import annotations

import pytest
from log_world import LogWorld, log_world


@pytest.fixture
def world() -> LogWorld:
    return log_world()
