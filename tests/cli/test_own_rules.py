"""`--rules PATH` and `$CFL_RULES` on check, grade, convert and rulesets list|show."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cfl.cli.main import cli

AT = ["--at", "2026-03-15T00:00:00Z"]

ACME = """\
id: acme-eco-label
names: {en: ACME eco-label carbon criteria (test)}
jurisdiction: INT
kind: label-programme
sources:
  - {id: A1, title: ACME criteria v1}
requirements:
  - id: partial-or-full
    sentence: {en: The footprint covers at least cradle to gate.}
    check: {in: {path: "$.extensions[cfl].data.boundary",
                 values: [cradle-to-gate, cradle-to-grave]}}
    source: {id: A1, locator: clause 2.1}
    confidence: documented
  - id: gwp-ar5
    sentence: {en: GWP100 values are those of IPCC AR5.}
    check: {equals: {path: "$.extensions[cfl].data.gwpReport", value: AR5}}
    source: {id: A1, locator: clause 3.2}
    confidence: documented
grading:
  lithium-ion-battery:
    unit: kg CO2e per kWh
    declaredUnit: kilowatt hour
    source: {id: A1, locator: table 4}
    classes:
      - {class: X, bounds: {max: "50"}, source: {id: A1, locator: table 4}, confidence: documented}
      - {class: Y, bounds: {min: "50"}, source: {id: A1, locator: table 4}, confidence: documented}
"""

ACME_MAPPING = """\
from: gbt-24067-2024
to: acme-eco-label
sources:
  - {id: G1, title: cfl GWP100 table}
conversions:
  - {id: gwp-to-ar5, kind: gwp, to: AR5, source: {id: G1, locator: AR5 column},
     confidence: verified}
