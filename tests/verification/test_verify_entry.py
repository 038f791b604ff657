"""One entry point: ``cfl.verification.verify`` decides what the bytes are, the CLI only
calls it, and verifying a bundle or a QR text never loads the PDF and image stack."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from label_world import bundle_bytes, claim_text, label_pdf
from signing_world import AT, world

from cfl.errors import InputError
from cfl.verification import Status, input_kind, verify
from cfl.verification.verify import INPUT_BUNDLE, INPUT_CLAIM_TEXT, INPUT_IMAGE, INPUT_LABEL

HEAVY = ("reportlab", "pypdf", "pypdfium2", "PIL", "zxingcpp")


def test_verify_decides_what_the_bytes_are() -> None:
    assert input_kind(label_pdf("sticker")) == INPUT_LABEL
    assert input_kind(b"\x89PNG\r\n\x1a\n....") == INPUT_IMAGE
    assert input_kind(claim_text().encode() + b"\n") == INPUT_CLAIM_TEXT
    assert input_kind(bundle_bytes()) == INPUT_BUNDLE
    assert input_kind(b"not anything") == INPUT_BUNDLE  # the bundle reader says what is wrong


@pytest.mark.parametrize("subject", ["bundle", "label", "text-bytes", "text"])
def test_every_kind_of_input_passes_through_the_one_entry_point(subject: str) -> None:
    data: bytes | str = {"bundle": bundle_bytes(), "label": label_pdf("standard"),
                         "text-bytes": claim_text().encode(), "text": claim_text()}[subject]
    report = verify(data, world().context(), source=subject)
    assert report.bottom_line is Status.PASSED, report.summary()


def test_the_time_is_the_trust_contexts() -> None:
    """Freshness rows and signer rows are judged at one time: a different ``at`` is refused."""
    context = world().context()
    assert verify(bundle_bytes(), context, at=AT).passed
    with pytest.raises(InputError) as info:
        verify(bundle_bytes(), context, at=AT + dt.timedelta(days=1))
    assert info.value.code == "verification_time_mismatch"


def test_the_trust_context_reads_and_writes_no_files() -> None:
    """Building a context takes stored bytes in and hands back the files to remember."""
    from cfl.trust.context import build_trust_context
    from cfl.trust.store import MemoryTrustStore, read_stored_trust, remember_trust

    w = world()
    store = MemoryTrustStore()
    context = build_trust_context(w.trust_list, anchor=w.operator.public_key, at=AT,
                                  stored=read_stored_trust(store, w.operator.kid),
                                  revocations=(w.revocations,))
    assert store.files == {}  # nothing written while building
    assert sorted(name.split("-")[0] for name, _ in context.updates) == [
        "revocations", "trustlist"]
    remember_trust(store, context.updates)
    assert len(store.files) == 2
    again = build_trust_context(None, anchor=w.operator.public_key, at=AT,
                                stored=read_stored_trust(store, w.operator.kid))
    assert again.trust_list is not None and again.updates == ()
    assert again.revocations_for(w.certifier.kid) is not None  # the stored list, read up front


def _modules_after_cli(tmp_path: Path, args: list[str]) -> dict[str, object]:
    """Run ``cfl verify ARGS`` in a fresh interpreter; the heavy modules it loaded."""
    w = world()
    (tmp_path / "bundle.json").write_bytes(bundle_bytes())
    (tmp_path / "trust.json").write_bytes(w.trust_list)
    (tmp_path / "anchor.jwk.json").write_text(json.dumps(dict(w.operator.public_key.jwk)))
    (tmp_path / "revocations.json").write_bytes(w.revocations)
    script = textwrap.dedent(f"""
        import json, sys
        from click.testing import CliRunner
        from cfl.cli.main import cli
        result = CliRunner().invoke(cli, {args!r} + [
            "--trust", "trust.json", "--anchor", "anchor.jwk.json",
            "--revocations", "revocations.json", "--trust-store", "store",
            "--at", "2026-04-10T00:00:00Z"])
        print(json.dumps({{"exit": result.exit_code, "output": result.output,
                          "heavy": [m for m in {HEAVY!r} if m in sys.modules]}}))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, check=True)
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.parametrize("args", [["verify", "bundle.json"], ["verify", "--text", "TEXT"]])
def test_verifying_a_bundle_or_a_qr_text_loads_no_pdf_or_image_library(
        tmp_path: Path, args: list[str]) -> None:
    args = [claim_text() if arg == "TEXT" else arg for arg in args]
    result = _modules_after_cli(tmp_path, args)
    assert result["exit"] == 0, result["output"]
    assert result["heavy"] == []


def test_verifying_a_label_does_load_them(tmp_path: Path) -> None:
    """The check above can fail: a label PDF needs the PDF stack."""
    (tmp_path / "label.pdf").write_bytes(label_pdf("sticker"))
    result = _modules_after_cli(tmp_path, ["verify", "label.pdf"])
    assert result["exit"] == 0, result["output"]
    assert "pypdfium2" in result["heavy"]  # type: ignore[operator]
