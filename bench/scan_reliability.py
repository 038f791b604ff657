"""Benchmark: how reliably a label's printed QR code scans, format-1 claims beside format-2.

Run as ``python bench/scan_reliability.py`` (about 2 minutes on one core; ``--full`` takes
200 degradations per condition instead of 40; ``--mask auto|0..7`` draws every template's QR
with that mask instead of the template's own; ``--seed N``; ``--jobs N`` spreads the work
over N processes).

For each template (sticker, standard, A4 sheet) and each claim format the label is rendered
as a PDF by cfl's own label renderer, rasterised by pdfium at 100, 150 and 200 dpi, and the
QR code's region (the code and a margin as wide as a third of it) is cut out of the page.
Each region is then degraded N ways per condition, every way drawn from its own seeded
random stream (the same streams for both formats, so they see the same damage):

* every sample is first rescaled by a random factor in [0.85, 1.15] (the camera's distance);
* ``blur-0.12mm`` / ``blur-0.20mm``: Gaussian blur of that radius on paper (in pixels at the
  dpi), radius jittered by ±10 %;
* ``jpeg-q50`` / ``jpeg-q30``: JPEG at that quality (grey, Pillow's encoder);
* ``perspective``: each corner moved by up to 12 % of the side (a phone held at an angle);
* ``noise``: additive Gaussian noise, sigma 55 of 255, then clipped;
* ``clean``: the rescale alone (must decode every time: the limit of the other rows).

A sample counts as read when zxing-cpp (QR codes only, its default search) returns exactly
the claim text that was printed. The table gives the decode rate per template × condition ×
dpi for each format; the last lines give the rates over all damaged samples, per format.

The format-1 claim is issued as ``cfl sign`` issues it without a status index; the format-2
claim (ADR 0142, QR version 10-Q) with ``status_index=`` when the library takes it. If it
does not (or issues no format-2 claim), the format-2 columns say "format 2 not available".
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import inspect
import io
import os
import statistics
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import zxingcpp
from PIL import Image, ImageFilter

from cfl.bundle.model import parse_bundle
from cfl.bundle.sign import sign_bundle
from cfl.claim.decode import decode_claim
from cfl.claim.text import claim_to_text
from cfl.io.jsonio import load_json_file
from cfl.label.qr import encode_claim_qr
from cfl.label.render import LabelRenderer, prepare_label
from cfl.label.templates import Template, load_template
from cfl.signing.b64url import b64url_decode
from cfl.signing.jws import CLAIM_HEADER, bundle_to_bytes
from cfl.signing.keys import LocalSigner

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "declarations" / \
    "battery-pack.json"
AT = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
TEMPLATES = ("sticker", "standard", "sheet")
DPIS = (100, 150, 200)
FORMATS = (1, 2)
#: The status index the format-2 claim carries (any index the ledger could have given).
STATUS_INDEX = 4711
QR_ONLY: Any = zxingcpp.BarcodeFormat.QRCode

#: Degradations: name → function(image, dpi, random stream) → image.
Degrade = Callable[[Image.Image, int, np.random.Generator], Image.Image]


def _blur(radius_mm: float) -> Degrade:
    def degrade(image: Image.Image, dpi: int, rng: np.random.Generator) -> Image.Image:
        radius = radius_mm * dpi / 25.4 * rng.uniform(0.9, 1.1)
        return image.filter(ImageFilter.GaussianBlur(radius))
    return degrade


def _jpeg(quality: int) -> Degrade:
    def degrade(image: Image.Image, dpi: int, rng: np.random.Generator) -> Image.Image:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        return Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    return degrade


def _perspective(image: Image.Image, dpi: int, rng: np.random.Generator) -> Image.Image:
    width, height = image.size
    spread = 0.12 * min(width, height)
    source = [(0, 0), (width, 0), (width, height), (0, height)]
    target = [(x + rng.uniform(-spread, spread), y + rng.uniform(-spread, spread))
              for x, y in source]
    coefficients = _perspective_coefficients(target, source)
    return image.transform(image.size, Image.Transform.PERSPECTIVE, coefficients,
                           Image.Resampling.BICUBIC, fillcolor=255)


def _perspective_coefficients(target: list[tuple[float, float]],
                              source: list[tuple[int, int]]) -> tuple[float, ...]:
    """Pillow's eight coefficients mapping output pixels (``target``) to input (``source``)."""
    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    solution = np.linalg.solve(np.array(rows, dtype=float),
                               np.array([c for point in source for c in point], dtype=float))
    return tuple(float(c) for c in solution)


