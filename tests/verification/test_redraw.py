"""What is drawn is what cfl draws: a label PDF rewritten in one revision so that paths or
fills cover the printed figures (the text layer still holding the signed ones) does not
pass; an honest label, or one whose template this verifier lacks, is not failed."""

from __future__ import annotations

import copy
import dataclasses
import io
from pathlib import Path
from typing import Any

import pypdf
import pytest
from label_world import bundle, bundle_bytes, claim_text, label_pdf, other_declaration
from pypdf.generic import DecodedStreamObject, NameObject
from signing_world import AT, SIGNED_AT, world

from cfl.bundle.model import parse_bundle
from cfl.bundle.sign import sign_bundle
from cfl.errors import CflError
from cfl.label.readback import LabelDocument
from cfl.label.record import (
    RENDER_ATTACHMENT_NAME,
    RenderRecord,
    make_record,
    parse_render_record,
)
from cfl.label.render import MM, LabelRenderer, make_claim_text, prepare_label
from cfl.label.templates import builtin_template_names, load_template
from cfl.report.model import Status
from cfl.signing.jws import bundle_to_bytes
from cfl.verification import VerificationPolicy, verify
from cfl.verification.redraw import drawing_rows


def _codes(report: Any, status: Status) -> list[str]:
    return [r.code for r in report.rows if r.status is status]


def _element(template: str, kind: str) -> Any:
    return next(e for e in load_template(template).elements if e.kind == kind)


