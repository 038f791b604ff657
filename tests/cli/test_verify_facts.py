"""`cfl verify` states the facts it verified: first in the text when PASSED, in the JSON
report whose form schemas/verification-report.schema.json describes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from signing_cli import Scheme, make_scheme

from cfl.io.resources import load_schema
from cfl.report.model import REPORT_FORMAT


@pytest.fixture
def scheme(tmp_path: Path) -> Scheme:
    return make_scheme(tmp_path)


def _report_schema() -> dict[str, Any]:
    schema: dict[str, Any] = load_schema("verification-report.schema.json")
    return schema


def test_text_leads_with_the_verified_facts(scheme: Scheme) -> None:
    result = scheme.verify()
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("VERIFIED FACTS")
    facts = dict(line.split(maxsplit=1) for line in lines[1:12])
    assert facts["issuer"] == "Cert Body, CNAS:CNAS-C123"  # the trust list's name
    assert facts["category"].startswith("锂离子电池 / Lithium-ion battery")
    assert facts["declaration"] == "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"


def test_the_json_of_one_and_of_several_reports_matches_the_report_schema(
        scheme: Scheme) -> None:
    schema = _report_schema()
    one = json.loads(scheme.verify("--format", "json").output)
    assert one["facts"]["verified"] is True
    assert one["facts"]["issuer"]["name"] == "Cert Body"
    # one subject: the report's members under the command's output format
    jsonschema.validate({**one, "format": REPORT_FORMAT}, schema)
    tampered = scheme.root / "tampered.json"
    tampered.write_bytes(scheme.bundle.read_bytes().replace(b"60 kWh", b"70 kWh"))
    several = json.loads(scheme.verify(tampered, "--format", "json").output)
    assert [r["bottomLine"] for r in several["reports"]] == ["PASSED", "FAILED"]
    for report in several["reports"]:
        jsonschema.validate(report, schema)
    assert several["reports"][1]["facts"]["verified"] is False
