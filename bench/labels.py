"""Label benchmarks (one core): batch rendering, QR version, claim and label verification,
peak memory. Run: python bench/labels.py [--quick]

Prints each figure next to the limit measured in the same run:
- labels/s for a 1,000-label batch PDF (standard template), beside the same page without the
  QR (the practical limit) and the naive pipeline (reportlab QrCodeWidget per label);
- QR version of the standard claim at level Q;
- claim verifications/s from text, as a ratio to raw Ed25519 verifies of the same bytes;
- verifications/s from a label PDF (embedded bundle + QR decoded from the rendered page);
- peak traced memory of a 1,000 and a 10,000-label batch.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from label_world import bundle, bundle_bytes, claim_text  # noqa: E402
from signing_world import AT, world  # noqa: E402

from cfl.claim import claim_bytes_from_text, decode_claim_text, verify_claim  # noqa: E402
from cfl.label.qr import encode_claim_qr  # noqa: E402
from cfl.label.readback import verify_label  # noqa: E402
from cfl.label.render import LabelRenderer, make_claim_text, prepare_label  # noqa: E402
from cfl.label.templates import Template, load_template  # noqa: E402

QUICK = "--quick" in sys.argv
N = 200 if QUICK else 1000


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def contents(count: int) -> list[Any]:
    """Fresh claims (one signature each) and label contents, like a real batch."""
    parsed, data = bundle(), bundle_bytes()
    at = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
    return [prepare_label(parsed, data, make_claim_text(parsed, world().certifier,
                                                        at=at + dt.timedelta(seconds=i)))
            for i in range(count)]


def batch_rate(template: Template, count: int) -> float:
    renderer = LabelRenderer(template)
    start = time.perf_counter()
    renderer.render(contents(count))
    return rate(count, time.perf_counter() - start)


def without_qr(template: Template) -> Template:
    from dataclasses import replace

    return replace(template, elements=tuple(e for e in template.elements if e.kind != "qr"))


def naive_rate(template: Template, count: int) -> float:
    """Text as in the standard template plus reportlab's QrCodeWidget per label."""
    import io

    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.pdfgen import canvas as rl_canvas

    plain = LabelRenderer(without_qr(template))
    items = contents(count)
    start = time.perf_counter()
    out = io.BytesIO()
    page = rl_canvas.Canvas(out, pagesize=plain.page_size, pageCompression=1)
    for content in items:
        plain.draw_page(page, content)
        widget = QrCodeWidget(content.claim_text, barLevel="Q")
        x0, y0, x1, y1 = widget.getBounds()
        side = 37 * 72 / 25.4
        drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, page, 61 * 72 / 25.4, plain.page_size[1] - 39 * 72 / 25.4)
        page.showPage()
    page.save()
    return rate(count, time.perf_counter() - start)


def claim_rates() -> tuple[float, float, float]:
    text = claim_text()
    key = world().certifier.public_key
    signed = decode_claim_text(text)
    loops = 2000 if QUICK else 10000
    start = time.perf_counter()
    for _ in range(loops):
        key.verify(signed.signature, signed.signing_input)
    raw = rate(loops, time.perf_counter() - start)
    start = time.perf_counter()
    for _ in range(loops):
        decode_claim_text(text).signature_valid(key)
    decoded = rate(loops, time.perf_counter() - start)
    trust = world().context()
    start = time.perf_counter()
    for _ in range(loops // 5):
        verify_claim(text, trust, at=AT)
    report = rate(loops // 5, time.perf_counter() - start)
    return raw, decoded, report


def label_verify_rate(count: int) -> tuple[float, float]:
    pdf = LabelRenderer(load_template("standard")).render(contents(1))
    trust = world().context()
    rates = []
    for dpi in (150, 100):
        start = time.perf_counter()
        for _ in range(count):
            assert verify_label(pdf, trust, at=AT, dpi=dpi).passed
        rates.append(rate(count, time.perf_counter() - start))
    return rates[0], rates[1]


def peak_memory(template: Template, count: int) -> float:
    items = contents(count)
    renderer = LabelRenderer(template)
    tracemalloc.start()
    renderer.render(items)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    standard = load_template("standard")
    symbol = encode_claim_qr(claim_text())
    size = len(claim_bytes_from_text(claim_text()))
    print(f"claim: {size} bytes, QR text {len(claim_text())} characters; "
          f"QR version {symbol.version} at level {symbol.error} (target <= 10), mask {symbol.mask}")
    full = batch_rate(standard, N)
    limit = batch_rate(without_qr(standard), N)
    naive = naive_rate(standard, max(20, N // 50))
    print(f"batch PDF, standard, {N} labels, one core: {full:.0f} labels/s "
          f"(target >= 250); without QR {limit:.0f}/s (ratio {full / limit:.2f}); "
          f"naive QrCodeWidget {naive:.1f}/s (x{full / naive:.0f})")
    raw, decoded, report = claim_rates()
    print(f"claim from text: decode + verify {decoded:.0f}/s, raw Ed25519 verify {raw:.0f}/s, "
          f"ratio {decoded / raw:.2f} (target >= 0.8); full report with trust rows "
          f"{report:.0f}/s (ratio {report / raw:.2f})")
    at150, at100 = label_verify_rate(100 if QUICK else 300)
    print(f"label PDF verification (bundle + QR from the page): {at150:.0f}/s at 150 dpi, "
          f"{at100:.0f}/s at 100 dpi (target >= 300/s)")
    small, big = (200, 2000) if QUICK else (1000, 10000)
    sticker = load_template("sticker")
    m_small, m_big = peak_memory(sticker, small), peak_memory(sticker, big)
    print(f"peak traced memory, sticker batch: {small} labels {m_small:.1f} MiB, {big} labels "
          f"{m_big:.1f} MiB (ratio {m_big / m_small:.1f} for {big // small}x labels)")


if __name__ == "__main__":
    main()
