"""Benchmark: one declaration checked against every shipped rule set (one core).

Prints the time per declaration (target: < 5 ms for all rule sets), declarations per
second, and the ratio to a raw limit measured in the same run: resolving every declaration
path the rule sets use, once each, with no evaluation (no engine can do less).
Run: python bench/recognition.py
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from cfl.io.jsonio import loads_strict
from cfl.recognition.engine import check_declaration
from cfl.recognition.rules import shipped_rules

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "declarations" / \
    "battery-pack.json"
AT = dt.datetime(2026, 3, 15, tzinfo=dt.UTC)


def _per_call(fn: object, rounds: int) -> float:
    assert callable(fn)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(rounds):
            fn()
        best = min(best, (time.perf_counter() - start) / rounds)
    return best


def main() -> None:
    declaration = loads_strict(FIXTURE.read_bytes(), source=str(FIXTURE))
    start = time.perf_counter()
    registry = shipped_rules()
    load_ms = (time.perf_counter() - start) * 1000
    targets = sorted(registry.rule_sets)
    paths = [p for t in targets for r in registry.requirements_of(t)
             for check in (r.check, r.when) if check is not None for p in check.paths()]

    def full() -> None:
        check_declaration(declaration, targets, at=AT, registry=registry)

    def raw() -> None:
        for path in paths:
            path.resolve(declaration)

    per_check = _per_call(full, 200)
    per_raw = _per_call(raw, 2000)
    print(f"rule sets and mappings loaded once in {load_ms:.1f} ms "
          f"({len(registry.rule_sets)} rule sets, {len(registry.mappings)} mappings)")
    print(f"one declaration against all {len(targets)} rule sets: {per_check * 1000:.3f} ms "
          f"({1 / per_check:,.0f} declarations/s on one core; target < 5 ms)")
    print(f"raw limit (resolve the {len(paths)} paths once): {per_raw * 1e6:.1f} µs; "
          f"engine / raw = {per_check / per_raw:.1f}x")


if __name__ == "__main__":
    main()
