"""Benchmark: the demo's QR claims, format 1 against format 2, their byte sizes and QR
versions, against the V10-Q limit.

Run as ``python bench/claim_size.py``. Builds the demo (in a temporary folder; its certifier
issues format-2 claims with status indexes from its ledger), takes the claim every certifier
signature carries, signs the same graded declaration again without a status index (format
1, the older claim) and prints per product both byte sizes, the length of the format-2 text
with the default resolver and the smallest QR version that holds each at level Q; then the
most claim bytes version 10 at level Q holds with that resolver, measured in the same run
through the same sizing code (``cfl.label.qr``). The limit: every graded GTIN demo claim at
V10-Q (ADR 0142); the exit status is 1 if one is above it.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

from cfl.bundle.claim import claim_in_bundle
from cfl.bundle.model import parse_bundle
from cfl.bundle.sign import sign_bundle
from cfl.claim.text import DEFAULT_RESOLVER, claim_to_text
from cfl.demo.flow import run_demo
from cfl.errors import CflError
from cfl.label.qr import optimal_version
from cfl.signing.jws import bundle_to_bytes
from cfl.signing.keys import LocalSigner

AT = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
TARGET_VERSION, LEVEL = 10, "Q"


def capacity(version: int, level: str) -> int:
    """The most claim bytes whose text (default resolver) fits ``version`` at ``level``."""
    size = 8
    while optimal_version(claim_to_text(b"\xd2" + b"\xff" * size), level) <= version:
        size += 1
    return size  # the largest that fits: D2 and size - 1 more bytes


def main() -> int:
    limit = capacity(TARGET_VERSION, LEVEL)
    print(f"V{TARGET_VERSION}-{LEVEL} holds {limit} claim bytes with the "
          f"{len(DEFAULT_RESOLVER)}-character default resolver")
    print(f"{'product':<24}{'format 1':>9}{'QR':>4}{'format 2':>10}{'QR':>4}{'text':>6}"
          f"{'grade':>7}  product id")
    over = 0
    format_1_signer = LocalSigner.generate("EdDSA")  # sizes do not depend on the key
    with tempfile.TemporaryDirectory() as folder:
        run_demo(Path(folder), at=AT)
        for path in sorted((Path(folder) / "bundles").glob("*.json")):
            try:
                bundle = parse_bundle(path.read_bytes(), source=str(path))
                signed = claim_in_bundle(bundle, source=str(path))
            except CflError:
                continue  # not a bundle with a certifier's claim
            old = claim_in_bundle(parse_bundle(bundle_to_bytes(sign_bundle(
                bundle.declaration, format_1_signer, role="certifier", at=AT)))).encoded
            text = claim_to_text(signed.encoded)
            version = optimal_version(text, LEVEL)
            old_version = optimal_version(claim_to_text(old), LEVEL)
            graded_gtin = signed.claim.grade is not None and \
                signed.claim.product_id.startswith("urn:gtin:")
            over += graded_gtin and version > TARGET_VERSION
            print(f"{path.stem:<24}{len(old):>9}{old_version:>4}{len(signed.encoded):>10}"
                  f"{version:>4}{len(text):>6}{signed.claim.grade or '-':>7}  "
                  f"{signed.claim.product_id}")
    print(f"{over} graded GTIN claims above V{TARGET_VERSION}-{LEVEL}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