def _noise(image: Image.Image, dpi: int, rng: np.random.Generator) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float32)
    noisy = pixels + rng.normal(0.0, 55.0, pixels.shape)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "L")


def _clean(image: Image.Image, dpi: int, rng: np.random.Generator) -> Image.Image:
    return image


CONDITIONS: dict[str, Degrade] = {
    "clean": _clean,
    "blur-0.12mm": _blur(0.12),
    "blur-0.20mm": _blur(0.20),
    "jpeg-q50": _jpeg(50),
    "jpeg-q30": _jpeg(30),
    "perspective": _perspective,
    "noise": _noise,
}


# --------------------------------------------------------------------------- claims


def format2_supported() -> bool:
    """Whether the library issues format-2 claims (``sign_bundle(..., status_index=)``)."""
    return "status_index" in inspect.signature(sign_bundle).parameters


def issue_claim(claim_format: int) -> tuple[bytes, str]:
    """A signed bundle's bytes and the QR text of the claim its certifier issued in
    ``claim_format`` (1: no status index; 2: with one). Raises ``LookupError`` with the
    reason when the library cannot issue that format."""
    declaration = load_json_file(FIXTURE)
    certifier = LocalSigner.generate("EdDSA")
    options: dict[str, Any] = {}
    if claim_format == 2:
        if not format2_supported():
            raise LookupError("sign_bundle takes no status_index")
        options["status_index"] = STATUS_INDEX
    try:
        bundle = sign_bundle(declaration, certifier, role="certifier", at=AT, **options)
    except Exception as exc:  # noqa: BLE001 - a half-built format reports why, not a trace
        raise LookupError(f"sign_bundle failed: {exc}") from None
    claim = b64url_decode(bundle["signatures"][0]["header"][CLAIM_HEADER], what="claim")
    version = getattr(decode_claim(claim).claim, "version", 1)
    if version != claim_format:
        raise LookupError(f"the claim issued is format {version}")
    return bundle_to_bytes(bundle), claim_to_text(claim)


# --------------------------------------------------------------------------- pages


def with_mask(template: Template, mask: str | None) -> Template:
    """``template`` with every QR element drawn with ``mask`` (None: as the template says)."""
    if mask is None:
        return template
    value: int | str = mask if mask == "auto" else int(mask)
    elements = tuple(
        dataclasses.replace(e, props={**e.props, "mask": value}) if e.kind == "qr" else e
        for e in template.elements)
    return dataclasses.replace(template, elements=elements)


def qr_regions(template: Template, bundle_bytes: bytes, text: str) -> dict[int, Image.Image]:
    """The QR code's region of the rendered label page at each dpi (grey)."""
    pdf = LabelRenderer(template).render([prepare_label(parse_bundle(bundle_bytes),
                                                        bundle_bytes, text)])
    qr = next(e for e in template.elements if e.kind == "qr")
    x, y, side = qr.number("x"), qr.number("y"), qr.number("size")
    margin = side / 3
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        regions = {}
        for dpi in DPIS:
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            px = dpi / 25.4
            box = (max(0, round((x - margin) * px)), max(0, round((y - margin) * px)),
                   min(image.width, round((x + side + margin) * px)),
                   min(image.height, round((y + side + margin) * px)))
            regions[dpi] = image.crop(box)
        return regions
    finally:
        document.close()


def _streams(seed: int, key: str, count: int) -> Iterator[np.random.Generator]:
    """``count`` independent random streams for one (condition, template, dpi) cell."""
    base = np.random.SeedSequence([seed, *key.encode()])
    for child in base.spawn(count):
        yield np.random.default_rng(child)


def _read(image: Image.Image, expected: str) -> bool:
    found = zxingcpp.read_barcodes(np.asarray(image), formats=QR_ONLY)
    return any(result.valid and result.text == expected for result in found)


def cell_rate(region: Image.Image, expected: str, condition: str, dpi: int, count: int,
              seed: int, key: str) -> float:
    """Share of ``count`` degraded samples of ``region`` that decode to ``expected``."""
    degrade = CONDITIONS[condition]
    samples = 1 if condition == "clean" else count
    read = 0
    for rng in _streams(seed, key, samples):
        scale = rng.uniform(0.85, 1.15)
        size = (max(8, round(region.width * scale)), max(8, round(region.height * scale)))
        image = region.resize(size, Image.Resampling.BILINEAR)
        read += _read(degrade(image, dpi, rng), expected)
    return read / samples


