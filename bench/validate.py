"""Declarations validated per second (schema + semantic checks) on one core.

Run: python bench/validate.py [--seconds S]

Prints, for the same documents in the same run: plain ``json.loads``; cfl's strict reader;
``check_declaration`` on parsed documents (compiled schema fast path + semantic checks); the
whole path from bytes (strict read + check); and the reference ``jsonschema`` validator alone
(reused, never rebuilt). The issue's target is ≥ 5,000 declarations/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cfl.declaration.schema import check_declaration, declaration_validator  # noqa: E402
from cfl.demo.data import build_demo  # noqa: E402
from cfl.io.jsonio import dumps_pretty, loads_strict  # noqa: E402

TARGET = 5000


def corpus() -> list[bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        result = build_demo(Path(tmp), at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
        docs = [p.read_bytes() for p in result.declarations.values()]
    fixture = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "declarations"
    docs += [p.read_bytes() for p in sorted(fixture.glob("*.json"))]
    return [dumps_pretty(loads_strict(d)).encode("utf-8") for d in docs]


def rate(label: str, work: Callable[[], int], seconds: float) -> float:
    work()  # warm up (caches, compiled validators)
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        done += work()
    per_second = done / (time.perf_counter() - start)
    print(f"{label:<44} {per_second:>10,.0f} /s")
    return per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    raw = corpus()
    parsed = [loads_strict(d) for d in raw]
    validator = declaration_validator()

    def json_loads() -> int:
        for data in raw:
            json.loads(data)
        return len(raw)

    def strict_loads() -> int:
        for data in raw:
            loads_strict(data)
        return len(raw)

    def check_parsed() -> int:
        for doc in parsed:
            if check_declaration(doc):
                raise SystemExit("a benchmark document is not valid")
        return len(parsed)

    def read_and_check() -> int:
        for data in raw:
            check_declaration(loads_strict(data))
        return len(raw)

    def reference_only() -> int:
        for doc in parsed:
            for _ in validator.iter_errors(doc):
                pass
        return len(parsed)

    sizes = sorted(len(d) for d in raw)
    print(f"{len(raw)} declarations, {sizes[0]}-{sizes[-1]} bytes, Python {sys.version.split()[0]}")
    plain = rate("json.loads (raw limit)", json_loads, args.seconds)
    rate("cfl strict read (loads_strict)", strict_loads, args.seconds)
    checked = rate("check_declaration (schema + semantic)", check_parsed, args.seconds)
    full = rate("strict read + check_declaration", read_and_check, args.seconds)
    reference = rate("jsonschema reference validator alone", reference_only, args.seconds)
    print(f"check_declaration: {checked:,.0f}/s = {checked / plain:.3f} × json.loads; "
          f"read + check: {full:,.0f}/s = {full / plain:.3f} × json.loads; "
          f"{checked / reference:.1f} × the jsonschema-only path; "
          f"target {TARGET:,}/s {'met' if checked >= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
