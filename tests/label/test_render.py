"""Every template: render → rasterise (300 and 150 dpi) → decode → verify; texts; bundle."""

from __future__ import annotations

import copy
import io
import json
import pathlib
import re

import pypdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from label_world import TEMPLATES, bundle, bundle_bytes, claim_text, label_pdf
from signing_world import AT, codes, world

from cfl.errors import InputError
from cfl.io.yamlio import loads_yaml
from cfl.label.readback import decode_qr_from_pdf, extract_bundle, extract_bundles
from cfl.label.render import LabelRenderer, make_claim_text, prepare_label
from cfl.label.templates import Template, load_template, parse_template
from cfl.verification.bundle_check import verify_bundle
from cfl.verification.label_check import verify_label


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("dpi", [300, 150])
def test_qr_decodes_and_label_verifies(template: str, dpi: int) -> None:
    pdf = label_pdf(template)
    assert decode_qr_from_pdf(pdf, dpi) == claim_text()
    report = verify_label(pdf, world().context(), at=AT, dpi=dpi)
    assert report.passed, report.summary()
    passed = codes(report, "PASSED")
    assert {"bundle_embedded", "claim_well_formed", "claim_bound", "claim_agrees",
            "certified"} <= set(passed)


@pytest.mark.parametrize("template", TEMPLATES)
def test_text_has_both_names_and_the_value(template: str) -> None:
    reader = pypdf.PdfReader(io.BytesIO(label_pdf(template)))
    text = reader.pages[0].extract_text()
    names = world().declaration()["extensions"][0]["data"]["productNames"]
    if template != "sticker":  # the sticker shows value, unit, grade and QR only
        assert names["zh"] in text and names["en"] in text
    assert "55.71" in text
    assert "碳足迹" in text


@pytest.mark.parametrize("template", TEMPLATES)
def test_embedded_bundle_is_the_signed_bundle(template: str) -> None:
    pdf = label_pdf(template)
    assert extract_bundle(pdf) == bundle_bytes()
    assert verify_bundle(extract_bundle(pdf), world().context(), at=AT).passed
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    spec = root["/AF"][0].get_object()
    assert spec["/AFRelationship"] == "/Data"
    assert spec["/EF"]["/F"].get_object()["/Subtype"] == "/application/json"


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_font_is_embedded(template: str) -> None:
    reader = pypdf.PdfReader(io.BytesIO(label_pdf(template)))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for ref in fonts.values():
        font = ref.get_object()
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, font["/BaseFont"]


def test_tampered_embedded_bundle_fails() -> None:
    document = json.loads(bundle_bytes())
    document["declaration"]["pcf"]["pcfExcludingBiogenicUptake"] = "5.71"
    tampered = json.dumps(document, ensure_ascii=False, indent=2).encode()
    renderer = LabelRenderer(load_template("standard"))
    content = prepare_label(bundle(), tampered, claim_text())
    report = verify_label(renderer.render([content]), world().context(), at=AT)
    assert report.bottom_line.value == "FAILED"
    failed = codes(report)
    assert "signature_invalid" in failed and "claim_digest_mismatch" in failed


def test_claim_of_another_product_fails() -> None:
    renderer = LabelRenderer(load_template("standard"))
    content = prepare_label(bundle(), bundle_bytes(), claim_text("other"))
    report = verify_label(renderer.render([content]), world().context(), at=AT)
    assert report.bottom_line.value == "FAILED"
    assert codes(report) == ["claim_digest_mismatch"]


def test_claim_key_must_have_signed_the_bundle() -> None:
    with pytest.raises(InputError) as info:
        make_claim_text(bundle(), world().stranger, at=AT)
    assert info.value.code == "claim_signer_not_in_bundle"


def test_multi_page_pdf_embeds_one_bundle_per_page() -> None:
    renderer = LabelRenderer(load_template("sticker"))
    contents = [prepare_label(bundle(p), bundle_bytes(p), claim_text(p))
                for p in ("battery", "other", "battery")]
    pdf = renderer.render(contents)
    assert sorted(extract_bundles(pdf)) == [f"bundle-0000{i}.json" for i in (1, 2, 3)]
    assert extract_bundle(pdf, page=1) == bundle_bytes("other")
    report = verify_label(pdf, world().context(), at=AT, page=1)
    assert report.passed, report.summary()


def test_missing_glyph_is_refused() -> None:
    template = parse_template(loads_yaml(
        "name: odd\npage: {width: 50, height: 30}\n"
        "elements:\n  - {type: text, x: 1, y: 5, text: \"\U0001F600 {value}\"}\n"
        "  - {type: qr, x: 20, y: 1, size: 28}\n"), source="odd.yaml", base_dir=None)
    renderer = LabelRenderer(template)
    with pytest.raises(InputError) as info:
        renderer.render([prepare_label(bundle(), bundle_bytes(), claim_text())])
    assert info.value.code == "missing_glyph"
    assert "odd.yaml" in str(info.value)


def test_every_message_has_glyphs() -> None:
    from cfl.label.fonts import load_font
    from cfl.label.templates import load_messages

    font = load_font()
    for lang, catalogue in load_messages().catalogues.items():
        for key, text in catalogue.items():
            assert not font.missing(text), (lang, key)


