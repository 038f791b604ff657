"""`cfl inspect`: a label, a bundle, a QR text — what it holds, without verifying it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from signing_cli import Scheme, make_scheme, run


@pytest.fixture
def scheme(tmp_path: Path) -> Scheme:
    return make_scheme(tmp_path)


def test_inspect_a_label_bundle_and_qr_text(scheme: Scheme, tmp_path: Path) -> None:
    label = tmp_path / "l.pdf"
    assert run("label", scheme.bundle, "-o", label, "--resolver",
               "HTTPS://X.EXAMPLE/V/").exit_code == 0
    shown = run("inspect", label)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith(f"label PDF: {label}")
    assert "embedded bundle (signed bundle)" in shown.stdout and "QR code (QR claim)" in \
        shown.stdout
    assert "resolver: HTTPS://X.EXAMPLE/V/" in shown.stdout
    bundle = json.loads(run("inspect", scheme.bundle, "--format", "json").stdout)
    assert bundle["kind"] == "signed bundle" and bundle["verified"] is False
    text = run("claim", scheme.bundle).stdout.strip()
    claim = run("inspect", "--text", text)
    # cfl sign issues format 2: the claim names a binding and a status index, no id
    assert claim.exit_code == 0 and "formatVersion: 2" in claim.stdout
    assert "statusIndex: " in claim.stdout and "binding: " in claim.stdout
    assert "declarationId: 3f1c2a9e" not in claim.stdout
    piped = run("inspect", "-", input=scheme.bundle.read_text())
    assert piped.exit_code == 0 and "signed bundle: <stdin>" in piped.stdout


def test_inspect_usage_and_bad_input(scheme: Scheme, tmp_path: Path) -> None:
    assert run("inspect").exit_code == 2
    assert run("inspect", scheme.bundle, "--text", "x").exit_code == 2
    junk = tmp_path / "junk.json"
    junk.write_text('{"hello": 1}')
    result = run("inspect", junk)
    assert result.exit_code == 1 and "no kind cfl knows" in result.output
