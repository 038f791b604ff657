"""Benchmark: full bundle verification and signing against raw Ed25519, on one core.

Run as ``python bench/verify.py``. Prints, from one run:

* raw Ed25519 verifications/s and full ``verify_bundle`` verifications/s (parse + schema +
  semantic + JCS + signature + trust lookup), with the ratio (target: ≥ 0.4), in
  ``CFL_BENCH_ROUNDS`` (3) rounds that each measure both in alternating slices: every round's ratio,
  then the minimum and the median (a loaded machine moves the rates, much less the ratio);
* the QR claim path: decoding a claim's text and checking its signature, against raw
  Ed25519 verifications of the same signing input, per round (target ≥ 0.8), for a format-1
  claim and, where the library issues them (``sign_bundle(..., status_index=)``), a
  format-2 claim;
* raw Ed25519 signs/s and ``sign_bundle`` bundles/s (validation + JCS + signature), ratio;
* where a full verification spends its time: each stage measured alone (reading the
  bundle — strict parse and JCS —, the compiled schema predicate, the error-producing
  semantic checks, the signer rows with the Ed25519 verification), then the same stages
  removed one at a time from a full verification (their cost in context, where they share
  the CPU caches with everything else);
* JCS throughput of ``rfc8785`` and of the fast paths in MB/s on the test declaration.
"""

from __future__ import annotations

import datetime as dt
import inspect
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cfl.verification.bundle_check
from cfl.bundle.model import parse_bundle, read_bundle
from cfl.bundle.sign import sign_bundle
from cfl.claim.decode import decode_claim_text
from cfl.claim.text import claim_to_text
from cfl.declaration.rules import semantic_findings
from cfl.declaration.schema import fast_declaration_check
from cfl.io.jsonio import load_json_file
from cfl.report.model import Status
from cfl.signing.b64url import b64url_decode
from cfl.signing.jcs import (
    canonical_bytes,
    parse_canonicalisable,
    plain_canonical_bytes,
    reference_canonical_bytes,
)
from cfl.signing.jws import CLAIM_HEADER, MAX_BUNDLE_BYTES, bundle_to_bytes
from cfl.signing.keys import LocalSigner, PublicKey
from cfl.trust.context import load_trust_context
from cfl.trust.revocation import revoke
from cfl.trust.trust_list import Accreditation, add_trust_entry, new_trust_list, sign_trust_list
from cfl.verification.bundle_check import signature_entry_rows, verify_bundle

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "declarations" / \
    "battery-pack.json"
AT = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
SECONDS = float(os.environ.get("CFL_BENCH_SECONDS", "1.0"))
ROUNDS = int(os.environ.get("CFL_BENCH_ROUNDS", "3"))
BUNDLE_TARGET, CLAIM_TARGET = 0.4, 0.8


def rate(function: Callable[[], object], seconds: float = SECONDS) -> float:
    """Calls per CPU second (of this process) of ``function`` over about ``seconds`` (after a
    warm-up): CPU time, which a loaded machine moves far less than the wall clock."""
    for _ in range(20):
        function()
    count, start = 0, time.process_time()
    deadline = start + seconds
    while True:
        for _ in range(50):
            function()
        count += 50
        now = time.process_time()
        if now >= deadline:
            return count / (now - start)


