"""Every template: render → rasterise (300 and 150 dpi) → decode → verify; texts; bundle."""

from __future__ import annotations

import io
import json

import pypdf
import pytest
from label_world import TEMPLATES, bundle, bundle_bytes, claim_text, label_pdf
from signing_world import AT, codes, world

from cfl.errors import InputError
from cfl.label.readback import (
    decode_qr_from_pdf,
    extract_bundle,
    extract_bundles,
    verify_label,
)
from cfl.label.render import LabelRenderer, make_claim_text, prepare_label
from cfl.label.templates import load_template, parse_template
from cfl.verify import verify_bundle
from cfl.yamlio import loads_yaml


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
