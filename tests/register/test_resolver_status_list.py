"""The register's resolver page with a format-2 claim, in headless Chromium against a real
``cfl serve`` started with a status list: the page fetches the bundle by the claim's binding,
reads the claim's bit in the status list the register embeds, and turns red once a newer
status list revoking it is published. Skipped without Chromium, unless
``CFL_REQUIRE_BROWSER=1`` (CI)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from register_world import RegisterWorld, RunningRegister, declaration, start_register

from cfl.bundle.claim import claim_in_bundle
from cfl.bundle.model import parse_bundle
from cfl.bundle.sign import sign_bundle
from cfl.cli.main import cli
from cfl.signing.jws import bundle_to_bytes
from cfl.trust.status_list import issue_status_list

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--virtual-time-budget=10000")
INDEX = 5


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        reason = "Chromium is not installed (shutil.which('chromium') found nothing)"
        if os.environ.get("CFL_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}, and CFL_REQUIRE_BROWSER=1 requires it")
        pytest.skip(f"{reason}; set CFL_REQUIRE_BROWSER=1 to make this a failure")
    return path


def _status_list(world: RegisterWorld, version: int, revoked: tuple[int, ...]) -> bytes:
    return bundle_to_bytes(issue_status_list(world.certifier, size=1_000_000, revoked=revoked,
                                             version=version,
                                             at=world.at - dt.timedelta(hours=1)))


@pytest.fixture(scope="module")
def register(world: RegisterWorld, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[RunningRegister]:
    folder = tmp_path_factory.mktemp("serve-status")
    status = folder / "status-v1.json"
    status.write_bytes(_status_list(world, 1, ()))
    running = start_register(world, folder, tls=False, extra=["--status-list", str(status)])
    try:
        yield running
    finally:
        running.stop()


def _dom(chromium: str, url: str, profile: Path) -> str:
    done = subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                          capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _rows(dom: str) -> list[tuple[str, str]]:
    return re.findall(r'data-code="([a-z_]+)" data-status="([A-Z]+)"', dom)


def test_a_format_2_claim_is_found_checked_and_then_revoked(
        chromium: str, register: RunningRegister, world: RegisterWorld,
        tmp_path: Path) -> None:
    bundle = tmp_path / "format-2.json"
    bundle.write_bytes(bundle_to_bytes(sign_bundle(
        declaration(80, at=world.at), world.certifier, role="certifier",
        at=world.at - dt.timedelta(hours=1), status_index=INDEX)))
    published = CliRunner().invoke(cli, ["publish", str(bundle), "--to", register.url,
                                         "--no-proofs"])
    assert published.exit_code == 0, published.output
    digits = claim_in_bundle(parse_bundle(bundle.read_bytes())).to_text().rsplit("/", 1)[1]
    dom = _dom(chromium, f"{register.url}/V/{digits}", tmp_path / "one")
    assert 'id="js-error"' not in dom
    rows = _rows(dom)
    assert 'data-verdict="PASSED"' in dom, rows
    assert ("claim_bound", "PASSED") in rows and ("not_revoked", "PASSED") in rows
    assert "LFP battery pack 80" in dom  # the bundle was fetched by the claim's binding
    newer = tmp_path / "status-v2.json"
    newer.write_bytes(_status_list(world, 2, (INDEX,)))
    revoked = CliRunner().invoke(cli, ["publish", str(newer), "--to", register.url])
    assert revoked.exit_code == 0, revoked.output
    dom = _dom(chromium, f"{register.url}/V/{digits}", tmp_path / "two")
    assert 'data-verdict="FAILED"' in dom and 'data-kind="revoked"' in dom
    assert ("revoked", "FAILED") in _rows(dom)
