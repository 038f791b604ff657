"""Signed attestations: a certifier's answers to requirements that need a manual check.

Some requirements cannot be read from a declaration (an EU notified body verified it, the
footprint covers one battery model made in one plant, a programme's PCR was followed …). A
trusted certifier answers them in an **attestation**, a small JSON document signed like a
bundle (``docs/cli-recognition.md``, "Attestations")::

    {"attestation": {"version": 1,
                     "declaration": {"id": "<uuid>", "sha256": "<hex SHA-256 of its JCS bytes>"},
                     "issued": "2026-12-05T00:00:00Z",
                     "answers": [{"requirement": "eu-battery-regulation-2023-1542/model-per-plant",
                                  "status": "met", "evidence": "audit report AR-17, §4"}]},
     "signatures": [{"protected": "…", "signature": "…"}]}

Each signature is a JWS (General JSON Serialization, payload detached) over the RFC 8785
bytes of ``attestation``, with ``typ`` ``cfl-attestation+jws`` and role ``certifier``. An
attestation counts only when it is bound to the declaration checked (its id and digest), and
one of its signatures verifies with the key of a **certifier** the trust list lists, active
and valid when it signed and now. Anything else is ignored, with the reason; an answer never
decides a requirement that rests on an unconfirmed fact or that the declaration's data decides.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cfl.declaration.view import cfl_extension
from cfl.errors import InputError
from cfl.report.model import Status
from cfl.signing.jcs import canonical_bytes
from cfl.signing.jws import (
    ROLE_HEADER,
    TYP_ATTESTATION,
    parse_signed_document,
    sign_content,
    signature_problem,
    validate_content,
)
from cfl.signing.keys import Signer
from cfl.timeutil import format_time
from cfl.trust.context import TrustContext

CONTENT_KEY = "attestation"
ATTESTATION_SCHEMA = "attestation.schema.json"
#: Bound on one attestation file (a few KiB: at most 200 answers).
MAX_ATTESTATION_BYTES = 256 * 1024
#: Bound on the attestations one check reads.
MAX_ATTESTATIONS = 64
STATUSES = ("met", "not-met")


@dataclass(frozen=True)
class AttestedAnswer:
    """One requirement answered by a trusted certifier."""

    requirement: str
    met: bool
    evidence: str
    certifier: str
    kid: str
    source: str
    note: str | None = None

    def describe(self) -> str:
        status = "met" if self.met else "not met"
        return (f"{status} (attested by {self.certifier}; evidence: {self.evidence}; "
                f"{self.source})")


@dataclass(frozen=True)
class IgnoredAttestation:
    """An attestation (or one answer of it) that counts for nothing, and why."""

    source: str
    reason: str
    requirement: str | None = None

    def describe(self) -> str:
        what = f" answer for {self.requirement}" if self.requirement else ""
        return f"{self.source}{what} ignored: {self.reason}"


@dataclass(frozen=True)
class Attestations:
    """The accepted answers by requirement id, and everything ignored with its reason."""

    answers: Mapping[str, AttestedAnswer]
    ignored: tuple[IgnoredAttestation, ...] = ()

    def notes(self) -> tuple[str, ...]:
        return tuple(i.describe() for i in self.ignored)

    def to_json(self) -> dict[str, Any]:
        return {
            "accepted": [{"requirement": a.requirement, "status": "met" if a.met else "not-met",
                          "evidence": a.evidence, "certifier": a.certifier, "kid": a.kid,
                          "file": a.source} for a in self.answers.values()],
            "ignored": [{"file": i.source, "requirement": i.requirement, "reason": i.reason}
                        for i in self.ignored],
        }


NO_ATTESTATIONS = Attestations({})


def declaration_digest(declaration: Mapping[str, Any]) -> str:
    """Hex SHA-256 of the declaration's RFC 8785 (JCS) bytes: what an attestation binds to."""
    return hashlib.sha256(canonical_bytes(dict(declaration))).hexdigest()


def attestation_content(declaration: Mapping[str, Any], answers: Sequence[Mapping[str, Any]],
                        *, at: dt.datetime, illustrative: bool = False) -> dict[str, Any]:
    """The content of an attestation of ``answers`` (``requirement``, ``status``,
    ``evidence``, optional ``note``) bound to ``declaration``; bad answers raise."""
    declaration_id = declaration.get("id")
    if not isinstance(declaration_id, str):
        raise InputError("the declaration has no id to bind the attestation to",
                         location="$.id", code="not_a_declaration")
    content: dict[str, Any] = {
        "version": 1,
        "declaration": {"id": declaration_id, "sha256": declaration_digest(declaration)},
        "issued": format_time(at),
        "answers": [dict(a) for a in answers],
    }
    if illustrative:
        content["illustrative"] = True
    validate_content(content, schema_name=ATTESTATION_SCHEMA, source="<answers>",
                     root=CONTENT_KEY)
    seen: set[str] = set()
    for i, answer in enumerate(content["answers"]):
        if answer["requirement"] in seen:
            raise InputError(f"answers {answer['requirement']} twice", source="<answers>",
                             location=f"$.attestation.answers[{i}]", code="duplicate_answer")
        seen.add(answer["requirement"])
    return content


