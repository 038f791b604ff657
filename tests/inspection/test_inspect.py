"""``inspect_bytes`` / ``inspect_text``: what a file holds, as it states it, nothing verified."""

from __future__ import annotations

import json

import label_world
import pytest
from signing_world import world

from cfl.errors import InputError
from cfl.inspection import (
    declaration_ids,
    inspect_bytes,
    inspect_text,
    inspection_json,
    inspection_text,
)
from cfl.io.jsonio import dumps_pretty
from cfl.signing.jws import bundle_to_bytes

ID = "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"


def test_a_bundle_shows_its_declaration_and_signers() -> None:
    inspection = inspect_bytes(world().bundle_bytes(), source="b.json")
    assert inspection.kind == "signed bundle"
    fields = inspection.fields
    assert fields["id"] == ID and fields["productNames"]["zh"].startswith("磷酸铁锂")
    (signer,) = fields["signatures"]
    assert signer["role"] == "certifier" and signer["kid"] == world().certifier.kid
    assert signer["claim"]["boundToDeclaration"] is True
    text = inspection_text(inspection)
    assert text.startswith("signed bundle: b.json") and "nothing here was verified" in text
    assert inspection_json(inspection)["verified"] is False


def test_a_qr_text_and_a_file_holding_one() -> None:
    text = label_world.claim_text()
    inspection = inspect_text(text)
    assert inspection.kind == "QR claim" and inspection.fields["declarationId"]
    assert inspection.fields["resolver"].endswith("/")
    from_file = inspect_bytes((text + "\n").encode(), source="qr.txt")
    assert from_file.fields == inspection.fields


def test_a_label_pdf_shows_each_page_its_bundle_and_qr_claim() -> None:
    inspection = inspect_bytes(label_world.label_pdf("sticker"), source="l.pdf")
    assert inspection.kind == "label PDF" and inspection.fields["pages"] == 1
    (page,) = inspection.parts
    kinds = [part.kind for part in page.parts]
    assert kinds == ["signed bundle", "QR claim"]
    assert page.parts[0].fields["id"] == page.parts[1].fields["declarationId"]
    assert declaration_ids(label_world.label_pdf("sticker"), source="l.pdf") == \
        [page.parts[0].fields["id"]]
    json.dumps(inspection_json(inspection))  # plain JSON throughout


def test_declarations_and_lists() -> None:
    w = world()
    declaration = inspect_bytes(dumps_pretty(w.declaration()).encode(), source="d.json")
    assert declaration.kind == "declaration" and declaration.fields["signed"] is False
    assert declaration_ids(dumps_pretty(w.declaration()).encode(), source="d") == [ID]
    trust = inspect_bytes(w.trust_list, source="t.json")
    assert trust.kind == "trust list" and trust.fields["entries"]
    revocations = inspect_bytes(w.revocations, source="r.json")
    assert revocations.kind == "revocation list" and revocations.fields["revoked"] == []
    with pytest.raises(InputError) as info:
        declaration_ids(w.revocations, source="r.json")
    assert info.value.code == "no_declaration"


@pytest.mark.parametrize("data, expected", [
    (b"\x89PNG\r\n\x1a\n rest", "is a PNG image"),
    (b'{"x": 1}', "no kind cfl knows"),
    (b"not a thing", "not valid JSON"),
])
def test_other_input_is_named(data: bytes, expected: str) -> None:
    with pytest.raises(InputError) as info:
        inspect_bytes(data, source="x")
    assert expected in str(info.value)


def test_a_bundle_whose_claim_is_damaged_shows_the_problem() -> None:
    bundle = world().bundle()
    bundle["signatures"][0]["header"]["cfl.claim"] = "AAAA"
    inspection = inspect_bytes(bundle_to_bytes(bundle), source="b.json")
    assert "problem" in inspection.fields["signatures"][0]["claim"]
