"""A new user's mistakes, command by command: each gives ONE error that names the file, the
place in it and what was expected; exit 1 (2 for a usage mistake); no traceback; nothing
half-written. Each test here failed before the fix it covers (brief H)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import Result
from signing_cli import FIXTURE, Scheme, make_scheme, run

from cfl.demo.data import build_demo
from cfl.io.yamlio import load_yaml_file

AT = "2026-04-10T00:00:00Z"


@pytest.fixture(scope="module")
def scheme(tmp_path_factory: pytest.TempPathFactory) -> Scheme:
    return make_scheme(tmp_path_factory.mktemp("scheme"))


@pytest.fixture(scope="module")
def demo_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's friendly YAML input for steel."""
    out = tmp_path_factory.mktemp("demo")
    return build_demo(out, at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC)).inputs["steel"]


def one_error(result: Result, code: int = 1) -> str:
    """The error line of a failed command: exactly one, no traceback."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    return errors[0]


def no_temporary_files(folder: Path) -> None:
    assert not [p.name for p in folder.rglob(".*") if p.name.endswith(".tmp")]


# ----------------------------------------------------------------------------- wrong files


def test_declare_refuses_a_bundle_or_a_declaration_by_name(scheme: Scheme,
                                                           tmp_path: Path) -> None:
    error = one_error(run("declare", scheme.bundle, "-o", tmp_path / "d.json"))
    assert "is a signed bundle, not a friendly input" in error
    error = one_error(run("declare", FIXTURE, "-o", tmp_path / "d.json"))
    assert "is a declaration, not a friendly input" in error and "cfl sign" in error
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(("magic", "kind"), [
    (b"%PDF-1.4\n%\x93\x8c\x8b\x9e\n", "a PDF file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "a PNG image"),
    (b"PK\x03\x04\x14\x00", "a ZIP archive"),
])
def test_a_binary_file_is_named_for_what_it_is(tmp_path: Path, magic: bytes,
                                               kind: str) -> None:
    path = tmp_path / "input.json"
    path.write_bytes(magic + b"\xff" * 20)
    for args in (["export", "pact", path], ["sign", path, "--key", tmp_path, "--role",
                                              "certifier"]):
        error = one_error(run(*args))
        assert f"{path}: byte 0: is {kind}" in error and "not a JSON document" in error
    result = run("validate", path)
    assert result.exit_code == 1 and f"$: error: byte 0: is {kind}" in result.output


def test_validate_names_a_trust_list_and_hints_at_declare(scheme: Scheme,
                                                          demo_input: Path) -> None:
    result = run("validate", scheme.trust_list, demo_input)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{scheme.trust_list}: $: error: is a trust list, not a declaration or signed " \
           "bundle" in result.output
    assert sum("error:" in line for line in lines) == 2  # one each, not ten missing fields
    assert "make one from this input with `cfl declare`" in result.output


def test_validate_names_stdin_as_stdin() -> None:
    result = run("validate", "-", input=FIXTURE.read_text())
    assert result.exit_code == 0 and "<stdin>: valid" in result.output


@pytest.mark.parametrize("command", [
    ["check", "{file}", "--all"], ["grade", "{file}", "--rule-set", "gbt-24067-2024"],
    ["convert", "{file}", "--gwp", "AR5"], ["export", "pact", "{file}"],
])
def test_declaration_commands_refuse_other_documents(scheme: Scheme,
                                                     command: list[str]) -> None:
    error = one_error(run(*[a.format(file=scheme.revocations) for a in command]))
    assert f"{scheme.revocations}: is a revocation list, not a declaration" in error


def test_trust_and_revoke_name_the_wrong_list(scheme: Scheme, tmp_path: Path) -> None:
    error = one_error(run("trust", "show", scheme.revocations))
    assert "is a revocation list, not a trust list" in error
    copy = tmp_path / "copy.json"
    copy.write_bytes(scheme.trust_list.read_bytes())
    error = one_error(run("revoke", "--key", scheme.certifier, "-o", copy))
    assert "is a trust list, not a revocation list" in error
    assert copy.read_bytes() == scheme.trust_list.read_bytes()


def test_label_and_claim_say_a_declaration_must_be_signed_first(tmp_path: Path) -> None:
    error = one_error(run("label", FIXTURE, "-o", tmp_path / "l.pdf"))
    assert "is a declaration, not a signed bundle" in error and "cfl sign" in error
    error = one_error(run("claim", FIXTURE))
    assert "is a declaration, not a signed bundle" in error
    assert not list(tmp_path.iterdir())


def test_import_pact_names_a_bundle_and_a_missing_spec_version(scheme: Scheme,
                                                               tmp_path: Path) -> None:
    error = one_error(run("import", "pact", scheme.bundle, "-o", tmp_path / "x.json"))
    assert "is a signed bundle, not a PACT footprint" in error
    footprint = json.loads(FIXTURE.read_text())
    del footprint["specVersion"]
    path = tmp_path / "fp.json"
    path.write_text(json.dumps(footprint))
    result = run("import", "pact", path, "-o", tmp_path / "x.json")
    assert result.exit_code == 1
    assert "$.specVersion: has no specVersion; expected a PACT 2.x or 3.x" in result.output
    assert "None" not in result.output


def test_import_pact_does_not_overwrite_a_repeated_id(tmp_path: Path) -> None:
    footprint = json.loads(FIXTURE.read_text())
    path = tmp_path / "response.json"
    path.write_text(json.dumps({"data": [footprint, footprint]}))
    result = run("import", "pact", path, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "$.data[1].id: footprint 1 has the same id as footprint 0" in result.output
    assert len(list((tmp_path / "out").iterdir())) == 1


# ----------------------------------------------------------------------------- keys


def test_a_key_folder_without_private_key(scheme: Scheme, tmp_path: Path) -> None:
    public_only = tmp_path / "k"
    public_only.mkdir()
    (public_only / "public.jwk.json").write_bytes(
        (scheme.certifier / "public.jwk.json").read_bytes())
    error = one_error(run("sign", FIXTURE, "--key", public_only, "--role", "certifier",
                          "-o", tmp_path / "b.json"))
    assert "the key folder has no private.pem (it holds only public.jwk.json" in error
    error = one_error(run("sign", FIXTURE, "--key", public_only / "public.jwk.json", "--role",
                          "certifier"))
    assert "is a public key (JWK), not a private key" in error
    assert "warning" not in error and "passphrase" not in error
    assert not (tmp_path / "b.json").exists()


def test_no_passphrase_and_no_terminal_says_what_to_do(scheme: Scheme) -> None:
    result = run("sign", FIXTURE, "--key", scheme.certifier, "--role", "certifier",
                 env={"CFL_KEY_PASSPHRASE": ""}, input="")
    error = one_error(result)
    assert "no key passphrase was given; set $CFL_KEY_PASSPHRASE" in error
    assert "Aborted" not in result.output


def test_a_missing_key_file_is_said_before_asking_for_the_passphrase(tmp_path: Path) -> None:
    result = run("sign", FIXTURE, "--key", tmp_path / "nope", "--role", "certifier",
                 env={"CFL_KEY_PASSPHRASE": ""}, input="")
    error = one_error(result)
    assert "no such key file" in error and "Key passphrase" not in result.output


def test_a_declaration_given_as_a_jwk(tmp_path: Path) -> None:
    error = one_error(run("keys", "show", FIXTURE))
    assert "is a declaration, not a public key (JWK)" in error
    assert "kty=None" not in error


# ----------------------------------------------------------------------------- trust, revoke


def test_revoke_refuses_an_id_that_is_not_a_uuid(scheme: Scheme, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    error = one_error(run("revoke", "--key", scheme.certifier, "battery-2026",
                          "--reason", "x", "-o", out))
    assert "battery-2026: is neither a declaration id (the UUID" in error
    error = one_error(run("revoke", "--key", scheme.certifier, "--reason", "x", "-o", out),
                      code=2)
    assert "--reason goes with the declarations to revoke" in error
    assert not out.exists()


def test_trust_init_refuses_an_expiry_in_the_past(tmp_path: Path) -> None:
    out = tmp_path / "list.json"
    error = one_error(run("trust", "init", "-o", out, "--name", "x", "--expires",
                          "2026-01-01T00:00:00Z", "--at", AT), code=2)
    assert "is not after the issue time 2026-04-10T00:00:00Z" in error
    assert not out.exists()


def test_trust_add_warns_about_an_unknown_category(scheme: Scheme, tmp_path: Path) -> None:
    draft = tmp_path / "list.json"
    assert run("trust", "init", "-o", draft, "--name", "x", "--expires",
               "2027-01-01T00:00:00Z", "--at", AT).exit_code == 0
    result = run("trust", "add", draft, "--public-key", scheme.certifier, "--name", "CB",
                 "--accreditation", "CNAS:1", "--scope", "steal", "--rule-set", "gbt-24067",
                 "--valid-from", "2026-01-01T00:00:00Z", "--valid-until",
                 "2027-01-01T00:00:00Z")
    assert result.exit_code == 0, result.output
    assert "'steal' is not a product category cfl knows; did you mean steel?" in result.output
    assert "'gbt-24067' is not a rule set cfl knows; did you mean gbt-24067-2024?" in \
        result.output


def test_writing_to_stdout_is_not_called_a_file(scheme: Scheme) -> None:
    result = run("trust", "init", "-o", "-", "--name", "x", "--expires",
                 "2027-01-01T00:00:00Z", "--at", AT)
    assert result.exit_code == 0
    assert "wrote -" not in result.output and "wrote standard output" in result.output


# ----------------------------------------------------------------------------- outputs


@pytest.mark.parametrize("command", [
    ["declare", "{input}"], ["import", "pact", "{declaration}"], ["label", "{bundle}"],
])
def test_o_onto_a_folder_is_a_usage_mistake(scheme: Scheme, demo_input: Path, tmp_path: Path,
                                            command: list[str]) -> None:
    args = [a.format(input=demo_input, declaration=FIXTURE, bundle=scheme.bundle)
            for a in command]
    error = one_error(run(*args, "-o", tmp_path), code=2)
    assert f"{tmp_path} is a folder" in error
    assert not list(tmp_path.iterdir())


def test_label_batch_under_a_file_is_an_error_not_a_traceback(scheme: Scheme,
                                                              tmp_path: Path) -> None:
    folder = tmp_path / "bundles"
    folder.mkdir()
    (folder / "a.json").write_bytes(scheme.bundle.read_bytes())
    result = run("label", folder, "-o", f"{scheme.bundle}/labels/")
    error = one_error(result)
    assert "cannot create the output folder" in error


def test_label_batch_csv_name_with_pdf_and_a_bad_row(scheme: Scheme, tmp_path: Path) -> None:
    sheet = tmp_path / "skus.csv"
    sheet.write_text(f"bundle,name\n{scheme.bundle},first.pdf\n")
    assert run("label", sheet, "-o", f"{tmp_path / 'out'}/").exit_code == 0
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["first.pdf"]
    sheet.write_text(f"bundle,name\n{scheme.bundle},one\n{FIXTURE},two\n")
    error = one_error(run("label", sheet, "-o", tmp_path / "all.pdf"))
    assert f"{sheet}: row 3: {FIXTURE}: is a declaration, not a signed bundle" in error
    assert not (tmp_path / "all.pdf").exists()
    no_temporary_files(tmp_path)


# ----------------------------------------------------------------------------- CSV batches


def _csv_of(demo_input: Path, path: Path, *, drop: str | None = None) -> list[str]:
    data = load_yaml_file(demo_input)
    flat: dict[str, str] = {}

    def walk(value: object, prefix: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{prefix}{key}.")
        elif isinstance(value, list):
            if all(isinstance(v, str) for v in value):
                flat[prefix[:-1]] = ";".join(value)
        else:
            flat[prefix[:-1]] = str(value).lower() if isinstance(value, bool) else str(value)

    walk(data, "")
    flat.pop("id", None)
    columns = [c for c in flat if c != drop]
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerow([flat[c] for c in columns])
    return columns


def test_csv_factor_year_is_read_as_a_number(demo_input: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "products.csv"
    assert "electricity.factorYear" in _csv_of(demo_input, sheet)
    result = run("declare", sheet, "-o", tmp_path / "out", "--at", AT)
    assert result.exit_code == 0, result.output
    (written,) = (tmp_path / "out").iterdir()
    document = json.loads(written.read_text())
    year = load_yaml_file(demo_input)["electricity"]["factorYear"]
    assert document["extensions"][0]["data"]["electricity"]["factorYear"] == year


def test_csv_missing_column_is_one_header_error(demo_input: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "products.csv"
    _csv_of(demo_input, sheet, drop="boundary")
    error = one_error(run("declare", sheet, "-o", tmp_path / "out"))
    assert f"{sheet}: row 1: the header has no column for the required key(s) boundary" \
        in error
    assert not (tmp_path / "out").exists()  # no empty output folder either


def test_csv_unknown_column_is_named_with_a_suggestion(demo_input: Path,
                                                       tmp_path: Path) -> None:
    sheet = tmp_path / "products.csv"
    _csv_of(demo_input, sheet)
    sheet.write_text(sheet.read_text().replace("boundary,", "boundry,", 1))
    error = one_error(run("declare", sheet, "-o", tmp_path / "out"))
    assert "row 1: the column 'boundry' is not a friendly input key; did you mean " \
        "'boundary'?" in error


# ----------------------------------------------------------------------------- templates


def _template(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\npage: {width: 50, height: 30}\n" + body)
    return path


@pytest.mark.parametrize(("body", "expected"), [
    ("font: {path: fonts/None.ttf}\nelements:\n  - {type: qr, x: 1, y: 1, size: 28}\n",
     "$.font.path: the font file"),
    ("elements:\n  - {type: qr, x: 1, y: 1, size: 28}\n"
     "  - {type: logo, x: 30, y: 1, w: 5, h: 5, path: logo.png}\n",
     "$.elements[1].path: the logo image"),
    ("elements:\n  - {type: text, x: 1, y: 5, size: 5, text: hi}\n",
     "$.elements: has no qr element"),
    ("elements:\n  - {type: qr, x: 1, y: 1, sise: 28}\n",
     "$.elements[0].sise: is not a valid template: unknown field 'sise'; did you mean 'size'?"),
    ("elements:\n  - {type: qr, x: 1, y: 1, size: 28}\n"
     "  - {type: text, x: 30, y: 5, size: 5, text: '{@carbon_fooprint}'}\n",
     "$.elements[1].text: unknown message key 'carbon_fooprint'; did you mean "
     "'carbon_footprint'?"),
])
def test_template_mistakes_name_the_place(scheme: Scheme, tmp_path: Path, body: str,
                                          expected: str) -> None:
    template = _template(tmp_path, body)
    error = one_error(run("label", scheme.bundle, "--template", template, "-o",
                          tmp_path / "l.pdf"))
    assert f"{template}: {expected}" in error
    assert not (tmp_path / "l.pdf").exists()


def test_a_logo_that_is_not_an_image(scheme: Scheme, tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(b"not an image")
    template = _template(tmp_path, "elements:\n  - {type: qr, x: 1, y: 1, size: 28}\n"
                         "  - {type: logo, x: 30, y: 1, w: 5, h: 5, path: logo.png}\n")
    error = one_error(run("label", scheme.bundle, "--template", template, "-o",
                          tmp_path / "l.pdf"))
    assert "$.elements[1].path: cannot read the logo image" in error
    assert "ImageReader" not in error


# ----------------------------------------------------------------------------- rule files


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("jurisdiction:", "jurisdicton:", "unknown key 'jurisdicton' (did you mean "
                                      "'jurisdiction'?)"),
    ("confidence: verified", "confidence: verifed", "did you mean 'verified'?"),
    ("{in: {path", "{inn: {path", "unknown operator 'inn' (did you mean 'in'?)"),
])
def test_lint_reports_a_typo_once_with_its_line(tmp_path: Path, old: str, new: str,
                                                expected: str) -> None:
    shipped = Path(__file__).resolve().parents[2] / "rulesets" / "pas-2050-2011.yaml"
    path = tmp_path / "pas-2050-2011.yaml"
    path.write_text(shipped.read_text().replace(old, new, 1))
    result = run("rulesets", "lint", path)
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if ": error: " in line]
    assert len(errors) == 1, result.output
    assert expected in errors[0] and "(line " in errors[0]


def test_lint_of_a_mapping_kind_typo_does_not_dump_the_value(tmp_path: Path) -> None:
    shipped = (Path(__file__).resolve().parents[2] / "rulesets" / "mappings"
               / "gbt-24067-2024--pas-2050-2011.yaml")
    path = tmp_path / shipped.name
    path.write_text(shipped.read_text().replace("kind: gwp", "kind: gwpp", 1))
    result = run("rulesets", "lint", path, "--format", "json")
    assert result.exit_code == 1
    findings = json.loads(result.output)["findings"]
    assert len(findings) == 1 and "'gwpp'" in findings[0]["message"]
    assert "{'id'" not in findings[0]["message"]


def test_lint_reads_stdin_without_a_file_name_warning() -> None:
    shipped = Path(__file__).resolve().parents[2] / "rulesets" / "pas-2050-2011.yaml"
    result = run("rulesets", "lint", "-", input=shipped.read_text())
    assert result.exit_code == 0, result.output
    assert "file name should be" not in result.output and "0 warning(s)" in result.output


def test_convert_accepts_a_lowercase_report(tmp_path: Path) -> None:
    out = tmp_path / "ar5.json"
    result = run("convert", FIXTURE, "--gwp", "ar5", "-o", out, "--at", AT)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["extensions"][0]["data"]["gwpReport"] == "AR5"

