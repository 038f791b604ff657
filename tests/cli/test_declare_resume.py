"""`cfl declare` of a CSV without an `id` column is idempotent: killed half-way and run again
(or simply run again), it makes the same declarations, never duplicates (ids derived from the
rows, docs/cli-declarations.md). The kill is a real SIGKILL, bounded in time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from cfl.cli.main import cli
from cfl.declaration.friendly import row_key_id
from cfl.io.jsonio import loads_strict

AT = "2026-03-01T00:00:00Z"
TIMEOUT = 120
CLI = "import sys; from cfl.cli.main import main; sys.argv[0] = 'cfl'; main()"
HEADER = ("company.name,company.ids,product.names.en,product.category,product.ids,"
          "declaredUnit.unit,productMassPerDeclaredUnit,referencePeriod.start,"
          "referencePeriod.end,boundary,ruleSet,gwpReport,pcf,fossilCarbonContent,"
          "exemptedEmissionsPercent")


def _row(i: int) -> str:
    return (f"Acme,urn:uscc:91350100M000100Y43,Glass {i},flat-glass,urn:gtin:06901234567892,"
            f"kilogram,1,2025-01-01T00:00:00Z,2026-01-01T00:00:00Z,cradle-to-gate,"
            f"gbt-24067-2024,AR6,{1 + i / 1000:.3f},0,0")


def _csv(path: Path, rows: int) -> Path:
    path.write_text("\n".join([HEADER, *(_row(i) for i in range(rows))]) + "\n",
                    encoding="utf-8")
    return path


def test_the_same_list_twice_makes_the_same_declarations(tmp_path: Path) -> None:
    csv = _csv(tmp_path / "products.csv", 3)
    out = tmp_path / "out"
    for _ in range(2):
        result = CliRunner().invoke(cli, ["declare", str(csv), "-o", str(out), "--at", AT])
        assert result.exit_code == 0, result.output
    files = sorted(out.glob("*.json"))
    assert len(files) == 3
    header = HEADER.split(",")
    expected = sorted(row_key_id(dict(zip(header, _row(i).split(","), strict=True)))
                      for i in range(3))
    assert sorted(loads_strict(p.read_bytes())["id"] for p in files) == expected


def test_a_killed_run_run_again_leaves_no_duplicates(tmp_path: Path) -> None:
    """Before: 988 duplicates after one kill of a 1,000-row list."""
    rows = 400
    csv = _csv(tmp_path / "products.csv", rows)
    out = tmp_path / "out"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    argv = [sys.executable, "-c", CLI, "declare", str(csv), "-o", str(out), "--at", AT]
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + TIMEOUT
    while process.poll() is None and time.monotonic() < deadline:
        if out.is_dir() and len(list(out.glob("*.json"))) >= 20:
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.01)
    process.wait(timeout=TIMEOUT)
    again = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=TIMEOUT,
                           check=False)
    assert again.returncode == 0, again.stderr
    files = list(out.glob("*.json"))
    assert len(files) == rows
    assert len({loads_strict(p.read_bytes())["id"] for p in files}) == rows
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
