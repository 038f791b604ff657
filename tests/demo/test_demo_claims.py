"""The demo's certifier issues format-2 claims from its ledger's status indexes, so its
graded GTIN-13 labels print QR version 10 at level Q (ADR 0142), as a scanner reads them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import zxingcpp

from cfl.bundle.claim import claim_in_bundle
from cfl.bundle.ledger import Ledger, default_ledger_path
from cfl.bundle.model import parse_bundle
from cfl.demo.flow import DemoRun, run_demo

AT = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    return run_demo(tmp_path_factory.mktemp("demo"), at=AT)


def scanned(pdf: Path) -> Any:
    """The one QR code zxing-cpp reads on the label's first page, rendered at 300 dpi."""
    document = pdfium.PdfDocument(pdf.read_bytes())
    try:
        bitmap = document[0].render(scale=300 / 72, grayscale=True)
        found = zxingcpp.read_barcodes(bitmap.to_numpy(),
                                       formats=zxingcpp.BarcodeFormat.QRCode)
    finally:
        document.close()
    assert len(found) == 1 and found[0].valid
    return found[0]


def test_every_claim_is_format_2_with_its_own_status_index(demo: DemoRun) -> None:
    claims = {category: claim_in_bundle(parse_bundle(path.read_bytes())).claim
              for category, path in demo.bundles.items()}
    assert {claim.version for claim in claims.values()} == {2}
    indexes = sorted(claim.status_index for claim in claims.values()
                     if claim.status_index is not None)
    assert indexes == list(range(len(claims)))
    state = Ledger(default_ledger_path(demo.certifier_dir)).read()
    recorded = sorted(index for by_kid in state.status_indexes.values()
                      for values in by_kid.values() for index in values)
    assert recorded == indexes
    assert demo.status_list is not None and demo.status_list.is_file()
    assert demo.all_verified


def test_graded_gtin_labels_print_version_10_at_level_q(demo: DemoRun) -> None:
    checked = 0
    for category, by_template in demo.labels.items():
        claim = claim_in_bundle(parse_bundle(demo.bundles[category].read_bytes())).claim
        if claim.grade is None or not claim.product_id.startswith("urn:gtin:"):
            continue
        for path in by_template.values():
            result = scanned(path)
            assert (result.extra["Version"], result.ec_level) == ("10", "Q"), path.name
            checked += 1
    assert checked >= 3 * 7
