"""Benchmark: the worst case each input bound allows, against an honest input of the same
bound, in the same run (one core). Run: python bench/hostile.py [--quick]

Bounds are on bytes and counts; what matters is the CPU they let through. For each bound the
script builds the most expensive input it knows within it, times the decoder on it, and times
the same decoder on an honest input of the same size (or, where no honest input reaches the
bound, scales the honest per-byte cost to it), printing both and their ratio:

- the raw PDF scan before pdfium (16 MiB, ``cfl verify``'s bound): corrupt zlib streams (they
  were fed to zlib one byte at a time: 4.6 s for 4.2 MB), streams packed as tightly as the
  density bound lets, streams nested in one long run of zlib blocks, indirect lengths,
  ASCII85, name escapes — against a label batch PDF;
- signed lists at their bound (8 MiB): a revocation list and a trust list signed by nobody
  the verifier trusts (before: schema-checked first, 10 s) — against parsing the same bytes
  and against the same list properly signed;
- rule files of one's own at their bounds (one file of 128 KiB, 256 KiB in all) — against
  a copy of the whole shipped library; and one shipped file linted and merged as one's own
  beside parsing the shipped library, what each such call paid before ADR 0127.
- YAML at its bound: a "billion laughs" document expanding to the alias bound, against the
  same number of plain nodes.
"""

from __future__ import annotations

import base64
import json
import os
import re
import struct
import sys
import tempfile
import time
import uuid
import zlib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from label_world import bundle_bytes  # noqa: E402
from signing_world import SIGNED_AT, world  # noqa: E402

from cfl.errors import CflError  # noqa: E402
from cfl.io.jsonio import loads_strict  # noqa: E402
from cfl.io.resources import data_dir  # noqa: E402
from cfl.io.yamlio import MAX_YAML_EXPANDED_NODES, loads_yaml  # noqa: E402
from cfl.label import pdfscan  # noqa: E402
from cfl.label.batch import collect_items, render_batch  # noqa: E402
from cfl.recognition.rules import shipped_rule_items  # noqa: E402
from cfl.recognition.user_rules import (  # noqa: E402
    MAX_USER_RULE_BYTES,
    MAX_USER_RULE_FILE_BYTES,
    merge_rule_files,
)
from cfl.signing.jws import TYP_REVOCATIONS, TYP_TRUST_LIST, bundle_to_bytes, sign_content  # noqa: E402
from cfl.trust.context import build_trust_context  # noqa: E402
from cfl.trust.revocation import MAX_REVOCATION_BYTES, verify_revocation_list  # noqa: E402
from cfl.trust.trust_list import MAX_TRUST_LIST_BYTES  # noqa: E402

QUICK = "--quick" in sys.argv
PDF_BOUND = 16 * 1024 * 1024  # cfl verify reads at most this much


def timed(function: Callable[[], object], repeat: int = 1 if QUICK else 3) -> tuple[float, str]:
    """Best wall time of ``function`` over ``repeat`` runs, and what it came to."""
    best, outcome = float("inf"), ""
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            function()
            outcome = "accepted"
        except CflError as exc:
            outcome = f"refused ({exc.code})"
        best = min(best, time.perf_counter() - start)
    return best, outcome


def row(bound: str, case: str, seconds: float, outcome: str, baseline: float) -> None:
    ratio = seconds / baseline if baseline else float("inf")
    print(f"{bound:<24} {case:<44} {seconds:8.3f} s  {outcome:<26} x{ratio:6.2f} of "
          f"baseline {baseline:.3f} s")


# --------------------------------------------------------------------------- PDF scan

def _stored(length: int, *, final: bool = False) -> bytes:
    return bytes([1 if final else 0]) + struct.pack("<HH", length, length ^ 0xFFFF)


