"""A label carries its bundle's proof of disclosure as a second embedded file, which reads
back as it was written and keeps the label a plain label."""

from __future__ import annotations

from disclosure_world import disclosure

from cfl.label.readback import LabelDocument, extract_bundles
from cfl.label.render import PROOF_ATTACHMENT_NAME, render_label
from cfl.label.templates import load_template


def test_the_proof_is_embedded_beside_the_bundle_and_reads_back() -> None:
    data = disclosure()
    pdf = render_label(data.bundle, template=load_template("sticker"), proof=data.proof)
    assert extract_bundles(pdf)[PROOF_ATTACHMENT_NAME] == data.proof
    with LabelDocument(pdf, source="label.pdf") as document:
        assert document.problem() is None
        assert document.proof_bytes(0) == data.proof
        assert document.bundle_bytes(0) == data.bundle


def test_a_label_without_a_proof_has_none() -> None:
    pdf = render_label(disclosure().bundle, template=load_template("sticker"))
    with LabelDocument(pdf, source="label.pdf") as document:
        assert document.problem() is None and document.proof_bytes(0) is None
