"""Labels for the label tests: bundles, claims and rendered PDFs (built once, never mutated)."""

from __future__ import annotations

import copy
import functools
import uuid
from typing import Any

from signing_world import SIGNED_AT, world

from cfl.bundle.model import Bundle, parse_bundle
from cfl.bundle.sign import sign_bundle
from cfl.label.render import LabelRenderer, make_claim_text, prepare_label
from cfl.label.templates import load_template
from cfl.signing.jws import bundle_to_bytes

TEMPLATES = ("sticker", "standard", "sheet")


def other_declaration() -> dict[str, Any]:
    """Another product: new id, GTIN, names and value."""
    declaration = copy.deepcopy(world().declaration())
    declaration["id"] = str(uuid.UUID(int=0x1234))
    declaration["productIds"] = ["urn:gtin:06901234567809"]
    declaration["pcf"]["pcfExcludingBiogenicUptake"] = "60.71"
    declaration["pcf"]["pcfIncludingBiogenicUptake"] = "60.71"
    declaration["pcf"]["fossilGhgEmissions"] = "60.71"
    data = declaration["extensions"][0]["data"]
    data["stages"] = {"rawMaterial": "47.71", "production": "13.00"}
    data["gases"]["co2Fossil"] = "55"
    data["productNames"] = {"zh": "磷酸铁锂储能电池包", "en": "LFP storage pack"}
    return declaration


@functools.cache
def bundle_bytes(product: str = "battery") -> bytes:
    declaration = world().declaration() if product == "battery" else other_declaration()
    return bundle_to_bytes(sign_bundle(declaration, world().certifier, role="certifier",
                                       at=SIGNED_AT))


def bundle(product: str = "battery") -> Bundle:
    return parse_bundle(bundle_bytes(product))


@functools.cache
def claim_text(product: str = "battery") -> str:
    return make_claim_text(bundle(product), world().certifier, at=SIGNED_AT)


@functools.cache
def label_pdf(template: str, product: str = "battery") -> bytes:
    renderer = LabelRenderer(load_template(template))
    content = prepare_label(bundle(product), bundle_bytes(product), claim_text(product))
    return renderer.render([content])