def sign_attestation(content: dict[str, Any], signer: Signer, *, at: dt.datetime
                     ) -> dict[str, Any]:
    """The signed attestation document: ``content`` signed by ``signer`` as a certifier."""
    signature = sign_content(content, signer, typ=TYP_ATTESTATION, at=at,
                             extra_header={ROLE_HEADER: "certifier"})
    return {CONTENT_KEY: content, "signatures": [signature]}


def make_attestation(declaration: Mapping[str, Any], answers: Sequence[Mapping[str, Any]],
                     signer: Signer, *, at: dt.datetime, illustrative: bool = False
                     ) -> dict[str, Any]:
    """:func:`attestation_content` signed with :func:`sign_attestation`."""
    content = attestation_content(declaration, answers, at=at, illustrative=illustrative)
    return sign_attestation(content, signer, at=at)


def _one(data: bytes, source: str, declaration: Mapping[str, Any], digest: str,
         trust: TrustContext) -> tuple[list[AttestedAnswer], list[IgnoredAttestation]]:
    def ignored(reason: str) -> tuple[list[AttestedAnswer], list[IgnoredAttestation]]:
        return [], [IgnoredAttestation(source, reason)]

    try:
        document = parse_signed_document(data, content_key=CONTENT_KEY, source=source,
                                         max_bytes=MAX_ATTESTATION_BYTES)
        validate_content(document.content, schema_name=ATTESTATION_SCHEMA, source=source,
                         root=CONTENT_KEY)
    except InputError as exc:
        return ignored(f"not an attestation cfl can read ({exc.location or '$'}: {exc.message})")
    content = document.content
    bound = content["declaration"]
    if bound["id"] != declaration.get("id"):
        return ignored(f"it is about declaration {bound['id']}, not {declaration.get('id')}")
    if bound["sha256"] != digest:
        return ignored("it is bound to another version of this declaration (its SHA-256 "
                       "differs from the digest of the declaration checked)")
    if not document.signatures:
        return ignored("it is unsigned")
    if trust.trust_list is None:
        why = "; ".join(r.message for r in trust.rows if r.status is not Status.PASSED) or \
            "no trust list was given"
        return ignored(f"no trust list was accepted, so no signer can be trusted ({why})")
    reasons: list[str] = []
    for entry in document.signatures:
        listed = trust.find(entry.kid)
        if listed is None:
            reasons.append(f"key {entry.kid} is not in the trust list")
            continue
        if not listed.has_role("certifier") or entry.role != "certifier":
            reasons.append(f"{listed.name} did not sign as a certifier listed as one")
            continue
        problem = signature_problem(entry, document.payload, listed.public_key,
                                    typ=TYP_ATTESTATION)
        if problem is not None:
            reasons.append(f"the signature of {listed.name} is not valid ({problem[1]})")
            continue
        if listed.status != "active":
            reasons.append(f"{listed.name} is {listed.status} in the trust list")
            continue
        if not listed.valid_at(entry.signed_at) or not listed.valid_at(trust.at):
            reasons.append(f"{listed.name} is listed only from {listed.window_text}, not at "
                           f"the signing time {format_time(entry.signed_at)} and now")
            continue
        category = _category(declaration)
        if listed.scope_categories and category not in listed.scope_categories:
            reasons.append(f"{listed.name} is not accredited for product category {category}")
            continue
        answers = [AttestedAnswer(a["requirement"], a["status"] == "met", a["evidence"],
                                  listed.name, listed.kid, source, a.get("note"))
                   for a in content["answers"]]
        return answers, []
    return ignored("; ".join(reasons))


def _category(declaration: Mapping[str, Any]) -> str:
    data = cfl_extension(declaration)
    category = data.get("productCategory") if data else None
    return category if isinstance(category, str) else "(none)"


def check_attestations(files: Sequence[tuple[str, bytes]], declaration: Mapping[str, Any],
                       trust: TrustContext | None) -> Attestations:
    """The answers of ``files`` (name, bytes) that count for ``declaration`` under ``trust``.

    Never raises for a bad attestation: it is ignored with its reason. Two trusted answers
    that disagree on one requirement are both ignored.
    """
    if len(files) > MAX_ATTESTATIONS:
        raise InputError(f"{len(files)} attestations given; at most {MAX_ATTESTATIONS} are read",
                         code="too_many_attestations")
    answers: dict[str, AttestedAnswer] = {}
    ignored: list[IgnoredAttestation] = []
    if files and trust is None:
        return Attestations({}, tuple(IgnoredAttestation(
            name, "no trust list and anchor were given (--trust, --anchor), so no signer can "
            "be trusted") for name, _ in files))
    digest = declaration_digest(declaration)
    conflicts: set[str] = set()
    for name, data in files:
        assert trust is not None
        accepted, refused = _one(data, name, declaration, digest, trust)
        ignored.extend(refused)
        for answer in accepted:
            earlier = answers.get(answer.requirement)
            if earlier is not None and earlier.met != answer.met:
                conflicts.add(answer.requirement)
            answers.setdefault(answer.requirement, answer)
    for requirement in sorted(conflicts):
        answer = answers.pop(requirement)
        ignored.append(IgnoredAttestation(
            answer.source, "trusted certifiers disagree on it (met and not met)", requirement))
    return Attestations(answers, tuple(ignored))
