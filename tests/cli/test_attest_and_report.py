"""`cfl attest`, `cfl check --attestation/--html` with several files, `cfl declare
--list-categories`: on the demo folder, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cfl.cli.main import cli


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "demo"
    result = CliRunner().invoke(cli, ["demo", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _trust(demo: Path) -> list[str]:
    return ["--trust", str(demo / "trust" / "trust-list.json"),
            "--anchor", str(demo / "keys" / "operator")]


def test_attest_then_check_uses_the_attestation(demo: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("- {requirement: th-tgo-cfp/registered-verifier, status: met, "
                       "evidence: TGO register entry 42}\n", encoding="utf-8")
    out = tmp_path / "att.json"
    bundle = str(demo / "bundles" / "lithium-ion-battery.json")
    result = CliRunner().invoke(cli, [
        "attest", bundle, "--answers", str(answers), "--key", str(demo / "keys" / "certifier"),
        "--passphrase-file", str(demo / "keys" / "demo-passphrase.txt"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["attestation"]["answers"][0]["status"] == "met"
    result = CliRunner().invoke(cli, ["check", bundle, "--rule-set", "th-tgo-cfp",
                                      "--attestation", str(out), *_trust(demo)])
    assert result.exit_code == 3
    assert "th-tgo-cfp/registered-verifier (attested by Demo Certification Body" in result.output
    # the ungraded declaration is another document: the attestation is ignored, with why
    result = CliRunner().invoke(cli, ["check", str(demo / "declarations" /
                                                   "lithium-ion-battery.json"),
                                      "--rule-set", "th-tgo-cfp", "--attestation", str(out),
                                      *_trust(demo)])
    assert "ignored: it is about declaration" in result.output


def test_attest_refuses_bad_answers_before_asking_for_the_key(demo: Path,
                                                              tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("- {requirement: x/y, status: maybe, evidence: e}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, [
        "attest", str(demo / "bundles" / "cement.json"), "--answers", str(answers),
        "--key", str(tmp_path / "no-such-key")])
    assert result.exit_code == 1 and "status" in result.output


def test_check_needs_trust_and_anchor_together(demo: Path) -> None:
    attestation = demo / "attestations" / "lithium-ion-battery.json"
    result = CliRunner().invoke(cli, ["check", str(demo / "bundles" / "lithium-ion-battery.json"),
                                      "--all", "--attestation", str(attestation),
                                      "--trust", str(demo / "trust" / "trust-list.json")])
    assert result.exit_code == 2 and "--anchor" in result.output


def test_check_several_files_with_an_html_report(demo: Path, tmp_path: Path) -> None:
    files = sorted(str(p) for p in (demo / "graded").glob("*.json"))
    page = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["check", *files, "--all", "--html", str(page),
                                      "--format", "json"])
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert [r["file"] for r in data["results"]] == files
    assert all("actions" in report for r in data["results"] for report in r["reports"])
    text = page.read_text(encoding="utf-8")
    assert text.count("<tr><td class=d>") == len(files) and "compute-service" in text


def test_the_demo_battery_has_an_attested_verdict_and_a_to_do_list(demo: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(demo / "bundles" / "lithium-ion-battery.json"),
                                      "--all", "--attestation",
                                      str(demo / "attestations" / "lithium-ion-battery.json"),
                                      *_trust(demo)])
    assert result.exit_code == 3
    line = next(x for x in result.output.splitlines()
                if x.startswith("eu-battery-regulation-2023-1542 "))
    assert "not-recognised" in line
    assert "What would change the verdicts" in result.output
    assert (demo / "reports" / "recognition.html").is_file()


def test_declare_lists_the_categories() -> None:
    result = CliRunner().invoke(cli, ["declare", "--list-categories"])
    assert result.exit_code == 0
    assert "wood-based-panel" in result.output and "人造板和木质地板" in result.output
    assert "GB/T 44905-2024" in result.output
    data = json.loads(CliRunner().invoke(cli, ["declare", "--list-categories", "--format",
                                               "json"]).output)
    assert {c["id"] for c in data["categories"]} >= {"compute-service", "tyre", "ferroalloy"}
    assert CliRunner().invoke(cli, ["declare"]).exit_code == 2
