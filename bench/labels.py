"""Label benchmarks (one core): QR version, batch rendering, claim and label verification,
peak memory. Run: python bench/labels.py [--quick]

Every figure is printed beside its target and the limit measured in the same run:
- QR version of the standard claim at level Q (target <= 10), with the byte arithmetic;
- labels/s for a 1,000-label single-PDF batch (standard template, claims taken from the
  bundles, as ``cfl label --batch``; target >= 250), beside the same pages without the QR
  (the practical limit) and the naive pipeline (reportlab's QrCodeWidget per label);
- claim verifications/s from text (decode + signature), as a ratio to raw Ed25519 verifies
  of the same bytes (target >= 0.8);
- verifications/s from a label PDF (embedded bundle + QR decoded from the page, full report;
  target >= 300/s);
- peak resident memory of a 1,000 and a 10,000-label single-PDF batch, each in its own
  process (target: flat).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from label_world import bundle, bundle_bytes, claim_text  # noqa: E402
from signing_world import AT, world  # noqa: E402

from cfl.claim.decode import decode_claim_text  # noqa: E402
from cfl.claim.text import claim_bytes_from_text  # noqa: E402
from cfl.label.batch import collect_items, render_batch  # noqa: E402
from cfl.label.qr import DATA_CODEWORDS, encode_claim_qr, optimal_version  # noqa: E402
from cfl.label.render import LabelRenderer, label_claim_text, prepare_label  # noqa: E402
from cfl.label.templates import Template, load_template  # noqa: E402
from cfl.verification.claim_check import verify_claim  # noqa: E402
from cfl.verification.label_check import verify_label  # noqa: E402

QUICK = "--quick" in sys.argv
N = 200 if QUICK else 1000


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def bundle_folder(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = bundle_bytes()
    for i in range(count):
        (folder / f"sku-{i:05d}.json").write_bytes(data)
    return folder


def batch_rate(template: str, count: int) -> float:
    """The whole `cfl label --batch DIR -o labels.pdf` path: read, parse, claim from the
    bundle, QR, draw, embed, write."""
    with tempfile.TemporaryDirectory() as scratch:
        items = collect_items(bundle_folder(Path(scratch) / "in", count))
        start = time.perf_counter()
        render_batch(items, template=template, at=AT, output=Path(scratch) / "out.pdf")
        return rate(count, time.perf_counter() - start)


def without_qr(template: Template) -> Template:
    from dataclasses import replace

    return replace(template, elements=tuple(e for e in template.elements if e.kind != "qr"))


def contents(count: int) -> list[Any]:
    parsed, data = bundle(), bundle_bytes()
    return [prepare_label(parsed, data, label_claim_text(parsed)) for _ in range(count)]


def no_qr_rate(template: Template, count: int) -> float:
    renderer = LabelRenderer(without_qr(template))
    start = time.perf_counter()
    renderer.render(contents(count))
    return rate(count, time.perf_counter() - start)


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
    rounds: list[tuple[float, float]] = []
    for _ in range(3):  # interleaved, best of three for both
        start = time.perf_counter()
        for _ in range(loops):
            key.verify(signed.signature, signed.signing_input)
        raw = rate(loops, time.perf_counter() - start)
        start = time.perf_counter()
        for _ in range(loops):
            decode_claim_text(text).signature_valid(key)
        rounds.append((raw, rate(loops, time.perf_counter() - start)))
    raw, decoded = max(r[0] for r in rounds), max(r[1] for r in rounds)
    trust = world().context()
    start = time.perf_counter()
    for _ in range(loops // 5):
        verify_claim(text, trust, at=AT)
    report = rate(loops // 5, time.perf_counter() - start)
    return raw, decoded, report


def label_verify_rate(template: str, count: int) -> float:
    data = bundle_bytes()
    parsed = bundle()
    pdf = LabelRenderer(load_template(template)).render(
        [prepare_label(parsed, data, label_claim_text(parsed))])
    trust = world().context()
    for _ in range(5):
        verify_label(pdf, trust, at=AT)
    start = time.perf_counter()
    for _ in range(count):
        assert verify_label(pdf, trust, at=AT).passed
    return rate(count, time.perf_counter() - start)



def peak_memory(count: int) -> tuple[float, float]:
    """(peak RSS MiB while rendering, RSS MiB when rendering starts) of a sticker batch in a
    fresh process (the peak is reset before rendering where Linux allows it)."""
    code = (
        "import resource, sys, tempfile\n"
        "from pathlib import Path\n"
        f"sys.path.insert(0, {str(ROOT / 'bench')!r})\n"
        "from labels import bundle_folder, collect_items, render_batch, AT\n"
        "with tempfile.TemporaryDirectory() as d:\n"
        f"    items = collect_items(bundle_folder(Path(d) / 'in', {count}))\n"
        "    def hwm():\n"
        "        for line in open('/proc/self/status'):\n"
        "            if line.startswith('VmHWM'):\n"
        "                return int(line.split()[1])\n"
        "        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "    try:\n"
        "        open('/proc/self/clear_refs', 'w').write('5')  # reset the peak (Linux)\n"
        "    except OSError:\n"
        "        pass\n"
        "    before = hwm()\n"
        "    render_batch(items, template='sticker', at=AT, output=Path(d) / 'out.pdf')\n"
        "    after = hwm()\n"
        "print(after / 1024, before / 1024)\n"
    )
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                            text=True, cwd=ROOT).stdout.split()
    return float(output[0]), float(output[1])


def main() -> None:
    text = claim_text()
    size = len(claim_bytes_from_text(text))
    symbol = encode_claim_qr(text)
    digits = len(text) - text.rfind("/") - 1
    print(f"claim: {size} bytes, QR text {len(text)} characters ({digits} digits); QR version "
          f"{symbol.version} at level {symbol.error} (optimal mixed-mode version "
          f"{optimal_version(text)}; target <= 10), mask {symbol.mask} chosen by zxing-cpp")
    resolver_bits = 4 + 11 + 11 * (len(text) - digits) // 2 + 6 * ((len(text) - digits) % 2)
    room_digits = (DATA_CODEWORDS["Q"][9] * 8 - resolver_bits - 4 - 12) * 3 // 10
    print(f"  version 10-Q holds {DATA_CODEWORDS['Q'][9]} codewords: after the resolver "
          f"({resolver_bits} bits) room for {room_digits} digits = "
          f"{int(room_digits / 2.40824)} claim bytes; signature (64) + digest (32) + "
          "declaration id (16) alone take 112")
    parsed = bundle()
    start = time.perf_counter()
    for _ in range(200):
        encode_claim_qr(text)
    encode_ms = (time.perf_counter() - start) / 200 * 1000
    print(f"QR encoding (zxing-cpp, mask selection included): {encode_ms:.2f} ms per claim")
    full = batch_rate("standard", N)
    standard = load_template("standard")
    limit = no_qr_rate(standard, N)
    naive = naive_rate(standard, max(20, N // 50))
    print(f"batch PDF, standard, {N} labels, one core: {full:.0f} labels/s (target >= 250); "
          f"same pages without QR {limit:.0f}/s (ratio {full / limit:.2f}); naive "
          f"QrCodeWidget {naive:.1f}/s (x{full / naive:.0f})")
    raw, decoded, report = claim_rates()
    print(f"claim from text: decode + verify {decoded:.0f}/s, raw Ed25519 verify {raw:.0f}/s, "
          f"ratio {decoded / raw:.2f} (target >= 0.8); full report with trust rows "
          f"{report:.0f}/s (ratio {report / raw:.2f})")
    loops = 100 if QUICK else 300
    rates = {name: label_verify_rate(name, loops) for name in ("standard", "sticker", "sheet")}
    print("label PDF verification at 150 dpi (bundle + QR from the page, full report): "
          + ", ".join(f"{name} {value:.0f}/s" for name, value in rates.items())
          + " (target >= 300/s)")
    del parsed
    small, big = (200, 2000) if QUICK else (1000, 10000)
    (m_small, base_small), (m_big, base_big) = peak_memory(small), peak_memory(big)
    print(f"peak RSS, single-PDF sticker batch (own process each): {small} labels "
          f"{m_small:.0f} MiB, {big} labels {m_big:.0f} MiB (ratio {m_big / m_small:.2f} for "
          f"{big // small}x labels; {base_small:.0f} / {base_big:.0f} MiB when rendering starts; "
          "target: flat)")


if __name__ == "__main__":
    main()
