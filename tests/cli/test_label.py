"""`cfl claim`, `cfl label` (single and batch) and `cfl verify` on labels, images and texts."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest
from signing_cli import AT, SIGNED, Scheme, make_scheme, run


@pytest.fixture(scope="module")
def scheme(tmp_path_factory: pytest.TempPathFactory) -> Scheme:
    return make_scheme(tmp_path_factory.mktemp("scheme"))


def verify(scheme: Scheme, *args: str | Path) -> tuple[int, str]:
    result = run("verify", *args, "--trust", scheme.trust_list, "--anchor",
                 scheme.operator / "public.jwk.json", "--revocations", scheme.revocations,
                 "--status-list", str(scheme.status_list), "--trust-store", scheme.store,
                 "--at", AT)
    return result.exit_code, result.output


def test_claim_prints_a_text_that_verifies(scheme: Scheme) -> None:
    result = run("claim", scheme.bundle, "--key", scheme.certifier, "--at", SIGNED)
    assert result.exit_code == 0, result.output
    text = result.output.strip()
    assert text.startswith("HTTPS://CFL.EXAMPLE/V/") and text[22:].isdigit()
    code, output = verify(scheme, "--text", text)
    assert code == 0, output
    assert "claim_well_formed" in output
    code, output = verify(scheme, "--text", text[:-3])
    assert code == 1


def test_without_a_resolver_the_claim_carries_the_documented_placeholder(scheme: Scheme
                                                                         ) -> None:
    from cfl.claim.text import DEFAULT_RESOLVER

    result = run("claim", scheme.bundle)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(DEFAULT_RESOLVER)


@pytest.mark.parametrize("with_key", [False, True])
def test_claim_refuses_a_bad_resolver_as_a_usage_mistake(scheme: Scheme, with_key: bool
                                                         ) -> None:
    """Like `cfl label`: exit 2, before the key is opened or the bundle read."""
    key = ["--key", scheme.certifier] if with_key else []
    result = run("claim", scheme.bundle, *key, "--resolver", "https://lower.example/")
    assert result.exit_code == 2, result.output
    assert "--resolver" in result.output and "uppercase" in result.output


@pytest.mark.parametrize("template", ["sticker", "standard", "sheet"])
def test_label_then_verify_the_pdf(scheme: Scheme, tmp_path: Path, template: str) -> None:
    out = tmp_path / f"{template}.pdf"
    result = run("label", scheme.bundle, "--template", template, "-o", out, "--key",
                 scheme.certifier, "--at", SIGNED)
    assert result.exit_code == 0, result.output
    code, output = verify(scheme, out)
    assert code == 0, output
    assert "claim_bound" in output and "bundle_embedded" in output


def test_verify_a_png_of_the_qr(scheme: Scheme, tmp_path: Path) -> None:
    pdf = tmp_path / "label.pdf"
    assert run("label", scheme.bundle, "-o", pdf, "--key", scheme.certifier, "--at",
               SIGNED).exit_code == 0
    png = tmp_path / "scan.png"
    pdfium.PdfDocument(pdf.read_bytes())[0].render(scale=200 / 72).to_pil().save(png)
    code, output = verify(scheme, png)
    assert code == 0, output


def _bundles(scheme: Scheme, folder: Path, count: int) -> Path:
    folder.mkdir()
    for i in range(count):
        shutil.copy(scheme.bundle, folder / f"sku-{i}.json")
    return folder


def test_batch_to_one_pdf_with_jobs(scheme: Scheme, tmp_path: Path) -> None:
    folder = _bundles(scheme, tmp_path / "in", 4)
    out = tmp_path / "labels.pdf"
    result = run("label", folder, "-o", out, "--key", scheme.certifier,
                 "--template", "sticker", "--jobs", "2", "--at", SIGNED)
    assert result.exit_code == 0, result.output
    assert len(pypdf.PdfReader(io.BytesIO(out.read_bytes())).pages) == 4
    code, output = verify(scheme, out)
    assert code == 0, output
    again = run("label", folder, "-o", out, "--key", scheme.certifier,
                "--template", "sticker", "--resume", "--at", SIGNED)
    assert again.exit_code == 0 and "skipped 4" in again.output


def test_batch_to_a_folder_and_resume(scheme: Scheme, tmp_path: Path) -> None:
    folder = _bundles(scheme, tmp_path / "in", 3)
    out = tmp_path / "out"
    args = ("label", folder, "-o", f"{out}/", "--key", scheme.certifier,
            "--template", "sticker", "--at", SIGNED)
    result = run(*args, "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["sku-0.pdf", "sku-1.pdf", "sku-2.pdf"]
    (out / "sku-1.pdf").unlink()
    (out / "sku-2.pdf").write_bytes(b"%PDF-1.4 half")  # an interrupted write
    (out / ".sku-0.pdf.abc.tmp").write_bytes(b"temp")  # a stray temp file is ignored
    result = run(*args, "--resume")
    assert result.exit_code == 0, result.output
    assert "wrote 2 label(s), skipped 1" in result.output
    for name in ("sku-0", "sku-1", "sku-2"):
        assert verify(scheme, out / f"{name}.pdf")[0] == 0


def test_batch_from_csv_names_the_bad_row(scheme: Scheme, tmp_path: Path) -> None:
    table = tmp_path / "labels.csv"
    table.write_text(f"bundle,name\n{scheme.bundle},first\n,second\n", encoding="utf-8")
    result = run("label", table, "-o", tmp_path / "x.pdf", "--key",
                 scheme.certifier)
    assert result.exit_code == 1
    assert "row 3" in result.output and not (tmp_path / "x.pdf").exists()
    table.write_text(f"bundle,name\n{scheme.bundle},first\n{scheme.bundle},second\n",
                     encoding="utf-8")
    out = tmp_path / "csv-out"
    result = run("label", table, "-o", f"{out}/", "--key", scheme.certifier,
                 "--at", SIGNED)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["first.pdf", "second.pdf"]


def test_label_usage_errors(scheme: Scheme, tmp_path: Path) -> None:
    result = run("label", "-o", tmp_path / "x.pdf", "--key", scheme.certifier)
    assert result.exit_code == 2
    result = run("label", scheme.bundle, "--template", "nope", "-o", tmp_path / "x.pdf",
                 "--key", scheme.certifier)
    assert result.exit_code == 2 and "no template named 'nope'" in result.output


def test_a_mistyped_template_name_is_a_usage_error_with_a_suggestion(
        scheme: Scheme, tmp_path: Path) -> None:
    for args in ([scheme.bundle], [scheme.root]):
        result = run("label", *args, "--template", "stiker", "-o", tmp_path / "x.pdf")
        assert result.exit_code == 2, result.output
        assert "no template named 'stiker'; did you mean 'sticker'?" in result.output
        assert "Invalid value for '--template'" in result.output
    missing = run("label", scheme.bundle, "--template", tmp_path / "mine.yaml", "-o",
                  tmp_path / "x.pdf")
    assert missing.exit_code == 1 and "mine.yaml" in missing.output  # a file: read when used
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("resolver", ["https://lower.example/v/", "HTTPS://NO-SLASH.EXAMPLE",
                                      "HTTPS://SPACE .EXAMPLE/"])
def test_a_bad_resolver_is_a_usage_error(scheme: Scheme, tmp_path: Path, resolver: str) -> None:
    result = run("label", scheme.bundle, "--resolver", resolver, "-o", tmp_path / "x.pdf")
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--resolver'" in result.output and "ending in '/'" in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_batch_reports_every_bad_row_and_writes_nothing(scheme: Scheme, tmp_path: Path) -> None:
    from signing_cli import FIXTURE

    (tmp_path / "bundles").mkdir()
    for name in ("a", "c", "e"):
        (tmp_path / "bundles" / f"{name}.json").write_bytes(scheme.bundle.read_bytes())
    (tmp_path / "bundles" / "b.json").write_bytes(FIXTURE.read_bytes())  # not signed
    (tmp_path / "bundles" / "d.json").write_text('{"declaration": {}, ')  # broken JSON
    sheet = tmp_path / "skus.csv"
    sheet.write_text("bundle,name\nbundles/a.json,one\nbundles/b.json,two\n"
                     "bundles/c.json,three\nbundles/missing.json,four\n,five\n"
                     "bundles/e.json,six\n")
    for output in (tmp_path / "all.pdf", f"{tmp_path / 'out'}/"):
        result = run("label", sheet, "-o", output)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        assert f"Error: {sheet}: 3 of 6 labels have bad input; nothing was written:" \
            in result.output
        assert f"  {sheet}: row 3: {tmp_path / 'bundles' / 'b.json'}: is a declaration, " \
            "not a signed bundle" in result.output
        assert f"  {sheet}: row 5: {tmp_path / 'bundles' / 'missing.json'}:" in result.output
        assert f"  {sheet}: row 6: the 'bundle' cell is empty" in result.output
        assert "row 2" not in result.output and "row 4" not in result.output
    assert not (tmp_path / "all.pdf").exists() and not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    folder = run("label", tmp_path / "bundles", "-o", tmp_path / "all.pdf")
    assert folder.exit_code == 1
    assert f"{tmp_path / 'bundles'}: 2 of 5 labels have bad input" in folder.output
    assert f"  {tmp_path / 'bundles' / 'b.json'}: " in folder.output
    assert f"  {tmp_path / 'bundles' / 'd.json'}: " in folder.output
    assert not (tmp_path / "all.pdf").exists()


def test_the_progress_bar_only_goes_to_a_terminal(scheme: Scheme, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import cfl.cli.ui as cli_ui

    monkeypatch.setattr(cli_ui, "PROGRESS_MIN_ITEMS", 1)
    folder = _bundles(scheme, tmp_path / "in", 2)
    resolver = ("--resolver", "HTTPS://LABELS.EXAMPLE.CN/V/")
    piped = run("label", folder, "-o", tmp_path / "a.pdf", "--template", "sticker", *resolver)
    assert piped.exit_code == 0, piped.output
    assert piped.stderr.splitlines() == [
        f"wrote 2 label(s), skipped 0 already complete; output: {tmp_path / 'a.pdf'} "
        "(sticker)"]
    monkeypatch.setattr(cli_ui, "stderr_is_terminal", lambda: True)
    shown = run("label", folder, "-o", tmp_path / "b.pdf", "--template", "sticker", *resolver)
    assert shown.exit_code == 0, shown.output
    assert shown.stderr.splitlines()[0].startswith("labels")
    quiet = run("label", folder, "-o", tmp_path / "c.pdf", "--template", "sticker", "-q",
                *resolver)
    assert quiet.exit_code == 0 and quiet.stderr == ""