def paired_rates(first: Callable[[], object], second: Callable[[], object],
                 seconds: float = SECONDS) -> tuple[float, float]:
    """Calls per CPU second (of this process) of ``first`` and of ``second``, measured in
    alternating slices of about 5 ms each over about ``seconds`` in all, so that a change
    of the machine's load falls on both alike (their ratio is what counts)."""
    for _ in range(20):
        first()
        second()
    counts, spent = [0, 0], [0.0, 0.0]
    batch = [10, 10]
    deadline = time.process_time() + seconds
    while time.process_time() < deadline:
        for index, function in enumerate((first, second)):
            start = time.process_time()
            for _ in range(batch[index]):
                function()
            took = time.process_time() - start
            counts[index] += batch[index]
            spent[index] += took
            batch[index] = max(1, round(batch[index] * 0.005 / max(took, 1e-6)))
    return counts[0] / spent[0], counts[1] / spent[1]


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    declaration = load_json_file(FIXTURE)
    operator, certifier = LocalSigner.generate("EdDSA"), LocalSigner.generate("EdDSA")
    document = new_trust_list("Bench operator", expires=AT + dt.timedelta(days=365), at=AT)
    document = add_trust_entry(document, certifier.public_key, name="Bench CB",
                               accreditation=Accreditation("CNAS", "CNAS-C000"),
                               categories=["lithium-ion-battery"],
                               valid_from=AT - dt.timedelta(days=30),
                               valid_until=AT + dt.timedelta(days=365))
    trust_bytes = bundle_to_bytes(sign_trust_list(document, operator, at=AT))
    revocations = bundle_to_bytes(revoke(None, certifier, declaration_id=None, reason=None,
                                         at=AT))
    trust = load_trust_context(trust_bytes, anchor=operator.public_key, at=AT,
                               revocations=[revocations])
    bundle = sign_bundle(declaration, certifier, role="certifier", at=AT)
    data = bundle_to_bytes(bundle)
    assert verify_bundle(data, trust, at=AT).bottom_line is Status.PASSED

    message = parse_bundle(data).payload
    raw_signature = certifier.sign(message)
    public = certifier.public_key
    rounds = []
    for _ in range(ROUNDS):
        rounds.append(paired_rates(lambda: public.verify(raw_signature, message),
                                   lambda: verify_bundle(data, trust, at=AT)))
    raw_verify, full_verify = statistics.median(r[0] for r in rounds), \
        statistics.median(r[1] for r in rounds)
    claim_rounds = {claim_format: _claim_rounds(text, public)
                    for claim_format, text in _claim_texts(declaration, certifier).items()}
    raw_sign = rate(lambda: certifier.sign(message))
    full_sign = rate(lambda: sign_bundle(declaration, certifier, role="certifier", at=AT))

    parsed = read_bundle(data)
    extension = parsed.declaration["extensions"][0]["data"]
    entry = parsed.signatures[0]
    schema_check = fast_declaration_check()
    stages = (
        ("read_bundle (parse + JCS)", lambda: read_bundle(data)),
        ("  strict parse", lambda: parse_canonicalisable(data, source="b",
                                                         max_bytes=MAX_BUNDLE_BYTES)),
        ("  JCS (fast path)", lambda: plain_canonical_bytes(parsed.declaration)),
        ("schema (compiled check)", lambda: schema_check(parsed.declaration)),
        ("semantic (errors only)", lambda: semantic_findings(parsed.declaration,
                                                             errors_only=True)),
        ("signer rows (with Ed25519)", lambda: signature_entry_rows(
            parsed, 0, entry, trust, at=AT, product_category=extension["productCategory"],
            rule_set=extension["ruleSet"]["id"], declaration_id=parsed.declaration["id"])),
        ("Ed25519 verify alone", lambda: public.verify(raw_signature, message)),
    )
    alone = [(name, 1e6 / rate(work)) for name, work in stages]
    in_context = _in_context_costs(data, trust, full_verify, parsed, public)
    jcs_rates = [(name, rate(work)) for name, work in (
        ("rfc8785 (reference)", lambda: reference_canonical_bytes(parsed.declaration)),
        ("canonical_bytes (checked)", lambda: canonical_bytes(parsed.declaration)),
        ("plain_canonical_bytes", lambda: plain_canonical_bytes(parsed.declaration)),
    )]

    print(f"bundle: {len(data)} bytes, JCS payload {len(message)} bytes, one core")
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"raw Ed25519 verify        {raw_verify:10.0f}/s (median of {ROUNDS} rounds)")
    print(f"verify_bundle (full)      {full_verify:10.0f}/s")
    _print_ratios("verify_bundle / raw verify", rounds, BUNDLE_TARGET)
    for claim_format, outcome in claim_rounds.items():
        if isinstance(outcome, str):
            print(f"claim format {claim_format}: {outcome}")
        else:
            _print_ratios(f"claim format {claim_format} decode + signature / raw verify",
                          outcome, CLAIM_TARGET)
    print(f"raw Ed25519 sign          {raw_sign:10.0f}/s")
    print(f"sign_bundle (full)        {full_sign:10.0f}/s   ratio {full_sign / raw_sign:.3f}"
          " of raw sign")
    print(f"where one full verification ({1e6 / full_verify:.1f} us) goes, each stage alone:")
    for name, micros in alone:
        print(f"  {name:<28}{micros:8.1f} us")
    print("the same stages taken out of a full verification (cost in context):")
    for name, micros in in_context:
        print(f"  {name:<28}{micros:8.1f} us")
    for name, per_second in jcs_rates:
        print(f"JCS {name:<27}{per_second * len(message) / 1e6:8.2f} MB/s "
              f"({per_second:.0f} declarations/s)")


