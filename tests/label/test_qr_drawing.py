"""The QR path a label draws: one ``re`` per horizontal run of dark modules, exactly."""

from __future__ import annotations

import io

import pypdf
from label_world import bundle, bundle_bytes, claim_text
from reportlab import rl_config
from reportlab.pdfbase import pdfdoc

from cfl.label.qr import dark_runs, encode_claim_qr, path_operators
from cfl.label.readback import decode_qr_from_pdf
from cfl.label.render import LabelRenderer, prepare_label
from cfl.label.templates import load_template


def test_path_holds_every_dark_run_once_in_order() -> None:
    symbol = encode_claim_qr(claim_text())
    operators = path_operators(symbol, x=10.0, y_top=200.0, module=1.5)
    lines = operators.split("\n")
    assert lines[0] == "q 0 g"
    assert lines[1] == "1.5000 0 0 -1.5000 16.000 194.000 cm"
    assert lines[-1] == "f Q"
    expected = [f"{column} {row} {length} 1 re" for row, column, length in dark_runs(symbol.rows)]
    assert lines[2:-1] == expected
    assert sum(length for _, _, length in dark_runs(symbol.rows)) == \
        sum(row.count(1) for row in symbol.rows)


def test_the_renderer_compresses_fast_and_leaves_reportlab_as_it_was() -> None:
    before = pdfdoc.PDFZCompress, rl_config.useA85
    content = prepare_label(bundle(), bundle_bytes(), claim_text())
    pdf = LabelRenderer(load_template("standard")).render([content])
    assert (pdfdoc.PDFZCompress, rl_config.useA85) == before
    page = pypdf.PdfReader(io.BytesIO(pdf), strict=True).pages[0]
    assert b" 1 re\n" in page.get_contents().get_data()  # the QR path, inflated again
    assert decode_qr_from_pdf(pdf) == claim_text()
