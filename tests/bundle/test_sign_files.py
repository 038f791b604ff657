"""Signing bytes and files: the fast path gives what ``sign_bundle`` gives, batches skip what
is signed already, record each signature before its bundle is written, and fail alone."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from signing_world import AT, FIXTURE, SIGNED_AT, world

from cfl import verification
from cfl.bundle.ledger import Ledger
from cfl.bundle.model import read_bundle
from cfl.bundle.sign import (
    SigningHeaders,
    SignTask,
    bundle_bytes,
    sign_bundle,
    sign_document_bytes,
    sign_files,
    sign_one,
)
from cfl.errors import InputError, InvalidDeclarationError
from cfl.signing.jcs import canonical_bytes


@pytest.mark.parametrize("alg", ["ed25519", "es256"])
def test_signing_bytes_gives_what_sign_bundle_gives(alg: str) -> None:
    w = world()
    signer = w.certifier if alg == "ed25519" else w.certifier_es256
    data = FIXTURE.read_bytes()
    signed = sign_document_bytes(data, signer, role="certifier", at=SIGNED_AT)
    expected = sign_bundle(w.declaration(), signer, role="certifier", at=SIGNED_AT)
    assert json.loads(signed.data) == json.loads(json.dumps(expected))
    assert signed.claim_issued and signed.signatures == 1
    assert signed.declaration_id == w.declaration()["id"]
    cosigned = sign_document_bytes(signed.data, w.other_certifier, role="manufacturer",
                                   at=SIGNED_AT)
    again = sign_bundle(expected, w.other_certifier, role="manufacturer", at=SIGNED_AT)
    assert json.loads(cosigned.data) == json.loads(json.dumps(again))


def test_the_bundle_file_carries_the_declaration_as_its_jcs_bytes_and_verifies() -> None:
    w = world()
    signed = sign_document_bytes(FIXTURE.read_bytes(), w.certifier, role="certifier",
                                 at=SIGNED_AT)
    payload = canonical_bytes(w.declaration())
    assert b'"declaration": ' + payload + b"," in signed.data
    assert read_bundle(signed.data).payload == payload
    report = verification.verify(signed.data, w.context(at=AT), source="bundle")
    assert report.bottom_line.value == "PASSED", report.summary()


def test_bundle_bytes_writes_one_line_per_signature() -> None:
    text = bundle_bytes(b'{"a":1}', [{"protected": "p", "signature": "s"},
                                     {"protected": "q", "header": {"cfl.claim": "c"},
                                      "signature": "t"}]).decode()
    assert json.loads(text) == {"declaration": {"a": 1}, "signatures": [
        {"protected": "p", "signature": "s"},
        {"protected": "q", "header": {"cfl.claim": "c"}, "signature": "t"}]}
    assert len(text.splitlines()) == 7


def test_an_invalid_declaration_is_refused_as_sign_bundle_refuses_it() -> None:
    w = world()
    declaration = w.declaration()
    declaration["pcf"]["declaredUnitAmount"] = "5abc"
    with pytest.raises(InvalidDeclarationError) as fast:
        sign_document_bytes(json.dumps(declaration).encode(), w.certifier, role="certifier",
                            at=SIGNED_AT, source="d.json")
    with pytest.raises(InvalidDeclarationError) as slow:
        sign_bundle(declaration, w.certifier, role="certifier", at=SIGNED_AT, source="d.json")
    assert str(fast.value) == str(slow.value)


def test_a_second_signature_by_the_same_key_and_role_is_refused() -> None:
    w = world()
    signed = sign_document_bytes(FIXTURE.read_bytes(), w.certifier, role="certifier",
                                 at=SIGNED_AT)
    with pytest.raises(InputError) as info:
        sign_document_bytes(signed.data, w.certifier, role="certifier", at=SIGNED_AT)
    assert info.value.code == "already_signed"


def test_the_header_is_the_one_sign_content_makes() -> None:
    w = world()
    headers = SigningHeaders(w.certifier, role="certifier", at=SIGNED_AT)
    entry = w.bundle()["signatures"][0]
    assert headers.entry(canonical_bytes(w.declaration()))["protected"] == entry["protected"]
    with pytest.raises(InputError):
        SigningHeaders(w.certifier, role="auditor", at=SIGNED_AT)


def _inputs(folder: Path, count: int) -> list[Path]:
    folder.mkdir()
    declaration = world().declaration()
    paths = []
    for number in range(count):
        declaration["id"] = f"3f1c2a9e-5b7d-4e8f-9a0b-{number:012d}"
        path = folder / f"sku-{number:03d}.json"
        path.write_text(json.dumps(declaration), encoding="utf-8")
        paths.append(path)
    return paths


class Sink:
    """A ledger stand-in that notes which bundles existed when each record came."""

    def __init__(self, out: Path) -> None:
        self.out, self.records, self.existing = out, [], []  # type: ignore[var-annotated]

    def __call__(self, records: Sequence[Mapping[str, Any]]) -> None:
        self.records.extend(records)
        self.existing.append(sorted(p.name for p in self.out.glob("*.json")))


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_batch_signs_records_first_and_skips_what_is_signed(tmp_path: Path, jobs: int) -> None:
    w = world()
    sources = _inputs(tmp_path / "in", 70)
    out = tmp_path / "out"
    out.mkdir()
    tasks = [SignTask(i, p, out / p.name) for i, p in enumerate(sources)]
    sink = Sink(out)
    ledger = Ledger(tmp_path / "ledger.jsonl")  # records are made in the worker processes
    seen: list[str] = []
    result = sign_files(tasks, w.certifier, role="certifier", at=SIGNED_AT, jobs=jobs,
                        record=sink if jobs == 1 else ledger.append,
                        on_outcome=lambda o: seen.append(o.status))
    assert result.count("signed") == 70 and len(seen) == 70
    assert [o.task.index for o in result.outcomes] == list(range(70))
    if jobs == 1:  # the records of a chunk come before its first bundle is written
        assert sink.existing[0] == [] and len(sink.records) == 70
        recorded = {str(r["id"]) for r in sink.records}
    else:
        recorded = set(ledger.read().signed)
    assert recorded == {f"3f1c2a9e-5b7d-4e8f-9a0b-{n:012d}" for n in range(70)}
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    again = sign_files(tasks, w.certifier, role="certifier", at=AT, jobs=jobs)
    assert again.count("skipped") == 70
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    forced = sign_files(tasks[:3], w.certifier, role="certifier", at=AT, again=True)
    assert forced.count("replaced") == 3


def test_jobs_do_not_change_the_bundles(tmp_path: Path) -> None:
    w = world()
    sources = _inputs(tmp_path / "in", 40)
    outputs = []
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        out.mkdir()
        sign_files([SignTask(i, p, out / p.name) for i, p in enumerate(sources)], w.certifier,
                   role="certifier", at=SIGNED_AT, jobs=jobs)
        outputs.append({p.name: p.read_bytes() for p in out.iterdir()})
    assert outputs[0] == outputs[1]


def test_a_bad_input_fails_alone_and_says_where(tmp_path: Path) -> None:
    w = world()
    sources = _inputs(tmp_path / "in", 3)
    sources[1].write_text('{"id": "x",', encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    result = sign_files([SignTask(i, p, out / p.name) for i, p in enumerate(sources)],
                        w.certifier, role="certifier", at=SIGNED_AT)
    assert [o.status for o in result.outcomes] == ["signed", "failed", "signed"]
    failed = result.failed[0]
    assert failed.message is not None and str(sources[1]) in failed.message
    assert sorted(p.name for p in out.iterdir()) == ["sku-000.json", "sku-002.json"]


def test_a_tampered_output_is_not_taken_for_signed(tmp_path: Path) -> None:
    w = world()
    (source,) = _inputs(tmp_path / "in", 1)
    target = tmp_path / "out.json"
    first, _ = sign_one(source.read_bytes(), target, w.certifier, role="certifier",
                        at=SIGNED_AT, source=str(source))
    assert first.status == "signed"
    skipped, _ = sign_one(source.read_bytes(), target, w.certifier, role="certifier", at=AT,
                          source=str(source))
    assert skipped.status == "skipped"
    target.write_bytes(target.read_bytes().replace(b'"signature": "', b'"signature": "AA'))
    redone, _ = sign_one(source.read_bytes(), target, w.certifier, role="certifier", at=AT,
                         source=str(source))
    assert redone.status == "replaced"


def test_an_interrupted_batch_leaves_no_temporary_file(tmp_path: Path) -> None:
    w = world()
    sources = _inputs(tmp_path / "in", 100)
    out = tmp_path / "out"
    out.mkdir()
    ledger = Ledger(tmp_path / "ledger.jsonl")

    def stop(outcome: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sign_files([SignTask(i, p, out / p.name) for i, p in enumerate(sources)], w.certifier,
                   role="certifier", at=SIGNED_AT, jobs=2, record=ledger.append,
                   on_outcome=stop)
    assert not [p for p in out.iterdir() if not p.name.endswith(".json")]
    signed = {p.name for p in out.iterdir()}
    recorded = {r["id"][-3:] for _, r in ledger.records() if r is not None}
    assert {name[4:7] for name in signed} <= recorded  # recorded before written
