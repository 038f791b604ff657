"""`cfl sign` on many declarations: folders and lists, one passphrase, bundles named after
their inputs, the ledger, running again, failures that do not stop the others."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from signing_cli import FIXTURE, PASSPHRASE, SIGNED, Scheme, make_scheme, run

from cfl.bundle.ledger import Ledger


@pytest.fixture
def scheme(tmp_path: Path) -> Scheme:
    return make_scheme(tmp_path)


def declarations(folder: Path, count: int) -> list[Path]:
    folder.mkdir()
    document = json.loads(FIXTURE.read_text(encoding="utf-8"))
    paths = []
    for number in range(count):
        document["id"] = f"3f1c2a9e-5b7d-4e8f-9a0b-{number:012d}"
        path = folder / f"SKU-{number:04d}.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        paths.append(path)
    return paths


def test_a_folder_is_signed_with_one_passphrase_into_bundles_named_after_it(
        scheme: Scheme, tmp_path: Path) -> None:
    declarations(tmp_path / "declarations", 12)
    out = tmp_path / "bundles"
    result = run("sign", tmp_path / "declarations", "--key", scheme.certifier, "--role",
                 "certifier", "-o", out, "--jobs", "2", "--at", SIGNED,
                 env={"CFL_KEY_PASSPHRASE": ""}, input=PASSPHRASE + "\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("Key passphrase") == 1
    assert sorted(p.name for p in out.iterdir()) == [f"SKU-{n:04d}.json" for n in range(12)]
    assert result.stdout.splitlines()[-1].startswith(
        "12 input(s): 12 signed, 0 replaced, 0 already signed, 0 failed")
    state = Ledger(scheme.certifier / "ledger.jsonl").read()
    assert all(state.was_signed(f"3f1c2a9e-5b7d-4e8f-9a0b-{n:012d}") for n in range(12))
    again = run("sign", tmp_path / "declarations", "--key", scheme.certifier, "--role",
                "certifier", "-o", out, "--at", SIGNED, "--summary")
    assert again.exit_code == 0
    assert again.stdout.startswith("12 input(s): 0 signed, 0 replaced, 12 already signed")


def test_a_list_file_and_single_files(scheme: Scheme, tmp_path: Path) -> None:
    paths = declarations(tmp_path / "d", 3)
    listing = tmp_path / "list.txt"
    listing.write_text("# to sign\nd/SKU-0000.json\n\nd/SKU-0001.json\n", encoding="utf-8")
    result = run("sign", "--list", listing, paths[2], "--key", scheme.certifier, "--role",
                 "certifier", "-o", tmp_path / "out", "--at", SIGNED, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [item["target"] for item in report["items"]] == [  # arguments, then the list
        str(tmp_path / "out" / f"SKU-{n:04d}.json") for n in (2, 0, 1)]
    assert report["totals"]["signed"] == 3


def test_bad_inputs_fail_alone_and_the_exit_status_says_so(scheme: Scheme,
                                                          tmp_path: Path) -> None:
    paths = declarations(tmp_path / "d", 3)
    paths[1].write_text(paths[1].read_text().replace('"declaredUnitAmount": "1"',
                                                     '"declaredUnitAmount": "5abc"'))
    result = run("sign", tmp_path / "d", "--key", scheme.certifier, "--role", "certifier",
                 "-o", tmp_path / "out", "--at", SIGNED)
    assert result.exit_code == 1
    assert f"error: {paths[1]}: is not a valid declaration" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "SKU-0000.json", "SKU-0002.json"]


def test_two_inputs_for_one_bundle_and_a_missing_folder_are_refused(scheme: Scheme,
                                                                   tmp_path: Path) -> None:
    declarations(tmp_path / "a", 1)
    declarations(tmp_path / "b", 1)
    result = run("sign", tmp_path / "a", tmp_path / "b", "--key", scheme.certifier, "--role",
                 "certifier", "-o", tmp_path / "out", env={"CFL_KEY_PASSPHRASE": ""})
    assert result.exit_code == 2 and "would both be written to" in result.output
    assert "passphrase" not in result.output.lower()
    several = run("sign", tmp_path / "a", tmp_path / "b", "--key", scheme.certifier,
                  "--role", "certifier")
    assert several.exit_code == 2 and "give the folder to write them to with -o DIR" in \
        several.output
    empty = tmp_path / "empty"
    empty.mkdir()
    none = run("sign", empty, "--key", scheme.certifier, "--role", "certifier", "-o",
               tmp_path / "out")
    assert none.exit_code == 1 and "is a folder without declarations" in none.output


def test_one_input_already_signed_into_its_output_is_left_as_it_is(scheme: Scheme) -> None:
    before = scheme.bundle.read_bytes()
    result = run("sign", FIXTURE, "--key", scheme.certifier, "--role", "certifier", "-o",
                 scheme.bundle, "--at", "2026-03-11T00:00:00Z")
    assert result.exit_code == 0 and "left as it is (--again signs it again)" in result.output
    assert scheme.bundle.read_bytes() == before
    again = run("sign", FIXTURE, "--key", scheme.certifier, "--role", "certifier", "-o",
                scheme.bundle, "--at", "2026-03-11T00:00:00Z", "--again")
    assert again.exit_code == 0 and "replaced" in again.output
    assert scheme.bundle.read_bytes() != before
