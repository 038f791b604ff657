"""Signed attestations: bound to one declaration, signed by a certifier in the trust list."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from cfl.recognition.attestation import (
    check_attestations,
    declaration_digest,
    make_attestation,
)
from cfl.recognition.engine import Outcome, Verdict, check_declaration
from cfl.signing.jws import bundle_to_bytes
from cfl.signing.keys import LocalSigner
from cfl.trust.context import TrustContext, build_trust_context
from cfl.trust.trust_list import (
    Accreditation,
    add_trust_entry,
    new_trust_list,
    sign_trust_list,
)

AT = dt.datetime(2026, 3, 15, tzinfo=dt.UTC)
ANSWERS = [
    {"requirement": "eu-battery-regulation-2023-1542/model-per-plant", "status": "met",
     "evidence": "audit report AR-1"},
    {"requirement": "eu-battery-regulation-2023-1542/notified-body", "status": "not-met",
     "evidence": "not a notified body"},
]


@pytest.fixture(scope="module")
def keys() -> dict[str, LocalSigner]:
    return {name: LocalSigner.generate("EdDSA") for name in ("operator", "certifier", "other")}


def _trust(keys: dict[str, LocalSigner], *, roles: tuple[str, ...] = ("certifier",)
           ) -> TrustContext:
    document = new_trust_list("Operator", expires=AT + dt.timedelta(days=365),
                              at=AT - dt.timedelta(days=1))
    document = add_trust_entry(
        document, keys["certifier"].public_key, name="Test CB",
        accreditation=Accreditation("CNAS", "C1"), categories=["lithium-ion-battery"],
        valid_from=AT - dt.timedelta(days=30), valid_until=AT + dt.timedelta(days=300),
        roles=list(roles))
    signed = bundle_to_bytes(sign_trust_list(document, keys["operator"],
                                             at=AT - dt.timedelta(days=1)))
    return build_trust_context(signed, anchor=keys["operator"].public_key, at=AT)


def _file(document: dict[str, Any]) -> list[tuple[str, bytes]]:
    return [("att.json", bundle_to_bytes(document))]


def test_a_trusted_attestation_answers_manual_checks(
        battery_declaration: dict[str, Any], keys: dict[str, LocalSigner]) -> None:
    document = make_attestation(battery_declaration, ANSWERS, keys["certifier"], at=AT)
    assert document["attestation"]["declaration"]["sha256"] == declaration_digest(
        battery_declaration)
    answers = check_attestations(_file(document), battery_declaration, _trust(keys))
    assert set(answers.answers) == {a["requirement"] for a in ANSWERS} and not answers.ignored
    result = check_declaration(battery_declaration, ["eu-battery-regulation-2023-1542"], at=AT,
                               attestations=answers)
    rows = {r.requirement_id: r for r in result.reports[0].rows}
    plant = rows["eu-battery-regulation-2023-1542/model-per-plant"]
    assert plant.outcome is Outcome.MET and plant.attested_by == "Test CB"
    assert "attested by Test CB" in plant.detail and "audit report AR-1" in plant.detail
    body = rows["eu-battery-regulation-2023-1542/notified-body"]
    assert body.outcome is Outcome.NOT_MET
    assert result.reports[0].verdict is Verdict.NOT_RECOGNISED


def test_an_attestation_never_settles_an_unconfirmed_rule(
        battery_declaration: dict[str, Any], keys: dict[str, LocalSigner]) -> None:
    answers = [{"requirement": "eu-battery-regulation-2023-1542/delegated-act", "status": "met",
                "evidence": "x"}]
    document = make_attestation(battery_declaration, answers, keys["certifier"], at=AT)
    checked = check_attestations(_file(document), battery_declaration, _trust(keys))
    result = check_declaration(battery_declaration, ["eu-battery-regulation-2023-1542"], at=AT,
                               attestations=checked)
    row = next(r for r in result.reports[0].rows if r.requirement_id.endswith("delegated-act"))
    assert row.outcome is Outcome.UNDETERMINABLE and "cannot settle an unconfirmed" in row.detail


@pytest.mark.parametrize("case", ["other-declaration", "changed", "untrusted", "unsigned",
                                  "tampered", "manufacturer-only", "no-trust"])
def test_attestations_that_do_not_count_are_ignored_with_a_reason(
        case: str, battery_declaration: dict[str, Any], keys: dict[str, LocalSigner]) -> None:
    signer = keys["other"] if case == "untrusted" else keys["certifier"]
    document = make_attestation(battery_declaration, ANSWERS, signer, at=AT)
    declaration = battery_declaration
    trust: TrustContext | None = _trust(keys)
    if case == "other-declaration":
        declaration = copy.deepcopy(battery_declaration)
        declaration["id"] = "00000000-0000-4000-8000-000000000000"
    elif case == "changed":
        declaration = copy.deepcopy(battery_declaration)
        declaration["pcf"]["pcfExcludingBiogenicUptake"] = "1"
    elif case == "unsigned":
        document["signatures"] = []
    elif case == "tampered":
        document["attestation"]["answers"][1]["status"] = "met"
    elif case == "manufacturer-only":
        trust = _trust(keys, roles=("manufacturer",))
    elif case == "no-trust":
        trust = None
    checked = check_attestations(_file(document), declaration, trust)
    assert not checked.answers
    assert len(checked.ignored) == 1 and checked.ignored[0].reason
    result = check_declaration(declaration, ["eu-battery-regulation-2023-1542"], at=AT,
                               attestations=checked)
    assert any("att.json ignored" in note for note in result.notes)


def test_disagreeing_certifiers_cancel_out(battery_declaration: dict[str, Any],
                                           keys: dict[str, LocalSigner]) -> None:
    trust = _trust(keys)
    flipped = [{**ANSWERS[0], "status": "not-met"}]
    files = [("a.json", bundle_to_bytes(make_attestation(battery_declaration, ANSWERS[:1],
                                                         keys["certifier"], at=AT))),
             ("b.json", bundle_to_bytes(make_attestation(battery_declaration, flipped,
                                                         keys["certifier"], at=AT)))]
    checked = check_attestations(files, battery_declaration, trust)
    assert not checked.answers and "disagree" in checked.ignored[0].reason
