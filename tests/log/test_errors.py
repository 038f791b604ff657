"""The log's codes: one table, every code in it raised somewhere, every raised code in it."""

from __future__ import annotations

import re
from pathlib import Path

from cfl.errors import InputError, TamperedError
from cfl.log.errors import (
    LOG_ERROR_CODES,
    LogFormatError,
    LogStoreError,
    LogVerificationError,
    WitnessError,
)

PACKAGE = Path(__file__).resolve().parents[2] / "cfl" / "log"


def test_the_table_holds_exactly_the_codes_the_package_raises() -> None:
    source = "\n".join(path.read_text(encoding="utf-8") for path in PACKAGE.glob("*.py")
                       if path.name != "errors.py")
    raised = set(re.findall(r'code="([a-z_]+)"', source))
    raised |= {LogStoreError.code}
    assert raised == set(LOG_ERROR_CODES)
    assert all(sentence and not sentence.endswith(".") for sentence in LOG_ERROR_CODES.values())


def test_who_must_act() -> None:
    assert issubclass(LogFormatError, InputError)
    assert issubclass(LogVerificationError, TamperedError)
    assert issubclass(WitnessError, LogVerificationError)
    error = WitnessError("conflict", code="witness_conflict", http_status=409, latest_size=5)
    assert (error.code, error.http_status, error.latest_size, error.evidence) == \
        ("witness_conflict", 409, 5, ())
