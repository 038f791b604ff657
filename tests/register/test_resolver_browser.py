"""Headless Chromium opens ``/V/<digits>`` served by ``cfl serve``: the page verifies the
claim, fetches the bundle from the register, checks binding and agreement, and shows the
product's name. Skipped without Chromium, unless ``CFL_REQUIRE_BROWSER=1`` (CI)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from register_world import RegisterWorld, RunningRegister

from cfl.bundle.claim import claim_in_bundle
from cfl.bundle.model import parse_bundle
from cfl.cli.main import cli

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--virtual-time-budget=10000")


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        reason = "Chromium is not installed (shutil.which('chromium') found nothing)"
        if os.environ.get("CFL_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}, and CFL_REQUIRE_BROWSER=1 requires it")
        pytest.skip(f"{reason}; set CFL_REQUIRE_BROWSER=1 to make this a failure")
    return path


def _dom(chromium: str, url: str, profile: Path) -> str:
    done = subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                          capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _digits(data: bytes) -> str:
    return claim_in_bundle(parse_bundle(data)).to_text().rsplit("/", 1)[1]


def _rows(dom: str) -> list[tuple[str, str]]:
    return re.findall(r'data-code="([a-z_]+)" data-status="([A-Z]+)"', dom)


def test_the_page_at_the_qr_url_verifies_the_bundle_and_shows_the_product(
        chromium: str, http_register: RunningRegister, world: RegisterWorld,
        tmp_path: Path) -> None:
    published = CliRunner().invoke(cli, ["publish", str(world.bundles[0]), "--to",
                                         http_register.url])
    assert published.exit_code == 0, published.output
    dom = _dom(chromium, f"{http_register.url}/V/{_digits(world.bundles[0].read_bytes())}",
               tmp_path / "profile")
    assert 'id="js-error"' not in dom
    assert 'data-verdict="PASSED"' in dom
    rows = _rows(dom)
    assert ("claim_bound", "PASSED") in rows and ("claim_agrees", "PASSED") in rows
    assert all(status == "PASSED" for _, status in rows)
    assert "LFP battery pack 0" in dom  # the product's name, from the fetched bundle
    assert "CNAS" in dom and 'id="bundle-note"' not in dom


def test_a_claim_the_register_does_not_hold_is_verified_alone_and_says_so(
        chromium: str, http_register: RunningRegister, world: RegisterWorld,
        tmp_path: Path) -> None:
    _, data = world.new_bundle(70)  # signed, never published
    dom = _dom(chromium, f"{http_register.url}/V/{_digits(data)}", tmp_path / "profile")
    assert 'data-verdict="PASSED"' in dom
    assert 'data-note="missing"' in dom
    assert all(code != "claim_bound" for code, _ in _rows(dom))