def _rewrite(pdf: bytes, paint: bytes) -> bytes:
    """The attack: the page's content stream with ``paint`` appended, written as a fresh,
    single-revision file (the text layer and the embedded bundle kept)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    writer = pypdf.PdfWriter(clone_from=reader)
    page = writer.pages[0]
    data = page.get_contents().get_data()  # type: ignore[union-attr]
    stream = DecodedStreamObject()
    stream.set_data(data + b"\n" + paint)
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _value_painted_over(template: str, pdf: bytes | None = None) -> bytes:
    """A white box over the value, and "2437" drawn as stroked paths (no text)."""
    value = _element(template, "value")
    height = load_template(template).height_mm * MM
    x, baseline = value.number("x") * MM, height - value.number("y") * MM
    size = value.number("size", 16)
    box = f"q 1 1 1 rg {x - 1:.2f} {baseline - 2:.2f} {size * 3:.2f} {size:.2f} re f Q"
    strokes = (f"q 0 0 0 RG 1.2 w {x:.2f} {baseline:.2f} m {x + size * 0.5:.2f} "
               f"{baseline + size * 0.7:.2f} l {x + size:.2f} {baseline:.2f} l S Q")
    return _rewrite(pdf or label_pdf(template), (box + "\n" + strokes).encode())


@pytest.mark.parametrize("template", builtin_template_names())
def test_an_honest_label_draws_what_cfl_draws(template: str) -> None:
    report = verify(label_pdf(template), world().context(), at=AT, source="l.pdf")
    assert report.passed, report.summary()
    agrees = next(r for r in report.rows if r.code == "label_drawing_agrees")
    assert agrees.status is Status.PASSED and repr(template) in agrees.message
    assert "重新绘制" in agrees.message_in("zh")


@pytest.mark.parametrize("template", builtin_template_names())
def test_a_value_painted_over_in_one_revision_fails(template: str) -> None:
    attacked = _value_painted_over(template)
    with LabelDocument(attacked, source="a.pdf") as document:
        assert document.revisions == 1
    report = verify(attacked, world().context(), at=AT, source="a.pdf")
    # the text layer still holds the signed figures: only the drawing gives it away
    assert "label_printed_agrees" in _codes(report, Status.PASSED)
    assert _codes(report, Status.FAILED) == ["label_drawing_differs"]
    row = next(r for r in report.rows if r.code == "label_drawing_differs")
    value = _element(template, "value")
    left, right = (float(n) for n in (row.args["left"], row.args["right"]))
    top, bottom = (float(n) for n in (row.args["top"], row.args["bottom"]))
    assert left - 2 <= value.number("x") <= right + 2
    assert top - 2 <= value.number("y") <= bottom + 10
    assert "mm from the left" in row.message and "毫米" in row.message_in("zh")


def _graded_label() -> bytes:
    """An honest standard label of a declaration graded D."""
    declaration = other_declaration()
    declaration["extensions"][0]["data"]["grade"] = {
        "class": "D", "ruleSetId": "gbt-24067-2024", "source": "illustrative thresholds",
        "illustrative": True}
    data = bundle_to_bytes(sign_bundle(declaration, world().certifier, role="certifier",
                                       at=SIGNED_AT))
    parsed = parse_bundle(data)
    text = make_claim_text(parsed, world().certifier, at=SIGNED_AT)
    return LabelRenderer(load_template("standard")).render([prepare_label(parsed, data, text)])


def test_a_recoloured_grade_fails() -> None:
    honest = _graded_label()
    assert verify(honest, world().context(), at=AT).passed
    # the scale's marked class moved from D to A: the fills swapped, the letters (and the
    # text layer's "Grade: D") kept
    contents = pypdf.PdfReader(io.BytesIO(honest)).pages[0].get_contents()
    data = contents.get_data()  # type: ignore[union-attr]
    assert data.count(b".1 g") == 1 and b".88 g" in data
    swapped = data.replace(b".88 g", b"@", 1).replace(b".1 g", b".88 g").replace(b"@", b".1 g")
    reader = pypdf.PdfReader(io.BytesIO(honest))
    writer = pypdf.PdfWriter(clone_from=reader)
    stream = DecodedStreamObject()
    stream.set_data(swapped)
    writer.pages[0][NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    report = verify(out.getvalue(), world().context(), at=AT, source="a.pdf")
    assert "label_printed_agrees" in _codes(report, Status.PASSED)
    assert _codes(report, Status.FAILED) == ["label_drawing_differs"]


def _with_record(monkeypatch: pytest.MonkeyPatch, template: str, **changes: Any) -> bytes:
    """A label whose render record says what ``changes`` say."""
    original = LabelRenderer.record

    def record(self: LabelRenderer, content: Any) -> RenderRecord:
        return dataclasses.replace(original(self, content), **changes)

    monkeypatch.setattr(LabelRenderer, "record", record)
    renderer = LabelRenderer(load_template(template))
    return renderer.render([prepare_label(bundle(), bundle_bytes(), claim_text())])


@pytest.mark.parametrize("changes", [
    {"resolver": "https://elsewhere.example/c/", "verified_by": "Someone Else"},
    {"signer_names": True}, {"languages": ("en",)}, {"qr_mask": "3"}])
def test_a_rewritten_record_does_not_let_an_attack_pass(monkeypatch: pytest.MonkeyPatch,
                                                       changes: dict[str, Any]) -> None:
    attacked = _value_painted_over("standard", _with_record(monkeypatch, "standard",
                                                            **changes))
    report = verify(attacked, world().context(), at=AT, source="a.pdf")
    assert "label_drawing_differs" in _codes(report, Status.FAILED)


def test_a_label_of_a_template_the_verifier_lacks_is_not_failed(tmp_path: Path) -> None:
    source = load_template("standard").source
    from cfl.io.resources import read_data_bytes

    assert source.startswith("templates/")
    text = read_data_bytes("templates", "standard.yaml").decode()
    custom = tmp_path / "custom.yaml"
    custom.write_text(text.replace("name: standard", "name: custom", 1), encoding="utf-8")
    template = load_template(str(custom))
    assert template.digest != load_template("standard").digest
    pdf = LabelRenderer(template).render([prepare_label(bundle(), bundle_bytes(),
                                                        claim_text())])
    report = verify(pdf, world().context(), at=AT, source="c.pdf")
    assert report.passed, report.summary()
    row = next(r for r in report.rows if r.code == "label_drawing_not_checked")
    assert row.form == "template" and "'custom'" in row.message


def test_a_label_of_another_cfl_version_is_not_compared(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    pdf = _with_record(monkeypatch, "standard", cfl_version="0.0.1")
    report = verify(pdf, world().context(), at=AT, source="v.pdf")
    assert report.passed, report.summary()
    row = next(r for r in report.rows if r.code == "label_drawing_not_checked")
    assert row.form == "version" and "0.0.1" in row.message


def test_a_label_drawn_with_another_font_is_not_compared(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    pdf = _with_record(monkeypatch, "sticker", font_sha256="0" * 64)
    report = verify(pdf, world().context(), at=AT, source="f.pdf")
    row = next(r for r in report.rows if r.code == "label_drawing_not_checked")
    assert row.form == "font"


def _page_rows(pdf: bytes, record: RenderRecord | None) -> list[Any]:
    with LabelDocument(pdf, source="l.pdf") as document:
        return drawing_rows(document.page(0), record, bundle(), bundle_bytes(), claim_text(),
                            world().context(), subject="l.pdf")


def _record_of(template: str) -> RenderRecord:
    renderer = LabelRenderer(load_template(template))
    return renderer.record(prepare_label(bundle(), bundle_bytes(), claim_text()))


def test_without_a_record_the_drawing_is_not_compared() -> None:
    [row] = _page_rows(label_pdf("standard"), None)
    assert row.code == "label_drawing_not_checked" and row.status is Status.NOT_CHECKED
    assert "records no render parameters" in row.message


def test_a_page_of_another_size_than_its_recorded_template_fails() -> None:
    [row] = _page_rows(label_pdf("sticker"), _record_of("standard"))
    assert row.code == "label_drawing_differs" and row.form == "size"


def test_the_record_states_what_the_label_was_drawn_with() -> None:
    with LabelDocument(label_pdf("standard"), source="l.pdf") as document:
        data = document.render_record()
    assert data is not None
    record = parse_render_record(data, source="l.pdf")
    template = load_template("standard")
    assert record == make_record(template, LabelRenderer(template).font,
                                 resolver=record.resolver, verified_by="",
                                 signer_names=False)
    assert record.template_sha256 == template.digest and record.time_zone == "UTC"
    assert claim_text().startswith(record.resolver)


@pytest.mark.parametrize("data", [
    b"", b"[]", b"{}", b"x" * 5000, b'{"format": "x", "format": "y"}', b"\xff",
    _record_of("standard").to_json().replace(b'"qr_mask":"', b'"qr_mask":"9'),
    _record_of("standard").to_json().replace(b'"template_sha256":"', b'"template_sha256":"A'),
    _record_of("standard").to_json().replace(b'"signer_names":false', b'"signer_names":0'),
    _record_of("standard").to_json().replace(b"}", b',"more":1}'),
    _record_of("standard").to_json().replace(b'"page_mm":[', b'"page_mm":[NaN,'),
])
def test_a_bad_record_is_refused(data: bytes) -> None:
    with pytest.raises(CflError) as caught:
        parse_render_record(data, source="l.pdf")
    assert caught.value.code == "bad_render_record"


def test_a_label_with_an_unreadable_record_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RenderRecord, "to_json", lambda self: b'{"format": 1}')
    pdf = LabelRenderer(load_template("sticker")).render(
        [prepare_label(bundle(), bundle_bytes(), claim_text())])
    report = verify(pdf, world().context(), at=AT, source="r.pdf")
    assert _codes(report, Status.FAILED) == ["bad_render_record"]
    assert RENDER_ATTACHMENT_NAME in report.rows[1].message


def test_a_qr_code_drawn_with_another_mask_fails() -> None:
    standard = load_template("standard")
    elements = tuple(
        dataclasses.replace(e, props={**e.props, "mask": (int(e.props["mask"]) + 1) % 8})
        if e.kind == "qr" else e for e in standard.elements)
    assert any(e.kind == "qr" and "mask" in e.props for e in standard.elements)
    # the same claim in the QR code (it still reads), drawn with another mask pattern
    other = dataclasses.replace(standard, elements=elements)
    pdf = LabelRenderer(other).render([prepare_label(bundle(), bundle_bytes(), claim_text())])
    report = verify(pdf, world().context(), at=AT, source="q.pdf")
    assert _codes(report, Status.FAILED) == ["label_drawing_differs"]
    row = next(r for r in report.rows if r.code == "label_drawing_differs")
    qr = _element("standard", "qr")
    assert float(row.args["left"]) >= qr.number("x") - 1


def _without_record(pdf: bytes) -> bytes:
    """``pdf`` written again in one revision without its render record (the rest kept)."""
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    tree = writer._root_object["/Names"]["/EmbeddedFiles"]  # type: ignore[index]
    names = tree["/Names"]
    at = [str(item) for item in names[::2]].index(RENDER_ATTACHMENT_NAME) * 2
    del names[at:at + 2]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_painted_label_without_its_record_is_held_back_when_the_drawing_is_required(
) -> None:
    attacked = _without_record(_value_painted_over("standard"))
    # the record is gone, so nothing says how to draw the page again: not compared ...
    lenient = verify(attacked, world().context(), at=AT, source="a.pdf")
    assert "label_drawing_not_checked" in _codes(lenient, Status.NOT_CHECKED)
    # ... and a verifier that requires the comparison does not pass it
    strict = verify(attacked, world().context(), at=AT, source="a.pdf",
                    policy=VerificationPolicy(require_drawing=True))
    assert strict.bottom_line is Status.INDETERMINATE, strict.summary()
    assert "label_drawing_required" in _codes(strict, Status.INDETERMINATE)
    assert "--require-drawing" in next(
        r for r in strict.rows if r.code == "label_drawing_required").message


@pytest.mark.parametrize("template", builtin_template_names())
def test_an_honest_label_passes_when_the_drawing_is_required(template: str) -> None:
    report = verify(label_pdf(template), world().context(), at=AT, source="l.pdf",
                    policy=VerificationPolicy(require_drawing=True))
    assert report.passed, report.summary()
    assert "label_drawing_required" not in [r.code for r in report.rows]


@pytest.mark.parametrize(("change", "code"), [
    (lambda data: data.pop("productNames"), "label_field_missing"),
    (lambda data: data.update({"gwpReport": "AR99"}), "unknown_gwp"),
    (lambda data: data["productNames"].update({"en": "\U0001f600 battery"}), "missing_glyph"),
], ids=["field", "gwp", "glyph"])
def test_a_page_cfl_cannot_draw_again_from_its_bundle_fails(change: Any, code: str) -> None:
    """A signed bundle cfl could not have drawn a label from (found by the long fuzz run: a
    re-signed declaration without a field the label prints, naming a GWP report the table
    lacks, or a character the font lacks) makes the drawing row FAILED with a registered
    code, naming the cause."""
    declaration = copy.deepcopy(bundle().declaration)
    change(declaration["extensions"][0]["data"])
    broken = dataclasses.replace(bundle(), declaration=declaration)
    with LabelDocument(label_pdf("standard"), source="l.pdf") as document:
        [made] = drawing_rows(document.page(0), _record_of("standard"), broken, bundle_bytes(),
                              claim_text(), world().context(), subject="l.pdf")
    assert made.code == "label_drawing_impossible" and made.status is Status.FAILED
    assert code in made.message and "cannot be drawn again" in made.message
    assert "无法根据其签名包" in made.message_in("zh")
