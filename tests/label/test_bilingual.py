"""Labels in both languages: every printed value in Chinese and English (from the message
catalogues), the stage chart named and with its unit, no grade scale without a grade,
signers named from the trust list, one precision for every kg CO₂e figure."""

from __future__ import annotations

import copy
import io
from decimal import Decimal
from typing import Any

import label_world
import pypdf
import pytest
from signing_world import SIGNED_AT, world

from cfl.bundle.model import parse_bundle
from cfl.bundle.sign import sign_bundle
from cfl.label.render import (
    LabelRenderer,
    decimal_places,
    figure,
    in_languages,
    make_claim_text,
    prepare_label,
)
from cfl.label.templates import load_messages, load_template
from cfl.signing.jws import bundle_to_bytes


def text_of(pdf: bytes) -> str:
    return str(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text())


def render(declaration: dict[str, Any], template: str, *,
           signer_names: dict[str, tuple[str, str]] | None = None,
           cosign: bool = False) -> str:
    bundle = sign_bundle(declaration, world().certifier, role="certifier", at=SIGNED_AT)
    if cosign:
        bundle = sign_bundle(bundle, world().other_certifier, role="manufacturer",
                             at=SIGNED_AT)
    data = bundle_to_bytes(bundle)
    parsed = parse_bundle(data)
    claim = make_claim_text(parsed, world().certifier, at=SIGNED_AT)
    content = prepare_label(parsed, data, claim, signer_names=signer_names)
    return text_of(LabelRenderer(load_template(template)).render([content]))


def test_every_coded_value_is_printed_in_both_languages() -> None:
    text = text_of(label_world.label_pdf("sheet"))
    for both in ("锂离子电池 Lithium-ion battery", "从摇篮到大门 cradle to gate",
                 "千瓦时 kWh", "合理保证 reasonable", "基于位置 location-based",
                 "未分级 not graded", "核查机构 certifier"):
        assert both in text, both
    assert "kg CO₂e/千瓦时 kWh" in text_of(label_world.label_pdf("sticker"))


def test_the_stage_chart_is_named_in_both_languages_with_its_unit() -> None:
    text = text_of(label_world.label_pdf("standard"))
    assert "生命周期各阶段 Life-cycle stages (kg CO₂e/千瓦时 kWh)" in text
    assert "原材料获取 Raw materials" in text and "生产 Production" in text


def test_units_of_more_than_one_piece_and_pieces() -> None:
    declaration = copy.deepcopy(world().declaration())
    declaration["pcf"]["declaredUnitOfMeasurement"] = "piece"
    text = render(declaration, "standard")
    assert "kg CO₂e/件 piece" in text
    declaration["pcf"]["declaredUnitOfMeasurement"] = "kilogram"
    declaration["pcf"]["declaredUnitAmount"] = "1000"
    declaration["pcf"]["productMassPerDeclaredUnit"] = "1000"
    assert "kg CO₂e / 1000 千克 kg" in render(declaration, "standard")


def _graded() -> dict[str, Any]:
    declaration = copy.deepcopy(world().declaration())
    declaration["extensions"][0]["data"]["grade"] = {
        "class": "B", "ruleSetId": "gbt-24067-2024", "illustrative": True,
        "source": "illustrative thresholds for the test"}
    return declaration


def test_the_grade_scale_is_drawn_only_for_a_graded_declaration() -> None:
    ungraded = text_of(label_world.label_pdf("standard"))
    graded = render(_graded(), "standard")
    scale = ["A", "B", "C", "D", "E"]
    assert all(line not in ungraded.splitlines() for line in scale)
    assert all(line in graded.splitlines() for line in scale)
    assert "B (示例阈值 illustrative thresholds)" in graded


def test_one_precision_for_every_kg_co2e_figure() -> None:
    text = text_of(label_world.label_pdf("sheet"))
    lines = text.splitlines()
    assert "55.71" in lines  # the headline, as signed
    assert "13.00" in lines  # a stage: the headline's two places
    total = lines.index("合计 Total")
    assert lines[total + 1] == "55.71"  # the gas total: the same places as the headline
    assert "2.98" in lines and "50.00" in lines  # each gas's kg CO₂e, too
    assert figure(Decimal("2.98"), 2) == "2.98" and figure(Decimal("0.125"), 2) == "0.13"
    assert figure(Decimal("-0.001"), 2) == "0.00" and figure(Decimal("1500"), 0) == "1500"
    assert decimal_places(Decimal("0.1200")) == 4 and decimal_places(Decimal("1500")) == 0


def test_signers_are_named_from_the_trust_list_never_by_the_declarations_text() -> None:
    w = world()
    body = w.declaration()["extensions"][0]["data"]["verification"]["bodyName"]
    names = {w.certifier.kid: ("Listed CB", "CNAS:CNAS-C999"),
             w.other_certifier.kid: ("Listed Maker Co.", "USCC:X")}
    listed = render(w.declaration(), "sheet", signer_names=names, cosign=True)
    assert "Listed CB" in listed and "Listed Maker Co." in listed
    assert "生产者 manufacturer" in listed and "未注明名称" not in listed
    assert body not in listed.replace("\n", " ")
    declared = render(w.declaration(), "sheet", cosign=True)
    # the manufacturer's own company name is marked as declared; the certifier is not named
    assert "Example Battery Co., Ltd. (illustrative) (声明所述 as declared)" in \
        declared.replace("\n", " ")
    assert body not in declared.replace("\n", " ") and "未注明名称" in declared
    for template in ("standard", "sticker"):
        shown = render(w.declaration(), template, cosign=True).replace("\n", " ")
        assert body not in shown
        assert "Listed CB" in render(w.declaration(), template, signer_names=names,
                                     cosign=True).replace("\n", " ") or template == "sticker"
    missing = render(w.declaration(), "sheet", signer_names={}, cosign=True)
    assert "不在信任列表中 not in the trust list" in missing.replace("\n", " ")


def test_messages_in_several_languages_are_joined_once_each() -> None:
    messages = load_messages()
    assert in_languages(messages, "boundary.cradle-to-gate", ("zh", "en")) == \
        "从摇篮到大门 cradle to gate"
    assert in_languages(messages, "ruleset.gbt-24067-2024", ("zh", "en")) == "GB/T 24067-2024"
    assert in_languages(messages, "unit.piece", ("en",)) == "piece"


@pytest.mark.parametrize("template", ["standard", "sheet", "sticker"])
def test_a_template_can_print_values_in_one_language(template: str, tmp_path: Any) -> None:
    source = load_template(template).source
    from cfl.io.resources import read_data_bytes

    text = read_data_bytes("templates", f"{template}.yaml").decode("utf-8")
    own = tmp_path / f"{template}.yaml"
    own.write_text(text.replace("language: zh", "language: zh\nlanguages: [en]"), "utf-8")
    assert source
    parsed = load_template(str(own))
    assert parsed.languages == ("en",)
    content = prepare_label(label_world.bundle(), label_world.bundle_bytes(),
                            label_world.claim_text())
    rendered = text_of(LabelRenderer(parsed).render([content]))
    assert "kg CO₂e/kWh" in rendered and "千瓦时" not in rendered
