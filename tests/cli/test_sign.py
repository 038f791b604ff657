"""`cfl sign`: passphrases, key file problems, invalid declarations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from signing_cli import FIXTURE, PASSPHRASE, SIGNED, Scheme, make_scheme, run


@pytest.fixture
def scheme(tmp_path: Path) -> Scheme:
    return make_scheme(tmp_path)


def test_passphrase_file_and_wrong_passphrase(scheme: Scheme) -> None:
    good, bad = scheme.root / "good.txt", scheme.root / "bad.txt"
    good.write_text(PASSPHRASE + "\n")
    bad.write_text("nope\n")
    out = scheme.root / "again.json"
    result = run("sign", scheme.bundle, "--key", scheme.operator, "--role", "manufacturer",
                 "--passphrase-file", good, "-o", out, "--at", SIGNED, env={})
    assert result.exit_code == 0, result.output
    result = run("sign", FIXTURE, "--key", scheme.certifier, "--role", "certifier",
                 "--passphrase-file", bad, "-o", scheme.root / "x.json", env={})
    assert result.exit_code == 1
    assert "wrong passphrase" in result.output and "nope" not in result.output
    assert not (scheme.root / "x.json").exists()


def test_a_key_file_readable_by_others_is_warned_about(scheme: Scheme) -> None:
    (scheme.certifier / "private.pem").chmod(0o644)
    result = run("sign", FIXTURE, "--key", scheme.certifier, "--role", "certifier", "-o",
                 scheme.root / "x.json", "--at", SIGNED)
    assert result.exit_code == 0 and "warning:" in result.output and "chmod 600" in result.output


def test_missing_key_file(tmp_path: Path) -> None:
    result = run("sign", FIXTURE, "--key", tmp_path / "none.pem", "--role", "certifier")
    assert result.exit_code == 1 and "no such key file" in result.output


def test_sign_refuses_an_invalid_declaration(scheme: Scheme, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    document = json.loads(FIXTURE.read_text())
    document["pcf"]["declaredUnitAmount"] = "5abc"
    bad.write_text(json.dumps(document))
    result = run("sign", bad, "--key", scheme.certifier, "--role", "certifier", "-o",
                 tmp_path / "out.json")
    assert result.exit_code == 1 and "not a valid declaration" in result.output
    assert not (tmp_path / "out.json").exists()


def test_the_declaration_is_checked_before_the_passphrase_is_asked(scheme: Scheme,
                                                                   tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    document = json.loads(FIXTURE.read_text())
    document["pcf"]["declaredUnitAmount"] = "5abc"
    bad.write_text(json.dumps(document))
    broken_bundle = tmp_path / "bundle.json"
    broken_bundle.write_text(json.dumps({"declaration": document, "signatures": [{}]}))
    for target, expected in ((bad, "not a valid declaration"),
                             (broken_bundle, "$.signatures[0]")):
        # no passphrase anywhere: a prompt would be answered with the typed "typed"
        result = run("sign", target, "--key", scheme.certifier, "--role", "certifier", "-o",
                     tmp_path / "out.json", env={"CFL_KEY_PASSPHRASE": ""}, input="typed\n")
        assert result.exit_code == 1
        assert expected in result.output, result.output
        assert "passphrase" not in result.output.lower()
    assert not (tmp_path / "out.json").exists()
    key_first = run("sign", bad, "--key", tmp_path / "none.pem", "--role", "certifier",
                    env={"CFL_KEY_PASSPHRASE": ""}, input="typed\n")
    assert key_first.exit_code == 1 and "not a valid declaration" in key_first.output
    good = run("sign", FIXTURE, "--key", tmp_path / "none.pem", "--role", "certifier",
               env={"CFL_KEY_PASSPHRASE": ""}, input="typed\n")
    assert good.exit_code == 1 and "no such key file" in good.output
    assert "passphrase" not in good.output.lower()
