"""Benchmark: trust work against the size of the trust list, on one core.

Run as ``python bench/trust_scale.py``. For trust lists of 10, 1,000 and 10,000 entries it
prints, from one run: the time to load (check and accept) the signed list, to verify one
QR claim and to verify one tampered bundle (signed by an unlisted key under the kid of a
listed one), each also as a multiple of one raw Ed25519 verification measured in the same
run, and, for a status list of 1,000,000 declarations: its size, its load alone and inside a
trust context (limit: under 100 ms, printed as a ratio), one bit's lookup and the status row,
and the verification of a format-2 claim with that list present (the same limit in raw
verifications as any claim: the list's size costs nothing per claim). The limit on trust
lists: claim and tampered-bundle costs stay flat as the list grows (a bounded number of
signature verifications per input, whatever its size).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cfl.bundle.claim import claim_in_bundle
from cfl.bundle.model import parse_bundle
from cfl.bundle.sign import sign_bundle
from cfl.io.jsonio import load_json_file
from cfl.report.model import Status
from cfl.signing.jws import bundle_to_bytes
from cfl.signing.keys import LocalSigner
from cfl.timeutil import format_time
from cfl.trust.context import load_trust_context
from cfl.trust.revocation import revoke
from cfl.trust.status_list import issue_status_list, verify_status_list
from cfl.trust.trust_list import CONTENT_KEY, new_trust_list, sign_trust_list
from cfl.verification.bundle_check import verify_bundle
from cfl.verification.claim_check import verify_claim
from cfl.verification.signer import status_row

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "declarations" / \
    "battery-pack.json"
AT = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
SECONDS = float(os.environ.get("CFL_BENCH_SECONDS", "0.5"))
SIZES = (10, 1_000, 10_000)
#: A claim or a tampered bundle may cost at most this many raw verifications' time (the
#: parse, rows and report come on top of the signature work), whatever the list's size.
LIMIT_RAW_VERIFIES = 25.0
#: A status list of a million declarations must load within this (ADR 0140, 0143).
LIMIT_STATUS_LOAD_SECONDS = 0.100
STATUS_ENTRIES = 1_000_000


def per_call(function: Callable[[], object], seconds: float = SECONDS) -> float:
    """Seconds per call of ``function`` (thread CPU time, after a warm-up call)."""
    function()
    count, start = 0, time.thread_time()
    while True:
        function()
        count += 1
        elapsed = time.thread_time() - start
        if elapsed >= seconds:
            return elapsed / count


def _entry(key: Any) -> dict[str, Any]:
    return {
        "kid": key.kid, "publicKey": dict(key.jwk), "name": f"CB {key.kid[:6]}",
        "roles": ["certifier"], "accreditation": {"accreditor": "CNAS", "number": "C-1"},
        "scope": {"productCategories": ["lithium-ion-battery"], "ruleSets": []},
        "validFrom": format_time(AT - dt.timedelta(days=30)),
        "validUntil": format_time(AT + dt.timedelta(days=365)), "status": "active",
    }


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    declaration = load_json_file(FIXTURE)
    operator, certifier, stranger = (LocalSigner.generate("EdDSA") for _ in range(3))
    others = [LocalSigner.generate("EdDSA").public_key for _ in range(max(SIZES) - 1)]
    bundle = sign_bundle(declaration, certifier, role="certifier", at=AT)
    good = bundle_to_bytes(bundle)
    claim = claim_in_bundle(parse_bundle(good)).encoded
    forged = sign_bundle(declaration, stranger, role="certifier", at=AT)
    forged["signatures"][0]["protected"] = bundle["signatures"][0]["protected"]
    tampered = bundle_to_bytes(forged)
    revocations = bundle_to_bytes(revoke(None, certifier, declaration_id=None, reason=None,
                                         at=AT))
    message, signature = b"raw message" * 40, certifier.sign(b"raw message" * 40)
    raw = per_call(lambda: certifier.public_key.verify(signature, message))
    print(f"raw Ed25519 verify: {raw * 1e6:.1f} us (thread CPU, one core)")
    print(f"{'entries':>8} {'load ms':>9} {'claim us':>9} {'x raw':>6} "
          f"{'tampered us':>12} {'x raw':>6}")
    worst = 0.0
    for size in SIZES:
        document = new_trust_list("Bench operator", expires=AT + dt.timedelta(days=365), at=AT)
        document[CONTENT_KEY]["entries"] = [_entry(certifier.public_key)] + [
            _entry(key) for key in others[:size - 1]]
        trust_bytes = bundle_to_bytes(sign_trust_list(document, operator, at=AT))

        def load(data: bytes = trust_bytes) -> Any:
            return load_trust_context(data, anchor=operator.public_key, at=AT,
                                      revocations=[revocations])

        trust = load()
        assert verify_bundle(good, trust, at=AT).bottom_line is Status.PASSED
        assert verify_claim(claim, trust, at=AT).bottom_line is Status.PASSED
        assert verify_bundle(tampered, trust, at=AT).bottom_line is Status.FAILED
        load_time = per_call(load, seconds=max(SECONDS, 0.1))
        claim_time = per_call(functools.partial(verify_claim, claim, trust, at=AT))
        tampered_time = per_call(functools.partial(verify_bundle, tampered, trust, at=AT))
        worst = max(worst, claim_time / raw, tampered_time / raw)
        print(f"{size:>8} {load_time * 1e3:>9.1f} {claim_time * 1e6:>9.1f} "
              f"{claim_time / raw:>6.1f} {tampered_time * 1e6:>12.1f} "
              f"{tampered_time / raw:>6.1f}")
    worst = max(worst, _status_list(declaration, operator, certifier, revocations, raw))
    verdict = "within" if worst <= LIMIT_RAW_VERIFIES else "OVER"
    print(f"worst per-input cost {worst:.1f} raw verifies: {verdict} the limit of "
          f"{LIMIT_RAW_VERIFIES:.0f}")


def _status_list(declaration: dict[str, Any], operator: LocalSigner, certifier: LocalSigner,
                 revocations: bytes, raw: float) -> float:
    """A national-scale status list: 1,000,000 declarations, 1 % revoked at random; returns
    the format-2 claim's cost in raw verifications."""
    size, rng = STATUS_ENTRIES, random.Random(7)
    revoked = rng.sample(range(size), size // 100)
    data = bundle_to_bytes(issue_status_list(certifier, size=size, revoked=revoked, version=1,
                                             at=AT))
    key = certifier.public_key

    def key_for(kid: str) -> Any:
        return key if kid == certifier.kid else None

    status = verify_status_list(data, key_for=key_for)
    assert all(status.is_revoked(index) for index in revoked[:100])
    load = per_call(lambda: verify_status_list(data, key_for=key_for), seconds=max(SECONDS, 0.2))
    lookup = per_call(lambda: status.is_revoked(123_457))

    document = new_trust_list("Bench operator", expires=AT + dt.timedelta(days=365), at=AT)
    document[CONTENT_KEY]["entries"] = [_entry(certifier.public_key)]
    trust_bytes = bundle_to_bytes(sign_trust_list(document, operator, at=AT))

    def context(lists: list[bytes]) -> Any:
        return load_trust_context(trust_bytes, anchor=operator.public_key, at=AT,
                                  revocations=[revocations], status_lists=lists)

    with_list, without_list = context([data]), context([])
    in_context = per_call(lambda: context([data]), seconds=max(SECONDS, 0.2))
    bare_context = per_call(lambda: context([]), seconds=max(SECONDS, 0.2))
    row = per_call(functools.partial(status_row, with_list, kid=certifier.kid, index=123_457,
                                     at=AT))
    clear = next(i for i in range(size) if not status.is_revoked(i))
    bundle = sign_bundle(declaration, certifier, role="certifier", at=AT, status_index=clear)
    claim = claim_in_bundle(parse_bundle(bundle_to_bytes(bundle))).encoded
    assert verify_claim(claim, with_list, at=AT).bottom_line is Status.PASSED
    assert verify_claim(claim, without_list, at=AT).bottom_line is Status.INDETERMINATE
    claim_time = per_call(functools.partial(verify_claim, claim, with_list, at=AT))
    claim_bare = per_call(functools.partial(verify_claim, claim, without_list, at=AT))
    limit = LIMIT_STATUS_LOAD_SECONDS
    print(f"status list of {size:,} declarations, {len(revoked):,} revoked: {len(data):,} bytes "
          f"on disk, {len(status.bits):,} bytes of bits in memory")
    extra = in_context - bare_context
    print(f"  load {load * 1e3:.1f} ms = {load / limit:.3f} of the {limit * 1e3:.0f} ms limit; "
          f"a trust context with it {in_context * 1e3:.1f} ms ({extra * 1e3:.1f} ms more than "
          f"without) = {extra / limit:.3f} of the limit")
    print(f"  lookup {lookup * 1e9:.0f} ns, status row {row * 1e6:.1f} us")
    print(f"  format-2 claim verified with the list present {claim_time * 1e6:.1f} us "
          f"({claim_time / raw:.1f} raw verifies, limit {LIMIT_RAW_VERIFIES:.0f}); without a "
          f"list {claim_bare * 1e6:.1f} us ({claim_time / claim_bare:.2f} x)")
    verdict = "within" if load <= limit and extra <= limit else "OVER"
    print(f"  status list load: {verdict} the limit")
    return claim_time / raw


if __name__ == "__main__":
    main()
