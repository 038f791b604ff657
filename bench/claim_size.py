"""Benchmark: the demo's QR claims, their byte sizes and QR versions, against the V10-Q limit.

Run as ``python bench/claim_size.py``. Builds the demo (in a temporary folder), takes the
claim every certifier signature carries, and prints per product its byte size, the length
of its text with the default resolver and the smallest QR version that holds it at level Q;
then the most claim bytes version 10 at level Q holds with that resolver, measured in the
same run through the same sizing code (``cfl.label.qr``). The limit: every graded GTIN-13
demo claim at V10-Q (ADR 0142).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from cfl.bundle.claim import claim_in_bundle
from cfl.bundle.model import parse_bundle
from cfl.claim.text import DEFAULT_RESOLVER, claim_to_text
from cfl.demo.flow import run_demo
from cfl.errors import CflError
from cfl.label.qr import optimal_version

AT = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
TARGET_VERSION, LEVEL = 10, "Q"


def capacity(version: int, level: str) -> int:
    """The most claim bytes whose text (default resolver) fits ``version`` at ``level``."""
    size = 8
    while optimal_version(claim_to_text(b"\xd2" + b"\xff" * size), level) <= version:
        size += 1
    return size  # the largest that fits: D2 and size - 1 more bytes


def main() -> None:
    limit = capacity(TARGET_VERSION, LEVEL)
    print(f"V{TARGET_VERSION}-{LEVEL} holds {limit} claim bytes with the "
          f"{len(DEFAULT_RESOLVER)}-character default resolver")
    print(f"{'product':<24}{'bytes':>6}{'text':>6}{'QR':>5}{'grade':>7}  product id")
    over = 0
    with tempfile.TemporaryDirectory() as folder:
        run_demo(Path(folder), at=AT)
        for path in sorted(Path(folder).rglob("*.json")):
            try:
                signed = claim_in_bundle(parse_bundle(path.read_bytes()), source=str(path))
            except CflError:
                continue  # not a bundle with a certifier's claim
            text = claim_to_text(signed.encoded)
            version = optimal_version(text, LEVEL)
            over += version > TARGET_VERSION
            print(f"{path.stem:<24}{len(signed.encoded):>6}{len(text):>6}{version:>5}"
                  f"{signed.claim.grade or '-':>7}  {signed.claim.product_id}")
    print(f"{over} claims above V{TARGET_VERSION}-{LEVEL}")


if __name__ == "__main__":
    main()