def _print_ratios(what: str, rounds: list[tuple[float, float]], target: float) -> None:
    ratios = [work / raw for raw, work in rounds]
    print(f"{what}: rounds {', '.join(f'{r:.3f}' for r in ratios)}; min {min(ratios):.3f}, "
          f"median {statistics.median(ratios):.3f} (target >= {target})")


def _claim_texts(declaration: dict[str, Any], certifier: LocalSigner
                 ) -> dict[int, str]:
    """The QR text of the claim ``cfl sign`` issues (format 1) and, when the library takes a
    status index, of a format-2 claim; a format it cannot issue maps to the reason."""
    texts: dict[int, str] = {}
    choices: tuple[tuple[int, dict[str, Any]], ...] = ((1, {}), (2, {"status_index": 4711}))
    for claim_format, options in choices:
        if options and "status_index" not in inspect.signature(sign_bundle).parameters:
            texts[claim_format] = "format 2 not available (sign_bundle takes no status_index)"
            continue
        try:
            signed = sign_bundle(declaration, certifier, role="certifier", at=AT, **options)
            claim = b64url_decode(signed["signatures"][0]["header"][CLAIM_HEADER], what="claim")
            text = claim_to_text(claim)
            version = getattr(decode_claim_text(text).claim, "version", 1)
        except Exception as exc:  # noqa: BLE001 - a format still being built says why
            texts[claim_format] = f"format {claim_format} not available ({exc})"
            continue
        texts[claim_format] = text if version == claim_format else \
            f"format {claim_format} not available (the claim issued is format {version})"
    return texts


def _claim_rounds(text: str, public: PublicKey) -> list[tuple[float, float]] | str:
    """Per round: raw verifications/s of the claim's signing input, and decodes of its text
    with the signature checked, back to back."""
    if text.startswith("format "):
        return text
    signed = decode_claim_text(text)
    assert signed.signature_valid(public)
    rounds = []
    for _ in range(ROUNDS):
        rounds.append(paired_rates(
            lambda: public.verify(signed.signature, signed.signing_input),
            lambda: decode_claim_text(text).signature_valid(public)))
    return rounds


def _in_context_costs(data: bytes, trust: object, full: float, parsed: object,
                      public: PublicKey) -> list[tuple[str, float]]:
    """Full verification time minus the time with one stage replaced by a stub."""
    assert isinstance(trust, cfl.verification.bundle_check.TrustContext)
    base = 1e6 / full
    schema_conforms, schema_findings, semantic = cfl.verification.bundle_check._declaration_checks()
    stubs: list[tuple[str, str, object]] = [
        ("read_bundle", "read_bundle", lambda *args, **kwargs: parsed),
        ("schema", "_declaration_checks",
         lambda: (lambda document: True, schema_findings, semantic)),
        ("semantic", "_declaration_checks",
         lambda: (schema_conforms, schema_findings, lambda *args, **kwargs: [])),
        ("signer rows (with Ed25519)", "signer_rows", lambda *args, **kwargs: []),
    ]
    out = []
    for name, attribute, stub in stubs:
        original = getattr(cfl.verification.bundle_check, attribute)
        setattr(cfl.verification.bundle_check, attribute, stub)
        try:
            out.append((name, base - 1e6 / rate(lambda: verify_bundle(data, trust, at=AT))))
        finally:
            setattr(cfl.verification.bundle_check, attribute, original)
    original_verify = PublicKey.verify
    PublicKey.verify = lambda self, signature, signed: True  # type: ignore[method-assign]
    try:
        out.append(("Ed25519 verify", base - 1e6 / rate(
            lambda: verify_bundle(data, trust, at=AT))))
    finally:
        PublicKey.verify = original_verify  # type: ignore[method-assign]
    return out

if __name__ == "__main__":
    main()