def _work(job: tuple[bytes, str, int, str, str, int, int, int, str]) -> tuple[str, float]:
    png, expected, dpi, condition, key, count, seed, claim_format, template = job
    region = Image.open(io.BytesIO(png)).convert("L")
    return f"{template}|{condition}|{dpi}|{claim_format}", cell_rate(
        region, expected, condition, dpi, count, seed, key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="200 degradations per condition")
    parser.add_argument("--count", type=int, help="degradations per condition (default 40)")
    parser.add_argument("--mask", help="draw every QR with this mask (auto or 0-7)")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    count = args.count or (200 if args.full else 40)
    started = time.perf_counter()

    claims: dict[int, tuple[bytes, str] | str] = {}
    for claim_format in FORMATS:
        try:
            claims[claim_format] = issue_claim(claim_format)
        except LookupError as exc:
            claims[claim_format] = f"format {claim_format} not available ({exc})"
    print(f"scan reliability: {count} degradations per condition, seed {args.seed}, "
          f"mask {args.mask or 'as each template says'}; load average "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for claim_format, claim in claims.items():
        if isinstance(claim, str):
            print(f"  {claim}")
            continue
        text = claim[1]
        symbol = encode_claim_qr(text)
        print(f"  format {claim_format}: QR text {len(text)} characters, version "
              f"{symbol.version}-{symbol.error} (the encoder's own choice of mask: "
              f"{symbol.mask})")

    jobs = []
    for template_name in TEMPLATES:
        template = with_mask(load_template(template_name), args.mask)
        qr = next(e for e in template.elements if e.kind == "qr")
        for claim_format, claim in claims.items():
            if isinstance(claim, str):
                continue
            bundle_bytes, text = claim
            modules = encode_claim_qr(text).size + 8
            print(f"  {template_name}: QR {qr.number('size'):g} mm, mask "
                  f"{qr.props.get('mask', 'auto')}, format {claim_format} module "
                  f"{qr.number('size') / modules:.3f} mm")
            for dpi, region in qr_regions(template, bundle_bytes, text).items():
                buffer = io.BytesIO()
                region.save(buffer, "PNG")
                for condition in CONDITIONS:
                    key = f"{template_name}|{condition}|{dpi}"  # same streams for both formats
                    jobs.append((buffer.getvalue(), text, dpi, condition, key, count,
                                 args.seed, claim_format, template_name))
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            rates = dict(pool.map(_work, jobs, chunksize=4))
    else:
        rates = dict(map(_work, jobs))

    available = [f for f in FORMATS if not isinstance(claims[f], str)]
    header = "".join(f"{f'{dpi} dpi':>16}" for dpi in DPIS)
    sub = "".join("".join(f"{f'f{f}':>8}" for f in FORMATS) for _ in DPIS)
    print(f"\n{'template':<10}{'condition':<14}{header}\n{'':<24}{sub}")
    for template_name in TEMPLATES:
        for condition in CONDITIONS:
            cells = []
            for dpi in DPIS:
                for claim_format in FORMATS:
                    rate = rates.get(f"{template_name}|{condition}|{dpi}|{claim_format}")
                    cells.append(f"{'n/a' if rate is None else f'{rate:.0%}':>8}")
            print(f"{template_name:<10}{condition:<14}{''.join(cells)}")
    print()
    for claim_format in available:
        damaged = [rate for key, rate in rates.items()
                   if key.endswith(f"|{claim_format}") and "|clean|" not in key]
        clean = [rate for key, rate in rates.items()
                 if key.endswith(f"|{claim_format}") and "|clean|" in key]
        print(f"format {claim_format}: all damaged samples {statistics.fmean(damaged):.1%} "
              f"read (limit: clean {statistics.fmean(clean):.0%}); worst cell "
              f"{min(damaged):.0%}")
        for template_name in TEMPLATES:
            mine = [rate for key, rate in rates.items() if key.startswith(f"{template_name}|")
                    and key.endswith(f"|{claim_format}") and "|clean|" not in key]
            print(f"  {template_name:<10}{statistics.fmean(mine):.1%}")
    for claim_format in FORMATS:
        if isinstance(claims[claim_format], str):
            print(claims[claim_format])
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