def test_qr_too_small_for_the_claim_is_refused() -> None:
    template = parse_template(loads_yaml(
        "name: tiny\npage: {width: 50, height: 30}\n"
        "elements:\n  - {type: qr, x: 1, y: 1, size: 15}\n"), source="tiny.yaml",
        base_dir=None)
    with pytest.raises(InputError) as info:
        LabelRenderer(template).render([prepare_label(bundle(), bundle_bytes(),
                                                      claim_text())])
    assert info.value.code == "qr_too_small"


# --------------------------------------------------------------------------- long values

LONG_SOURCE = ("MEE, NBS & NEA announcement of 2025-09-28: national average electricity "
               "carbon-footprint factor 2024 (life cycle, kg CO2e/kWh, for PCF use); grid "
               "mix of the East China regional grid, weighted by the plant's metered supply "
               "over the reference period, with the supplier's own signed attestation attached")


def _long_value_label(template: Template) -> tuple[bytes, str]:
    """A label of a declaration whose electricity factor source is 300 characters long."""
    from signing_world import SIGNED_AT

    from cfl.bundle.model import parse_bundle
    from cfl.bundle.sign import sign_bundle
    from cfl.signing.jws import bundle_to_bytes

    declaration = copy.deepcopy(world().declaration())
    data = declaration["extensions"][0]["data"]
    data["electricity"] = {"approach": "location-based", "factor": "0.5777",
                           "factorSource": LONG_SOURCE}
    raw = bundle_to_bytes(sign_bundle(declaration, world().certifier, role="certifier",
                                      at=SIGNED_AT))
    parsed = parse_bundle(raw)
    text = make_claim_text(parsed, world().certifier, at=SIGNED_AT)
    return LabelRenderer(template).render([prepare_label(parsed, raw, text)]), text


def _font_sizes(pdf: bytes) -> list[float]:
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    stream = page.get_contents().get_data().decode("latin-1")
    return [float(size) for size in re.findall(r"/F\S+ ([0-9.]+) Tf", stream)]


def _squashed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_long_value_wraps_on_the_sheet_and_stays_readable() -> None:
    assert len(LONG_SOURCE) == 300  # the schema's bound: the longest source there can be
    pdf, claim = _long_value_label(load_template("sheet"))
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert _squashed(LONG_SOURCE) in _squashed(text)
    assert "…" not in text
    sizes = _font_sizes(pdf)
    assert sizes and min(sizes) >= 6.0, sorted(sizes)[:5]
    assert decode_qr_from_pdf(pdf, 150) == claim
    report = verify_label(pdf, world().context(), at=AT)
    assert report.passed, report.summary()


def _field_list_template(extra: str) -> Template:
    data = loads_yaml(
        ("name: t\npage: {width: 120, height: 80}\nelements:\n"
         "  - {type: qr, x: 80, y: 2, size: 38}\n"
         "  - {type: field-list, x: 2, y: 6, w: 76, size: 7, line_height: 4, label_width: 20,"
         f" labels: [en], fields: [electricity, declaration_id, company]{extra}}}\n"
         ).encode(), source="t.yaml")
    return parse_template(data, source="t.yaml", base_dir=None)


def test_value_cut_short_by_the_box_ends_with_an_ellipsis() -> None:
    pdf, claim = _long_value_label(_field_list_template(", h: 8"))
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    lines = [line for line in text.splitlines() if line.strip()]
    assert any(line.endswith("…") for line in lines)
    assert _squashed(LONG_SOURCE) not in _squashed(text)
    assert world().declaration()["id"] not in text  # the rows after it are left out
    assert min(_font_sizes(pdf)) >= 6.0
    assert decode_qr_from_pdf(pdf, 150) == claim


def test_without_a_height_the_rows_wrap_to_the_page_bottom() -> None:
    pdf, _ = _long_value_label(_field_list_template(", min_size: 6.5"))
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert _squashed(LONG_SOURCE) in _squashed(text)
    assert world().declaration()["id"] in text
    assert min(_font_sizes(pdf)) >= 6.5


def test_field_list_box_past_the_page_is_refused() -> None:
    with pytest.raises(InputError) as err:
        _field_list_template(", h: 80")
    assert err.value.code == "bad_template"
    assert "past the page" in str(err.value)


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab 碳足迹WMi.-")), min_size=1, max_size=120),
       st.floats(min_value=8, max_value=60))
def test_wrapped_lines_fit_and_keep_every_character(text: str, width: float) -> None:
    renderer = LabelRenderer(load_template("sheet"))
    cell = renderer._fit_cell(text, 7.0, 6.0, width)
    assert cell.size >= 6.0
    assert "".join(cell.lines).replace(" ", "") == text.replace(" ", "")
    for line in cell.lines:
        assert len(line) == 1 or renderer._width_mm(line, cell.size) <= width + 1e-9


def test_a_template_file_is_size_bounded_before_parsing(tmp_path: pathlib.Path) -> None:
    from cfl.errors import InputError
    from cfl.label.templates import MAX_TEMPLATE_BYTES, load_template

    huge = tmp_path / "huge.yaml"
    huge.write_text("# padding\n" * (MAX_TEMPLATE_BYTES // 10 + 1))
    with pytest.raises(InputError) as info:
        load_template(str(huge))
    assert info.value.code == "too_large" and str(huge) in str(info.value)