def _fill(unit: bytes, size: int = PDF_BOUND) -> bytes:
    return b"%PDF-1.7\n" + unit * ((size - 9) // len(unit))


def hostile_pdfs() -> dict[str, bytes]:
    corrupt = b"x\x01" + _stored(65_000) + b"A" * 65_000 + b"\x07\xff\xff"
    inner = b" stream\nx\x01"
    empty_run = _stored(0) * 4_000
    nested_unit = _stored(len(inner)) + inner + empty_run
    nested = (b"%PDF-1.7\n1 0 obj\n<< >>\nstream\nx\x01"
              + nested_unit * ((PDF_BOUND - 64) // len(nested_unit)) + _stored(0, final=True))
    a85 = base64.a85encode(os.urandom(3_000_000)) + b"~>"
    # the image count of ADR 0138: inline image operators and JPEG segments walked one by one
    lone_begins = zlib.compress(b"BI " * 1_300_000, 9)
    inline_images = zlib.compress(b"BI /W 1 /H 1 ID x EI " * 190_000, 9)
    tiny_segments = b"\xff\xd8" + b"\xff\xfe\x00\x02" * 1_000_000
    return {
        "corrupt zlib streams": _fill(
            b"1 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(corrupt)
            + corrupt + b"\nendstream\nendobj\n"),
        "streams at the density bound": _fill(
            b" stream\n" + zlib.compress(b"q Q " * 40) + b"\nendstream " + b"%" * 900 + b"\n"),
        "streams nested in one zlib run": nested,
        "indirect lengths": b"%PDF-1.7\n7 0 obj 9 endobj\n" + _fill(
            b"<< /Length 7 0 R >> stream\n" + zlib.compress(b"q Q") + b"\nendstream "
            + b"1 0 obj " * 110 + b"\n")[9:],
        "ASCII85 streams": _fill(b"1 0 obj <</Filter /ASCII85Decode>> stream\n" + a85
                                 + b"\nendstream endobj\n"),
        "inline image operators, no data": _fill(
            b"1 0 obj << /Filter /FlateDecode /Length %d >> stream\n" % len(lone_begins)
            + lone_begins + b"\nendstream endobj\n"),
        "tiny inline images": _fill(
            b"1 0 obj << /Filter /FlateDecode /Length %d >> stream\n" % len(inline_images)
            + inline_images + b"\nendstream endobj\n"),
        "JPEG of empty segments": _fill(
            b"1 0 obj << /Filter /DCTDecode /Length %d >> stream\n" % len(tiny_segments)
            + tiny_segments + b"\nendstream endobj\n"),
        "escaped names in dictionaries": _fill(
            b"1 0 obj << /A#41#42 " + b"/B#43#44#45#46 " * 60 + b">> stream\n"
            + zlib.compress(b"q Q") + b"\nendstream endobj\n"),
    }


def honest_pdf(labels: int) -> bytes:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "b.json").write_bytes(bundle_bytes("battery"))
        rows = ["bundle,name"] + [f"b.json,l{i}" for i in range(labels)]
        (folder / "l.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        render_batch(collect_items(folder / "l.csv"), template="sticker", at=SIGNED_AT,
                     output=folder / "out.pdf")
        return (folder / "out.pdf").read_bytes()


def bench_pdf_scan() -> None:
    honest = honest_pdf(60 if QUICK else 400)
    seconds, _ = timed(lambda: pdfscan.scan_pdf(honest))
    baseline = seconds * PDF_BOUND / len(honest)
    print(f"# raw PDF scan; baseline: a {len(honest) / 1e6:.1f} MB label batch, "
          f"{seconds:.3f} s, scaled to {PDF_BOUND / 2**20:.0f} MiB")
    for case, data in hostile_pdfs().items():
        spent, outcome = timed(lambda data=data: pdfscan.scan_pdf(data))
        row("PDF scan (16 MiB)", f"{case} ({len(data) / 2**20:.1f} MiB)", spent, outcome,
            baseline)


# --------------------------------------------------------------------------- signed lists

def _entries(bound: int) -> list[dict[str, str]]:
    unit = {"id": str(uuid.UUID(int=1)), "reason": "superseded by a corrected declaration",
            "revokedAt": "2026-03-01T00:00:00Z"}
    per_entry = len(json.dumps(unit, indent=2)) + 8
    count = int(bound * 0.85) // per_entry
    return [{**unit, "id": str(uuid.UUID(int=i))} for i in range(count)]


def bench_signed_lists() -> None:
    w = world()
    context = w.context()
    content = {"issuer": w.certifier.kid, "version": 9, "issued": "2026-03-10T00:00:00Z",
               "entries": _entries(MAX_REVOCATION_BYTES)}
    signed = bundle_to_bytes({"revocationList": content, "signatures": [
        sign_content(content, w.certifier, typ=TYP_REVOCATIONS, at=SIGNED_AT)]})
    forged = bundle_to_bytes({"revocationList": content, "signatures": [
        sign_content(content, w.stranger, typ=TYP_REVOCATIONS, at=SIGNED_AT)]})
    parse, _ = timed(lambda: loads_strict(signed, max_bytes=MAX_REVOCATION_BYTES))
    print(f"# signed lists; baseline: parsing the same {len(signed) / 2**20:.1f} MiB, "
          f"{parse:.3f} s")
    for case, data in (("revocation list, not the issuer's", forged),
                       ("revocation list, signed (honest)", signed)):
        spent, outcome = timed(lambda data=data: verify_revocation_list(
            data, key_for=context.certifier_key_for))
        row("revocation list (8 MiB)", case, spent, outcome, parse)
    document = dict(w.trust_list_document["trustList"])
    entry = document["entries"][0]
    count = int(MAX_TRUST_LIST_BYTES * 0.8) // (len(json.dumps(entry, indent=4)) + 16)
    document["entries"] = [{**entry, "name": f"C{i}"} for i in range(count)]
    forged_list = bundle_to_bytes({"trustList": document, "signatures": [
        sign_content(document, w.stranger, typ=TYP_TRUST_LIST, at=SIGNED_AT)]})
    parse, _ = timed(lambda: loads_strict(forged_list, max_bytes=MAX_TRUST_LIST_BYTES))
    spent, _ = timed(lambda: build_trust_context(forged_list, anchor=w.operator.public_key,
                                                 at=SIGNED_AT))
    accepted = build_trust_context(forged_list, anchor=w.operator.public_key,
                                   at=SIGNED_AT).trust_list is not None
    row("trust list (8 MiB)", f"not the anchor's ({count} entries)", spent,
        "accepted" if accepted else "refused (signature)", parse)


# --------------------------------------------------------------------------- rule files

def _big_rule_set(size: int, name: str) -> bytes:
    text = (Path(str(data_dir("rulesets"))) / "gbt-24067-2024.yaml").read_text("utf-8")
    head, requirements = text.split("requirements:\n", 1)
    end = re.search(r"^[a-z]", requirements, re.M)
    block = requirements[:end.start()] if end else requirements
    tail = requirements[end.start():] if end else ""
    parts = [head.replace("id: gbt-24067-2024", f"id: {name}"), "requirements:\n"]
    copies, length = 0, len(parts[0]) + len(tail) + 20
    while length + 2 * len(block) < size:
        copy = re.sub(r"^(  - id: [a-z0-9-]+)", rf"\g<1>-{copies}", block, flags=re.M)
        parts.append(copy)
        length += len(copy)
        copies += 1
    while len(("".join(parts) + tail).encode("utf-8")) > size and len(parts) > 3:
        parts.pop()
    return ("".join(parts) + tail).encode("utf-8")


def _every_requirement_broken(size: int) -> bytes:
    """A rule set whose every requirement checks a path the declaration schema lacks: one
    lint finding each (each finding's line was found by parsing the file again: 46 s)."""
    text = (Path(str(data_dir("rulesets"))) / "gbt-24067-2024.yaml").read_text("utf-8")
    head, requirements = text.split("requirements:\n", 1)
    end = re.search(r"^[a-z]", requirements, re.M)
    tail = requirements[end.start():] if end else ""
    blocks = re.split(r"(?m)^(?=  - id: )", requirements[:end.start()] if end else requirements)
    block = next(b for b in blocks if 'data.boundary"' in b)
    parts, length, count = [], len(head) + len(tail) + 32, 0
    while length + 2 * len(block) < size:
        parts.append(block.replace("- id: ", f"- id: x{count}-", 1)
                     .replace('data.boundary"', 'data.boundaryX"'))
        length += len(parts[-1])
        count += 1

    def whole() -> bytes:
        return (head.replace("id: gbt-24067-2024", "id: mine") + "requirements:\n"
                + "".join(parts) + tail).encode("utf-8")

    while len(whole()) > size and parts:
        parts.pop()
    return whole()


def bench_rule_files() -> None:
    shipped = Path(str(data_dir("rulesets")))
    library = [(f"copy/{p.relative_to(shipped)}", p.read_bytes())
               for p in sorted([*shipped.glob("*.yaml"), *shipped.glob("mappings/*.yaml")])]
    merge_rule_files(library)  # warm: schemas compiled, shipped rules read
    baseline, _ = timed(lambda: merge_rule_files(library))
    size = sum(len(data) for _, data in library)
    print(f"# rule files; baseline: the shipped library as one's own ({len(library)} files, "
          f"{size / 1024:.0f} KiB), {baseline:.3f} s")
    one = _big_rule_set(MAX_USER_RULE_FILE_BYTES, "my-big-rules")
    spent, outcome = timed(lambda: merge_rule_files([("big.yaml", one)]))
    row("one rule file (128 KiB)", f"{len(one) // 1024} KiB of requirements", spent, outcome,
        baseline)
    broken = _every_requirement_broken(MAX_USER_RULE_FILE_BYTES)
    spent, outcome = timed(lambda: merge_rule_files([("broken.yaml", broken)]))
    row("one rule file (128 KiB)", f"a problem in each requirement, {len(broken) // 1024} KiB",
        spent, outcome, baseline)
    one_file = [library[0]]
    spent, outcome = timed(lambda: merge_rule_files(one_file), repeat=20)
    reparse, _ = timed(lambda: shipped_rule_items.__wrapped__(), repeat=3)
    print(f"one shipped file as one's own, linted and merged: {spent:.4f} s a call; parsing "
          f"the shipped library (what each call paid before ADR 0127): {reparse:.4f} s, "
          f"x{reparse / spent:.1f} of a call")
    files = [(f"r{i}.yaml", _big_rule_set(MAX_USER_RULE_FILE_BYTES - 1024, f"my-rules-{i}"))
             for i in range(MAX_USER_RULE_BYTES // MAX_USER_RULE_FILE_BYTES)]
    total = sum(len(data) for _, data in files)
    spent, outcome = timed(lambda: merge_rule_files(files))
    row("rule files (256 KiB)", f"{len(files)} files, {total // 1024} KiB", spent, outcome,
        baseline)


# --------------------------------------------------------------------------- YAML

def bench_yaml() -> None:
    plain = "items:\n" + "".join(f"  - {i}\n" for i in range(MAX_YAML_EXPANDED_NODES))
    baseline, _ = timed(lambda: loads_yaml(plain))
    print(f"# YAML; baseline: {MAX_YAML_EXPANDED_NODES} plain nodes, {baseline:.3f} s")
    laughs = ("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [" + ", ".join(["*a"] * 10)
              + "]\nc: &c [" + ", ".join(["*b"] * 10) + "]\nd: [" + ", ".join(["*c"] * 7)
              + "]\n")
    spent, outcome = timed(lambda: loads_yaml(laughs))
    row("YAML aliases (10,000)", "laughs expanding to 8,997 nodes", spent, outcome, baseline)
    bomb = laughs + "e: [" + ", ".join(["*c"] * 10) + "]\n"
    spent, outcome = timed(lambda: loads_yaml(bomb))
    row("YAML aliases (10,000)", "laughs beyond the bound", spent, outcome, baseline)


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    print(f"worst case per bound vs. an honest input of the bound, one core"
          f"{' (quick)' if QUICK else ''}\n")
    bench_pdf_scan()
    bench_signed_lists()
    bench_rule_files()
    bench_yaml()


if __name__ == "__main__":
    main()
