"""A small signing world for the signing tests: operator, certifiers, trust list, bundles.

Built once per test session (keys are slow enough to matter over hundreds of tests) and
never mutated: tests derive altered copies.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfl.bundle.sign import sign_bundle
from cfl.claim.text import DEFAULT_RESOLVER
from cfl.io.jsonio import load_json_file
from cfl.signing.jws import bundle_to_bytes
from cfl.signing.keys import LocalSigner
from cfl.trust.context import TrustContext, load_trust_context
from cfl.trust.revocation import revoke
from cfl.trust.store import MemoryTrustStore, TrustStore
from cfl.trust.trust_list import Accreditation, add_trust_entry, new_trust_list, sign_trust_list

TESTS = Path(__file__).resolve().parent
FIXTURE = TESTS / "fixtures" / "declarations" / "battery-pack.json"

#: Signing time of everything in the world; verification happens a month later.
SIGNED_AT = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
AT = dt.datetime(2026, 4, 10, tzinfo=dt.UTC)
DECLARATION_ID = "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"


@dataclass(frozen=True)
class World:
    operator: LocalSigner
    certifier: LocalSigner          # Ed25519, scope lithium-ion-battery
    certifier_es256: LocalSigner    # ES256, scope lithium-ion-battery, rule set gbt-24067-2024
    other_certifier: LocalSigner    # Ed25519, trusted, scope cement only
    future_certifier: LocalSigner   # Ed25519, valid only from 2027
    expired_certifier: LocalSigner  # Ed25519, valid only until 2026-01-01
    stranger: LocalSigner           # not in the trust list
    trust_list_document: dict[str, Any]
    trust_list: bytes
    revocations: bytes              # certifier's empty revocation list

    def declaration(self) -> dict[str, Any]:
        value = load_json_file(FIXTURE)
        assert isinstance(value, dict)
        return value

    def bundle(self, signer: LocalSigner | None = None, *, role: str = "certifier",
               at: dt.datetime = SIGNED_AT) -> dict[str, Any]:
        return sign_bundle(self.declaration(), signer or self.certifier, role=role, at=at)

    def bundle_bytes(self, signer: LocalSigner | None = None, *, role: str = "certifier",
                     at: dt.datetime = SIGNED_AT) -> bytes:
        return bundle_to_bytes(self.bundle(signer, role=role, at=at))

    def context(self, *, trust_list: bytes | None = None, at: dt.datetime = AT,
                revocations: tuple[bytes, ...] | None = None,
                store: TrustStore | None = None) -> TrustContext:
        return load_trust_context(
            self.trust_list if trust_list is None else trust_list,
            anchor=self.operator.public_key, at=at, store=store or MemoryTrustStore(),
            revocations=(self.revocations,) if revocations is None else revocations,
        )


def _entry(document: dict[str, Any], signer: LocalSigner, name: str, categories: list[str],
           *, rule_sets: tuple[str, ...] = (), valid_from: dt.datetime,
           valid_until: dt.datetime) -> dict[str, Any]:
    return add_trust_entry(document, signer.public_key, name=name,
                           accreditation=Accreditation("CNAS", f"CNAS-{name}"),
                           categories=categories, rule_sets=rule_sets,
                           valid_from=valid_from, valid_until=valid_until)


@functools.cache
def world() -> World:
    operator = LocalSigner.generate("EdDSA")
    certifier = LocalSigner.generate("EdDSA")
    certifier_es256 = LocalSigner.generate("ES256")
    other = LocalSigner.generate("EdDSA")
    future = LocalSigner.generate("EdDSA")
    expired = LocalSigner.generate("EdDSA")
    stranger = LocalSigner.generate("EdDSA")
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(2028, 1, 1, tzinfo=dt.UTC)
    doc = new_trust_list("Test scheme operator", expires=dt.datetime(2026, 12, 31, tzinfo=dt.UTC),
                         at=SIGNED_AT, resolver=DEFAULT_RESOLVER)
    doc = _entry(doc, certifier, "C1", ["lithium-ion-battery"], valid_from=start,
                 valid_until=end)
    doc = _entry(doc, certifier_es256, "C2", ["lithium-ion-battery", "pv-module"],
                 rule_sets=("gbt-24067-2024",), valid_from=start, valid_until=end)
    doc = _entry(doc, other, "C3", ["cement"], valid_from=start, valid_until=end)
    doc = _entry(doc, future, "C4", ["lithium-ion-battery"],
                 valid_from=dt.datetime(2027, 1, 1, tzinfo=dt.UTC), valid_until=end)
    doc = _entry(doc, expired, "C5", ["lithium-ion-battery"],
                 valid_from=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
                 valid_until=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    signed = sign_trust_list(doc, operator, at=SIGNED_AT)
    # current all year, so checks at later times are not revocation_stale
    revocations = bundle_to_bytes(revoke(None, certifier, declaration_id=None, reason=None,
                                         at=SIGNED_AT, next_update=dt.timedelta(days=366)))
    return World(operator, certifier, certifier_es256, other, future, expired, stranger,
                 signed, bundle_to_bytes(signed), revocations)


def codes(report: Any, status: str = "FAILED") -> list[str]:
    """Reason codes of the rows with ``status`` in a report."""
    return [row.code for row in report.rows if row.status.value == status]
