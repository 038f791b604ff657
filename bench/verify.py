"""Benchmark: full bundle verification and signing against raw Ed25519, on one core.

Run as ``python bench/verify.py``. Prints, from one run:

* raw Ed25519 verifications/s and full ``verify_bundle`` verifications/s (parse + schema +
  semantic + JCS + signature + trust lookup), with the ratio (issue 3 target: ≥ 0.5);
* raw Ed25519 signs/s and ``sign_bundle`` bundles/s (validation + JCS + signature), ratio;
* where a full verification spends its time (parse, schema, semantic, JCS, signature);
* JCS throughput of ``rfc8785`` in MB/s on the test declaration.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from pathlib import Path

from cfl.canonical import canonical_bytes
from cfl.envelope import bundle_to_bytes, parse_bundle, sign_bundle
from cfl.jsonio import load_json_file
from cfl.keys import LocalSigner
from cfl.model import semantic_findings
from cfl.revocation import revoke
from cfl.schema import schema_findings
from cfl.trust import (
    Accreditation,
    add_trust_entry,
    load_trust_context,
    new_trust_list,
    sign_trust_list,
)
from cfl.verify import Status, verify_bundle

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "declarations" / \
    "battery-pack.json"
AT = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
SECONDS = float(os.environ.get("CFL_BENCH_SECONDS", "1.0"))


def rate(function: Callable[[], object], seconds: float = SECONDS) -> float:
    """Calls per second of ``function`` over about ``seconds`` (after a warm-up)."""
    for _ in range(20):
        function()
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(50):
            function()
        count += 50
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


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
    raw_verify = rate(lambda: public.verify(raw_signature, message))
    full_verify = rate(lambda: verify_bundle(data, trust, at=AT))
    raw_sign = rate(lambda: certifier.sign(message))
    full_sign = rate(lambda: sign_bundle(declaration, certifier, role="certifier", at=AT))

    parsed = parse_bundle(data)
    parse_rate = rate(lambda: parse_bundle(data))
    schema_rate = rate(lambda: schema_findings(parsed.declaration))
    semantic_rate = rate(lambda: semantic_findings(parsed.declaration))
    jcs_rate = rate(lambda: canonical_bytes(parsed.declaration))
    jcs_mb = jcs_rate * len(message) / 1e6

    print(f"bundle: {len(data)} bytes, JCS payload {len(message)} bytes, one core")
    print(f"raw Ed25519 verify        {raw_verify:10.0f}/s")
    print(f"verify_bundle (full)      {full_verify:10.0f}/s   ratio {full_verify / raw_verify:.3f}"
          " of raw verify (target >= 0.5)")
    print(f"raw Ed25519 sign          {raw_sign:10.0f}/s")
    print(f"sign_bundle (full)        {full_sign:10.0f}/s   ratio {full_sign / raw_sign:.3f}"
          " of raw sign")
    print("where one full verification goes (microseconds each):")
    for name, value in (("parse_bundle (incl. JCS)", parse_rate), ("schema", schema_rate),
                        ("semantic", semantic_rate), ("JCS alone", jcs_rate),
                        ("Ed25519 verify", raw_verify)):
        print(f"  {name:<26}{1e6 / value:8.1f} us")
    print(f"JCS (rfc8785) throughput  {jcs_mb:10.2f} MB/s ({jcs_rate:.0f} declarations/s)")


if __name__ == "__main__":
    main()
