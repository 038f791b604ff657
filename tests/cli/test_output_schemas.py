"""Every command's JSON output names its format, and validates against the schema of that
name shipped in schemas/ (<kind>-output.schema.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from signing_cli import AT, FIXTURE, SIGNED, Scheme, make_scheme, run

from cfl.cli.jsonout import FORMAT_PREFIX, OUTPUT_SCHEMAS
from cfl.io.resources import load_schema


@pytest.fixture(scope="module")
def scheme(tmp_path_factory: pytest.TempPathFactory) -> Scheme:
    return make_scheme(tmp_path_factory.mktemp("schemes"))


def commands(s: Scheme) -> list[tuple[str, list[str | Path]]]:
    out = s.root / "out"
    trust = ["--trust", s.trust_list, "--anchor", s.operator]
    return [
        ("keys", ["keys", "generate", "-o", out / "keys"]),
        ("keys", ["keys", "show", s.certifier]),
        ("trust", ["trust", "init", "-o", out / "t.json", "--name", "S", "--expires",
                   "2027-01-01T00:00:00Z", "--at", SIGNED]),
        ("trust", ["trust", "show", s.trust_list]),
        ("sign", ["sign", FIXTURE, "--key", s.certifier, "--role", "certifier", "-o",
                  out / "b.json", "--at", SIGNED]),
        ("sign", ["sign", FIXTURE.parent, "--key", s.certifier, "--role", "certifier", "-o",
                  out / "bundles", "--at", SIGNED]),
        ("revoke", ["revoke", "--key", s.certifier, "-o", s.revocations, "--at", SIGNED]),
        ("verify", ["verify", s.bundle, *trust, "--revocations", s.revocations,
                    "--trust-store", s.store, "--at", AT]),
        ("verify", ["verify", s.bundle, s.bundle, *trust, "--revocations", s.revocations,
                    "--trust-store", s.store, "--at", AT]),
        ("claim", ["claim", s.bundle]),
        ("label", ["label", s.bundle, "-o", out / "l.pdf", "--resolver", "HTTPS://X.CN/V/"]),
        ("inspect", ["inspect", s.bundle]),
        ("page", ["page", "build", *trust, "--revocations", s.revocations, "-o", out / "site",
                  "--at", AT]),
        ("validate", ["validate", FIXTURE]),
        ("check", ["check", FIXTURE, "--rule-set", "iso-14067-2018", "--at", AT]),
        ("rulesets", ["rulesets", "list"]),
        ("rule-set", ["rulesets", "show", "iso-14067-2018"]),
        ("lint", ["rulesets", "lint"]),
        ("categories", ["declare", "--list-categories"]),
        ("declare", ["declare", "--example-csv", "-o", out / "example.csv"]),
        ("declare", ["declare", out / "example.csv", "-o", out / "declarations"]),
        ("export", ["export", "pact", FIXTURE, "-o", out / "pact.json"]),
        ("import", ["import", "pact", out / "pact.json", "-o", out / "imported.json"]),
        ("grade", ["grade", FIXTURE, "--rule-set", "gbt-24067-2024", "-o", out / "g.json",
                   "--at", AT]),
        ("convert", ["convert", FIXTURE, "--gwp", "AR5", "-o", out / "c.json", "--at", AT]),
        ("config", ["config", "show"]),
        ("completion", ["completion", "bash"]),
    ]


def test_every_json_output_validates_against_its_schema(scheme: Scheme) -> None:
    (scheme.root / "out").mkdir()
    seen = set()
    for kind, argv in commands(scheme):
        result = run(*argv, "--format", "json")
        assert result.exit_code in (0, 3), f"{argv}\n{result.output}"
        document: dict[str, Any] = json.loads(result.stdout)
        assert document["format"] == f"{FORMAT_PREFIX}{kind}-output:1", argv
        schema = load_schema(OUTPUT_SCHEMAS[kind])
        assert schema["$id"] == document["format"]
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(document))
        assert not errors, f"{argv}: {errors[0].message}"
        seen.add(kind)
    untested = set(OUTPUT_SCHEMAS) - seen - {"attest", "demo", "log"}  # tested where made
    assert not untested, untested


def test_json_goes_to_standard_error_when_the_artifact_goes_to_standard_output(
        scheme: Scheme) -> None:
    result = run("sign", FIXTURE, "--key", scheme.certifier, "--role", "manufacturer",
                 "--at", SIGNED, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["signatures"]  # the bundle
    assert json.loads(result.stderr)["format"].endswith("sign-output:1")
