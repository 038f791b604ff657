"""Label benchmarks (one core): QR version, batch rendering, claim and label verification,
peak memory. Run: python bench/labels.py [--quick] [--no-memory] (``CFL_BENCH_LABELS`` sets
the batch size, 1,000 by default, 200 with ``--quick``)

Every figure is printed beside its target and the limit measured in the same run:
- QR version of the standard claim at level Q (target <= 10), with the byte arithmetic;
- labels/s for a 1,000-label single-PDF batch (standard template, claims taken from the
  bundles, as ``cfl label --batch``; target >= 250) on one core, beside the same batch with
  nothing drawn for the QR (the limit; target ratio >= 0.7), in three rounds
  (min and median of the ratio), both in CPU seconds of this process (a loaded machine moves
  them far less than the wall clock); the renderer alone, with and without the QR, the same
  way;
  and the naive pipeline (reportlab's QrCodeWidget per label);
- the same batch with ``jobs=2`` against ``jobs=1`` on two cores (target speed-up >= 1.6),
  three rounds;
- whether reportlab runs its C accelerator (``rl_accel``);
- claim verifications/s from text (decode + signature), as a ratio to raw Ed25519 verifies
  of the same bytes (target >= 0.8);
- verifications/s from a label PDF (embedded bundle + QR decoded from the page, full report;
  target >= 300/s) per template, with the milliseconds one takes;
- peak resident memory of a 1,000 and a 10,000-label single-PDF batch, each in its own
  process (target: flat).
"""

from __future__ import annotations

import contextlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
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
N = int(os.environ.get("CFL_BENCH_LABELS", "200" if QUICK else "1000"))
SKIP_MEMORY = "--no-memory" in sys.argv


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def bundle_folder(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = bundle_bytes()
    for i in range(count):
        (folder / f"sku-{i:05d}.json").write_bytes(data)
    return folder


def batch_rate(template: str, count: int, jobs: int = 1, *, cpu: bool = False) -> float:
    """The whole `cfl label --batch DIR -o labels.pdf` path: read, parse, claim from the
    bundle, QR, draw, embed, write. ``cpu``: per second of this process's CPU time (jobs 1
    only; a loaded machine moves it far less than the wall clock), else of wall time."""
    clock = time.process_time if cpu else time.perf_counter
    with tempfile.TemporaryDirectory() as scratch:
        items = collect_items(bundle_folder(Path(scratch) / "in", count))
        start = clock()
        render_batch(items, template=template, at=AT, output=Path(scratch) / "out.pdf",
                     jobs=jobs)
        return rate(count, clock() - start)


def cpu_split(template: str, count: int) -> tuple[float, float, float]:
    """CPU seconds of a jobs-2 batch in the calling process and in its workers (reaped when
    the batch ends), and of the same batch with jobs 1."""
    with tempfile.TemporaryDirectory() as scratch:
        items = collect_items(bundle_folder(Path(scratch) / "in", count))
        out = Path(scratch) / "out.pdf"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.process_time()
        render_batch(items, template=template, at=AT, output=out, jobs=2)
        own = time.process_time() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        workers = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        start = time.process_time()
        render_batch(items, template=template, at=AT, output=out, jobs=1)
        return own, workers, time.process_time() - start


@contextlib.contextmanager
def qr_left_out() -> Iterator[None]:
    """Labels render with nothing where the QR code goes (no encoding, no drawing): the
    limit the QR's cost is measured against. Templates must hold a QR element, so the
    renderer's QR step is replaced for the duration, in this process only (jobs 1)."""
    original = LabelRenderer._qr_operators
    LabelRenderer._qr_operators = lambda self, element, content: ""  # type: ignore[method-assign]
    try:
        yield
    finally:
        LabelRenderer._qr_operators = original  # type: ignore[method-assign]


def limit_rate(template: str, count: int) -> float:
    with qr_left_out():
        return batch_rate(template, count, cpu=True)


def one_core() -> set[int] | None:
    """Pin this process to one core; returns the cores it had (None where not possible)."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    return cores


def ratios(rounds: list[tuple[float, float]]) -> str:
    values = [work / limit for work, limit in rounds]
    return (f"rounds {', '.join(f'{v:.2f}' for v in values)}; min {min(values):.2f}, "
            f"median {statistics.median(values):.2f}")


def rl_accel_state() -> str:
    from reportlab.lib import rl_accel

    python_only = sorted(rl_accel._py_funcs)
    if not python_only:
        return "reportlab runs its C accelerator (rl_accel) for every function it offers"
    return f"reportlab runs these in Python (no rl_accel): {', '.join(python_only)}"


def without_qr(template: Template) -> Template:
    from dataclasses import replace

    return replace(template, elements=tuple(e for e in template.elements if e.kind != "qr"))


def contents(count: int) -> list[Any]:
    parsed, data = bundle(), bundle_bytes()
    return [prepare_label(parsed, data, label_claim_text(parsed)) for _ in range(count)]


def no_qr_rate(template: Template, count: int, *, qr: bool = False) -> float:
    """Pages/s of the renderer alone on prepared contents, without (or with) the QR."""
    renderer = LabelRenderer(template if qr else without_qr(template))
    items = contents(count)
    start = time.process_time()
    renderer.render(items)
    return rate(count, time.process_time() - start)


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


def label_verify_rate(template: str, count: int, *, redraw: bool = True) -> float:
    """Label PDF verifications/s (CPU time); without ``redraw``, the page is not drawn
    again and compared (ADR 0132), to show what that comparison costs."""
    if not redraw:
        with _no_redraw():
            return label_verify_rate(template, count)
    data = bundle_bytes()
    parsed = bundle()
    pdf = LabelRenderer(load_template(template)).render(
        [prepare_label(parsed, data, label_claim_text(parsed))])
    trust = world().context()
    for _ in range(5):
        verify_label(pdf, trust, at=AT)
    start = time.process_time()
    for _ in range(count):
        assert verify_label(pdf, trust, at=AT).passed
    return rate(count, time.process_time() - start)



@contextlib.contextmanager
def _no_redraw() -> Iterator[None]:
    import cfl.verification.label_check as label_check

    drawing_rows = getattr(label_check, "drawing_rows")  # noqa: B009
    setattr(label_check, "drawing_rows", lambda *args, **kwargs: [])  # noqa: B010
    try:
        yield
    finally:
        setattr(label_check, "drawing_rows", drawing_rows)  # noqa: B010


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
    print(rl_accel_state())
    cores = one_core()
    standard = load_template("standard")
    batch_rounds = [(batch_rate("standard", N, cpu=True), limit_rate("standard", N))
                    for _ in range(3)]
    render_rounds = [(no_qr_rate(standard, N, qr=True), no_qr_rate(standard, N))
                     for _ in range(3)]
    naive = naive_rate(standard, max(20, N // 50))
    full = statistics.median(r[0] for r in batch_rounds)
    limit = statistics.median(r[1] for r in batch_rounds)
    print(f"batch PDF, standard, {N} labels, one core: {full:.0f} labels per CPU second "
          "(target >= 250); "
          f"the same batch without the QR element {limit:.0f}/s; ratio "
          f"{ratios(batch_rounds)} (target >= 0.7)")
    print(f"  renderer alone (contents prepared), with / without QR: {ratios(render_rounds)}; "
          f"naive QrCodeWidget {naive:.1f}/s (x{full / naive:.0f})")
    if cores is not None:
        os.sched_setaffinity(0, cores)
    if cores is None or len(cores) >= 2:
        job_rounds = [(batch_rate("standard", N, jobs=2), batch_rate("standard", N))
                      for _ in range(3)]
        print(f"batch PDF, standard, {N} labels, jobs 2 / jobs 1 on "
              f"{len(cores) if cores else '?'} cores (load average "
              f"{os.getloadavg()[0]:.1f}): wall-clock speed-up {ratios(job_rounds)} "
              "(target >= 1.6)")
        own, workers, single = cpu_split("standard", N)
        print(f"  CPU seconds, jobs 2: calling process {own:.2f}, workers {workers:.2f} "
              f"(jobs 1: {single:.2f}); with two free cores the wall time is at least "
              f"max(calling, workers / 2), a speed-up of at most "
              f"{single / max(own, workers / 2):.2f}, and at least all of it / 2 (the "
              f"calling process shares the cores), at most "
              f"{single / max(own, (own + workers) / 2):.2f}")
    else:
        print("jobs 2 not measured: this process may use one core only")
    one_core()
    raw, decoded, report = claim_rates()
    print(f"claim from text: decode + verify {decoded:.0f}/s, raw Ed25519 verify {raw:.0f}/s, "
          f"ratio {decoded / raw:.2f} (target >= 0.8); full report with trust rows "
          f"{report:.0f}/s (ratio {report / raw:.2f})")
    loops = 100 if QUICK else 300
    rates = {name: label_verify_rate(name, loops) for name in ("standard", "sticker", "sheet")}
    print("label PDF verification at 150 dpi (bundle + QR from the page, full report): "
          + ", ".join(f"{name} {value:.0f}/s ({1000 / value:.1f} ms)"
                      for name, value in rates.items())
          + " (target >= 300/s)")
    bare = {name: label_verify_rate(name, loops, redraw=False) for name in rates}
    print("  of which drawing the page again and comparing it (ADR 0132): "
          + ", ".join(f"{name} {1000 / rates[name] - 1000 / bare[name]:.1f} ms "
                      f"(without it {1000 / bare[name]:.1f} ms, x{bare[name] / rates[name]:.1f})"
                      for name in rates))
    del parsed
    if SKIP_MEMORY:
        return
    small, big = (200, 2000) if QUICK else (1000, 10000)
    (m_small, base_small), (m_big, base_big) = peak_memory(small), peak_memory(big)
    print(f"peak RSS, single-PDF sticker batch (own process each): {small} labels "
          f"{m_small:.0f} MiB, {big} labels {m_big:.0f} MiB (ratio {m_big / m_small:.2f} for "
          f"{big // small}x labels; {base_small:.0f} / {base_big:.0f} MiB when rendering starts; "
          "target: flat)")


if __name__ == "__main__":
    main()
