from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cfl.cli.main import cli
from cfl.declaration.model import load_declaration_file
from cfl.io.jsonio import loads_strict

CATEGORIES = {"lithium-ion-battery", "pv-module", "passenger-ev", "electrolytic-aluminium",
              "cement", "flat-glass", "steel", "compute-service"}


def test_demo_writes_valid_illustrative_declarations(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", str(out), "--at", "2026-03-01T00:00:00Z"])
    assert result.exit_code == 0, result.output
    declarations = sorted((out / "declarations").glob("*.json"))
    assert {p.stem for p in declarations} == CATEGORIES
    assert {p.stem for p in (out / "inputs").glob("*.yaml")} == CATEGORIES
    for path in declarations:
        decl = load_declaration_file(path)
        assert decl.warnings == ()
        assert decl.illustrative and "ILLUSTRATIVE" in decl.document["productDescription"]
        assert decl.rule_set_id == "gbt-24067-2024" and decl.gwp_report == "AR6"
        assert decl.geography == "CN" and set(decl.product_names) == {"zh", "en"}
        assert sum(decl.stages.values()) == decl.pcf
        assert decl.extension is not None
        # the life-cycle (CO2e) electricity factor China publishes for product footprints
        assert decl.extension["electricity"]["factor"] == "0.5777"
        assert decl.extension["ruleSet"]["productRule"]["name"].startswith("温室气体")
        for field in ("biogenicCO2Uptake", "biogenicNonCO2Emissions",
                      "landUseChangeGhgEmissions"):
            assert decl.document["pcf"][field] == "0"
    validated = CliRunner().invoke(cli, ["validate", *map(str, declarations)])
    assert validated.exit_code == 0, validated.output


def test_demo_is_deterministic_for_a_time(tmp_path: Path) -> None:
    for name in ("a", "b"):
        CliRunner().invoke(cli, ["demo", str(tmp_path / name), "--at", "2026-03-01T00:00:00Z"])
    a = loads_strict((tmp_path / "a" / "declarations" / "steel.json").read_bytes())
    b = loads_strict((tmp_path / "b" / "declarations" / "steel.json").read_bytes())
    assert a == b


def test_demo_battery_is_per_kwh_delivered(tmp_path: Path) -> None:
    CliRunner().invoke(cli, ["demo", str(tmp_path), "--at", "2026-03-01T00:00:00Z"])
    decl = load_declaration_file(tmp_path / "declarations" / "lithium-ion-battery.json")
    assert decl.declared_unit == "kilowatt hour"
    assert "total energy delivered over the service life" in decl.document["productDescription"]


def test_demo_runs_the_whole_flow_and_verifies(tmp_path: Path) -> None:
    import os
    import stat

    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", str(out), "--at", "2026-11-21T00:00:00Z"])
    assert result.exit_code == 0, result.output
    bundles = sorted((out / "bundles").glob("*.json"))
    assert {p.stem for p in bundles} == CATEGORIES
    passphrase = (out / "keys" / "demo-passphrase.txt").read_text().strip()
    assert passphrase not in result.output
    for role in ("operator", "certifier"):
        key = out / "keys" / role / "private.pem"
        assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
        assert b"ENCRYPTED PRIVATE KEY" in key.read_bytes()
    labels = sorted((out / "labels").glob("*.pdf"))
    assert len(labels) == 3 * len(bundles)  # sticker, standard and sheet for each product
    report = (out / "reports" / "verification.txt").read_text()
    assert report.count("PASSED: ") == len(bundles) + len(labels)
    assert "FAILED" not in report and "INDETERMINATE" not in report
    for path in sorted((out / "graded").glob("*.json")):
        graded = load_declaration_file(path)
        assert graded.grade_class in {"A", "B", "C", "D", "E"}
        assert graded.extension is not None and graded.extension["grade"]["illustrative"]
    recognition = loads_strict((out / "reports" / "recognition.json").read_bytes())
    assert set(recognition) == CATEGORIES
    # a label verifies through the command a customs officer would run
    verified = CliRunner().invoke(cli, [
        "verify", str(labels[0]), "--trust", str(out / "trust" / "trust-list.json"),
        "--anchor", str(out / "keys" / "operator" / "public.jwk.json"),
        "--revocations", str(out / "trust" / "revocations.json"),
        "--status-list", str(out / "trust" / "status-list.json"),
        "--trust-store", str(tmp_path / "store"), "--at", "2026-11-22T00:00:00Z"])
    assert verified.exit_code == 0, verified.output


def test_demo_labels_say_the_grade_thresholds_are_illustrative(tmp_path: Path) -> None:
    import io

    import pypdf

    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", str(out), "--at", "2026-11-21T00:00:00Z"])
    assert result.exit_code == 0, result.output
    assert "ILLUSTRATIVE thresholds" in result.output
    pdf = (out / "labels" / "steel-standard.pdf").read_bytes()
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    graded = load_declaration_file(out / "graded" / "steel.json")
    assert f"{graded.grade_class} (示例阈值 illustrative thresholds)" in text
    assert "热轧钢卷" in text and "Hot-rolled steel coil" in text


def test_demo_never_writes_the_users_own_passphrase(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CFL_KEY_PASSPHRASE", "my own secret passphrase")
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", str(out), "--at", "2026-11-21T00:00:00Z"])
    assert result.exit_code == 0, result.output
    assert not (out / "keys" / "demo-passphrase.txt").exists()
    for path in out.rglob("*"):
        if path.is_file():
            assert b"my own secret passphrase" not in path.read_bytes(), path
    assert "my own secret passphrase" not in result.output
    from cfl.signing.keys import load_signer

    load_signer(out / "keys" / "certifier", b"my own secret passphrase")


def test_demo_builds_the_offline_verification_page(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", str(out), "--at", "2026-11-21T00:00:00Z"])
    assert result.exit_code == 0, result.output
    page = (out / "site" / "index.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    # the page embeds the demo certifier accepted from the signed trust list
    assert "Demo Certification Body (illustrative)" in page
    assert str(out / "site" / "index.html") in result.output