"""


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env={"CFL_RULES": "", **(env or {})})


@pytest.fixture
def declaration(tmp_path: Path, battery_declaration: dict[str, Any]) -> Path:
    path = tmp_path / "battery.json"
    path.write_text(json.dumps(battery_declaration))
    return path


@pytest.fixture
def own_rules(tmp_path: Path) -> Path:
    folder = tmp_path / "my-rules"
    (folder / "mappings").mkdir(parents=True)
    (folder / "acme-eco-label.yaml").write_text(ACME)
    (folder / "mappings" / "gbt-24067-2024--acme-eco-label.yaml").write_text(ACME_MAPPING)
    return folder


def test_check_against_a_rule_set_of_your_own(declaration: Path, own_rules: Path) -> None:
    result = invoke("check", declaration, "--rule-set", "acme-eco-label", "--rules", own_rules,
                    *AT)
    assert result.exit_code == 0, result.output
    assert "acme-eco-label: RECOGNISED-WITH-CONDITIONS" in result.stdout
    assert "met-after-conversion  acme-eco-label/gwp-ar5 [gwp-to-ar5]" in result.stdout
    assert f"files: {own_rules / 'acme-eco-label.yaml'} (yours), " \
           f"{own_rules / 'mappings' / 'gbt-24067-2024--acme-eco-label.yaml'} (yours)" \
           in result.stdout
    data = json.loads(invoke("check", declaration, "--rule-set", "acme-eco-label,iso-14067-2018",
                             "--rules", own_rules, "--format", "json", *AT).stdout)
    files = {r["target"]: r["files"] for r in data["reports"]}
    assert files["acme-eco-label"][0] == {"id": "acme-eco-label", "kind": "rule set",
                                          "file": str(own_rules / "acme-eco-label.yaml"),
                                          "yours": True}
    assert files["iso-14067-2018"][0]["yours"] is False
    assert files["iso-14067-2018"][0]["file"] == "rulesets/iso-14067-2018.yaml"


def test_without_rules_the_id_is_unknown(declaration: Path) -> None:
    result = invoke("check", declaration, "--rule-set", "acme-eco-label", *AT)
    assert result.exit_code == 1 and "no rule set 'acme-eco-label'" in result.output


def test_a_mapping_of_your_own_makes_a_new_path(tmp_path: Path,
                                                battery_declaration: dict[str, Any]) -> None:
    battery_declaration["extensions"][0]["data"]["ruleSet"]["id"] = "iso-14067-2018"
    made_under_iso = tmp_path / "iso.json"
    made_under_iso.write_text(json.dumps(battery_declaration))
    before = invoke("check", made_under_iso, "--rule-set", "pas-2050-2011", "--format", "json",
                    *AT)
    assert json.loads(before.stdout)["reports"][0]["path"] == []
    mapping = tmp_path / "iso-14067-2018--pas-2050-2011.yaml"
    mapping.write_text(ACME_MAPPING.replace("gbt-24067-2024", "iso-14067-2018")
                       .replace("acme-eco-label", "pas-2050-2011").replace("AR5", "AR4")
                       .replace("gwp-to-ar5", "gwp-to-ar4"))
    after = invoke("check", made_under_iso, "--rule-set", "pas-2050-2011", "--rules", mapping,
                   "--format", "json", *AT)
    report = json.loads(after.stdout)["reports"][0]
    assert report["path"] == ["iso-14067-2018", "pas-2050-2011"]
    assert report["verdict"] == "recognised-with-conditions"
    rows = {r["requirement"]: r for r in report["rows"]}
    assert rows["pas-2050-2011/gwp-ar4"]["conversion"] == "gwp-to-ar4"
    assert {"id": "iso-14067-2018--pas-2050-2011", "kind": "mapping", "file": str(mapping),
            "yours": True} in report["files"]


def test_a_file_with_a_shipped_id_replaces_it_and_says_so(tmp_path: Path,
                                                          declaration: Path) -> None:
    shipped = invoke("rulesets", "show", "pas-2050-2011", "--raw")
    assert shipped.exit_code == 0 and shipped.stdout.startswith("#")
    corrected = tmp_path / "pas-2050-2011.yaml"
    corrected.write_text(shipped.stdout.replace("value: AR4", "value: AR6"))
    result = invoke("check", declaration, "--rule-set", "pas-2050-2011", "--rules", corrected,
                    *AT)
    assert result.exit_code == 0, result.output
    note = f"note: {corrected} replaces the shipped rule set pas-2050-2011 " \
           "(rulesets/pas-2050-2011.yaml)"
    assert result.stderr.strip() == note
    assert "pas-2050-2011: RECOGNISED\n" in result.stdout  # the AR4 row is now met as is
    assert "pas-2050-2011: RECOGNISED\n" not in invoke(
        "check", declaration, "--rule-set", "pas-2050-2011", *AT).stdout


def test_a_broken_file_stops_everything_with_every_error(tmp_path: Path, declaration: Path,
                                                         own_rules: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(ACME.replace("id: acme-eco-label", "id: broken-label")
                      .replace("{in: {path", "{inn: {path"))
    typo = tmp_path / "typo.yaml"
    typo.write_text(ACME.replace("id: acme-eco-label", "id: typo-label")
                    .replace("data.gwpReport", "data.gwpReprt"))
    out = tmp_path / "graded.json"
    for command in (["check", declaration, "--rule-set", "iso-14067-2018"],
                    ["grade", declaration, "--rule-set", "acme-eco-label", "-o", out],
                    ["rulesets", "list"]):
        result = invoke(*command, "--rules", own_rules, "--rules", broken, "--rules", typo,
                        *(AT if command[0] != "rulesets" else []))
        assert result.exit_code == 1, result.output
        assert result.stdout == ""  # nothing checked, nothing listed
        assert "2 error(s) in your rule files" in result.stderr
        assert f"{broken}: $.requirements[0].check: error: unknown operator 'inn' " \
               "(did you mean 'in'?)" in result.stderr
        assert f"{typo}: $.requirements[1].check: error:" in result.stderr
        assert "did you mean gwpReport?" in result.stderr
        assert "(line 10, column " in result.stderr and "(line 16, column 12)" in result.stderr
        assert "Traceback" not in result.output
    assert not out.exists()


def test_cfl_rules_environment_variable(tmp_path: Path, declaration: Path,
                                        own_rules: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "beta-label.yaml").write_text(ACME.replace("acme-eco-label", "beta-label"))
    env = {"CFL_RULES": os.pathsep.join([str(own_rules), str(other)])}
    listed = invoke("rulesets", "list", "--format", "json", env=env)
    assert listed.exit_code == 0, listed.output
    mine = {r["id"]: r for r in json.loads(listed.stdout)["ruleSets"] if r["yours"]}
    assert sorted(mine) == ["acme-eco-label", "beta-label"]
    assert mine["beta-label"]["file"] == str(other / "beta-label.yaml")
    result = invoke("check", declaration, "--rule-set", "acme-eco-label", *AT, env=env)
    assert result.exit_code == 0 and "(yours)" in result.stdout
    missing = invoke("rulesets", "list", env={"CFL_RULES": str(tmp_path / "nowhere")})
    assert missing.exit_code == 1
    assert f"{tmp_path / 'nowhere'}: does not exist (named by $CFL_RULES)" in missing.output
    usage = invoke("rulesets", "list", "--rules", tmp_path / "nowhere")
    assert usage.exit_code == 2 and "does not exist" in usage.output


def test_duplicate_ids_in_your_files_are_an_error(tmp_path: Path, own_rules: Path) -> None:
    again = tmp_path / "again.yaml"
    again.write_text(ACME)
    result = invoke("rulesets", "list", "--rules", own_rules, "--rules", again)
    assert result.exit_code == 1
    assert "rule set acme-eco-label is also defined in" in result.output


def test_an_includes_loop_through_a_shipped_rule_set_is_refused(tmp_path: Path,
                                                                declaration: Path) -> None:
    shipped = invoke("rulesets", "show", "iso-14067-2018", "--raw").stdout
    looped = tmp_path / "iso-14067-2018.yaml"
    looped.write_text(shipped.replace("kind: standard", "kind: standard\n"
                                      "includes: [id-sni-iso-14067-2018]", 1))
    result = invoke("check", declaration, "--rule-set", "pas-2050-2011", "--rules", looped, *AT)
    assert result.exit_code == 1 and result.stdout == ""
    assert "iso-14067-2018 → id-sni-iso-14067-2018 → iso-14067-2018" in result.stderr


def test_a_via_loop_through_a_shipped_mapping_is_refused(tmp_path: Path,
                                                         declaration: Path) -> None:
    # the shipped gbt--id-sni mapping goes via iso-14067-2018; this one goes back via id-sni
    looped = tmp_path / "gbt-24067-2024--iso-14067-2018.yaml"
    looped.write_text(ACME_MAPPING.replace("acme-eco-label", "iso-14067-2018")
                      + "via: [id-sni-iso-14067-2018]\n")
    result = invoke("check", declaration, "--all", "--rules", looped, *AT)
    assert result.exit_code == 1 and result.stdout == ""
    assert "loop" in result.stderr and str(looped) in result.stderr


def test_show_grade_and_convert_use_your_rules(tmp_path: Path, declaration: Path,
                                               own_rules: Path) -> None:
    shown = invoke("rulesets", "show", "acme-eco-label", "--rules", own_rules)
    assert shown.exit_code == 0, shown.output
    assert f"file {own_rules / 'acme-eco-label.yaml'} (yours)" in shown.stdout
    assert "Mappings to" not in shown.stdout and "X: [-inf, 50)" in shown.stdout
    graded = tmp_path / "graded.json"
    result = invoke("grade", declaration, "--rule-set", "acme-eco-label", "--rules", own_rules,
                    "-o", graded, "--format", "json", *AT)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["ruleSetFile"] == str(own_rules / "acme-eco-label.yaml")
    assert summary["ownRuleSetFile"] is True
    assert json.loads(graded.read_text())["extensions"][0]["data"]["grade"]["class"] == \
        summary["class"]
    converted = tmp_path / "ar5.json"
    result = invoke("convert", declaration, "--for", "acme-eco-label", "--rules", own_rules,
                    "-o", converted, *AT)
    assert result.exit_code == 0, result.output
    assert "conversion gwp-to-ar5 of mapping gbt-24067-2024--acme-eco-label" in result.stdout
    assert json.loads(converted.read_text())["extensions"][0]["data"]["gwpReport"] == "AR5"
    again = invoke("check", converted, "--rule-set", "acme-eco-label", "--rules", own_rules, *AT)
    assert "acme-eco-label: RECOGNISED\n" in again.stdout


def test_convert_for_a_target_without_a_gwp_conversion(tmp_path: Path,
                                                       declaration: Path) -> None:
    result = invoke("convert", declaration, "--for", "th-tgo-cfp", *AT)
    assert result.exit_code == 1
    assert "offers no GWP conversion" in result.output
    result = invoke("convert", declaration, "--for", "pas-2050-2011", "--gwp", "AR4", *AT)
    assert result.exit_code == 2
