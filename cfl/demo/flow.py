"""The whole cfl flow on the demo declarations: keys, trust list, signing, labels,
verification and recognition — what ``cfl demo`` runs after :func:`cfl.demo.data.build_demo`.

Every step uses the same library calls as the individual commands, so the demo is also an
end-to-end check of them. Keys are real and encrypted. Their passphrase is the user's
``CFL_KEY_PASSPHRASE`` when set (never written anywhere); otherwise a random one is made and
written beside the keys (mode 0600) so the other commands can be tried on the demo folder —
acceptable for illustrative keys only, never for a real certification body.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cfl.bundle.ledger import Ledger, default_ledger_path, signed_record
from cfl.bundle.model import parse_bundle
from cfl.bundle.sign import sign_bundle
from cfl.claim.text import DEFAULT_RESOLVER
from cfl.demo.data import DemoResult, build_demo
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import dumps_pretty, load_json_file
from cfl.label.render import render_label
from cfl.label.templates import builtin_template_names, load_template
from cfl.recognition.actions import result_json_with_actions
from cfl.recognition.attestation import NO_ATTESTATIONS, check_attestations, make_attestation
from cfl.recognition.engine import RecognitionResult, check_declaration
from cfl.recognition.grading import GradeResult, grade_declaration
from cfl.recognition.html_report import CheckedDeclaration, render_html_report
from cfl.report.model import VerificationReport
from cfl.signing.jws import bundle_to_bytes
from cfl.signing.keys import LocalSigner, write_key_pair
from cfl.trust.context import load_trust_context
from cfl.trust.revocation import revoke
from cfl.trust.status_list import issue_status_list, size_for
from cfl.trust.store import MemoryTrustStore
from cfl.trust.trust_list import Accreditation, add_trust_entry, new_trust_list, sign_trust_list
from cfl.verification.bundle_check import verify_bundle
from cfl.verification.label_check import verify_label
from cfl.web.page import build_page

OPERATOR_NAME = "Demo Label Scheme Operator (illustrative)"
CERTIFIER_NAME = "Demo Certification Body (illustrative)"
CERTIFIER_ACCREDITATION = Accreditation("CNAS", "CNAS-C000-T")
DEMO_RULE_SET = "gbt-24067-2024"
#: The demo certifier's signed answers to manual checks about the battery (illustrative).
DEMO_ATTESTED_CATEGORY = "lithium-ion-battery"
DEMO_ANSWERS = (
    {"requirement": "eu-battery-regulation-2023-1542/model-per-plant", "status": "met",
     "evidence": "site audit report DEMO-AR-001, section 4 (illustrative)"},
    {"requirement": "eu-battery-regulation-2023-1542/notified-body", "status": "not-met",
     "evidence": "the verifier is a CNAS-accredited body, not an EU notified body (illustrative)"},
    {"requirement": "cn-miit-traction-battery-2025/rated-energy-above-2-kwh", "status": "met",
     "evidence": "nameplate: 60 kWh rated energy (illustrative)"},
    {"requirement": "cn-cfp-label-certification-2025/product-specific-rules", "status": "met",
     "evidence": "certification file DEMO-CF-001 (illustrative)"},
)


@dataclass(frozen=True)
class DemoRun:
    """What ``cfl demo`` made, and what verifying and checking it found."""

    data: DemoResult
    passphrase_file: Path | None
    operator_dir: Path
    certifier_dir: Path
    trust_list: Path
    revocations: Path
    grades: dict[str, GradeResult]
    bundles: dict[str, Path]
    labels: dict[str, dict[str, Path]]
    page: Path
    verification: dict[Path, VerificationReport]
    recognition: dict[str, RecognitionResult]
    #: The certifier's signed status list (its claims are format 2, ADR 0142).
    status_list: Path | None = None

    @property
    def all_verified(self) -> bool:
        return all(report.passed for report in self.verification.values())


def _passphrase(keys_dir: Path) -> tuple[bytes, Path | None]:
    """The demo keys' passphrase and where it was written.

    ``CFL_KEY_PASSPHRASE``, when set, is the user's own: it is used and never written anywhere
    (the file is ``None``). Otherwise a fresh random passphrase is made for the demo keys and
    written beside them with mode 0600, so the other commands can be tried on the demo folder.
    """
    own = os.environ.get("CFL_KEY_PASSPHRASE")
    if own:
        return own.encode("utf-8"), None
    text = secrets.token_urlsafe(24)
    path = keys_dir / "demo-passphrase.txt"
    write_atomic(path, text + "\n", mode=0o600)
    return text.encode("utf-8"), path


def run_demo(out_dir: Path, *, at: dt.datetime) -> DemoRun:
    """Build the demo data under ``out_dir`` and run every step of the flow on it."""
    data = build_demo(out_dir, at=at)
    keys_dir = out_dir / "keys"
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    passphrase, passphrase_file = _passphrase(keys_dir)

    operator = LocalSigner.generate("EdDSA")
    certifier = LocalSigner.generate("EdDSA")
    operator_dir, certifier_dir = keys_dir / "operator", keys_dir / "certifier"
    write_key_pair(operator_dir, operator, passphrase, overwrite=True)
    write_key_pair(certifier_dir, certifier, passphrase, overwrite=True)

    trust_dir = out_dir / "trust"
    trust_dir.mkdir(parents=True, exist_ok=True)
    # the demo's labels carry the placeholder resolver: the demo scheme names it (ADR 0138)
    document = new_trust_list(OPERATOR_NAME, expires=at + dt.timedelta(days=365), at=at,
                              resolver=DEFAULT_RESOLVER)
    document = add_trust_entry(
        document, certifier.public_key, name=CERTIFIER_NAME,
        accreditation=CERTIFIER_ACCREDITATION, categories=sorted(data.declarations),
        rule_sets=[DEMO_RULE_SET], valid_from=at - dt.timedelta(days=30),
        valid_until=at + dt.timedelta(days=3 * 365),
    )
    trust_bytes = bundle_to_bytes(sign_trust_list(document, operator, at=at))
    trust_list = trust_dir / "trust-list.json"
    write_atomic(trust_list, trust_bytes)
    revocation_bytes = bundle_to_bytes(
        revoke(None, certifier, declaration_id=None, reason=None, at=at))
    revocations = trust_dir / "revocations.json"
    write_atomic(revocations, revocation_bytes)

    bundles_dir = out_dir / "bundles"
    bundles_dir.mkdir(parents=True, exist_ok=True)
    bundles: dict[str, Path] = {}
    graded_dir = out_dir / "graded"
    graded_dir.mkdir(parents=True, exist_ok=True)
    grades: dict[str, GradeResult] = {}
    # the certifier's ledger hands out status indexes, as cfl sign does: format-2 claims
    ledger = Ledger(default_ledger_path(certifier_dir))
    first_index = ledger.reserve_status_indexes(certifier.kid, len(data.declarations), at=at)
    for number, (category, declaration_path) in enumerate(data.declarations.items()):
        # grading comes before signing, so the class reaches the claim and the label
        grade = grade_declaration(load_json_file(declaration_path), DEMO_RULE_SET, at=at)
        grades[category] = grade
        write_atomic(graded_dir / f"{category}.json", dumps_pretty(grade.declaration))
        bundle = sign_bundle(grade.declaration, certifier, role="certifier", at=at,
                             status_index=first_index + number)
        path = bundles_dir / f"{category}.json"
        write_atomic(path, bundle_to_bytes(bundle))
        ledger.append([signed_record(
            declaration_id=str(grade.declaration["id"]),
            digest=parse_bundle(bundle_to_bytes(bundle)).digest,
            product=str(grade.declaration["productIds"][0]), signed_at=at, kid=certifier.kid,
            role="certifier", status_index=first_index + number)])
        bundles[category] = path
    # … and publishes its status list, so those claims can be checked for revocation
    status_bytes = bundle_to_bytes(issue_status_list(
        certifier, size=size_for(first_index + len(data.declarations) - 1), revoked=(),
        version=1, at=at))
    status_list = trust_dir / "status-list.json"
    write_atomic(status_list, status_bytes)

    trust = load_trust_context(trust_bytes, anchor=operator.public_key, at=at,
                               store=MemoryTrustStore(), revocations=[revocation_bytes],
                               status_lists=[status_bytes], source=str(trust_list))
    # labels name their signers as the accepted trust list does
    names = {} if trust.trust_list is None else {
        entry.kid: (entry.name, str(entry.accreditation)) for entry in trust.trust_list.entries}
    labels = _render_labels(out_dir / "labels", bundles, names)
    verification = {path: verify_bundle(path.read_bytes(), trust, at=at, source=str(path))
                    for path in bundles.values()}
    for by_template in labels.values():
        for path in by_template.values():
            verification[path] = verify_label(path.read_bytes(), trust, at=at, source=str(path))
    attestations_dir = out_dir / "attestations"
    attestations_dir.mkdir(parents=True, exist_ok=True)
    attested = grades[DEMO_ATTESTED_CATEGORY].declaration
    attestation = attestations_dir / f"{DEMO_ATTESTED_CATEGORY}.json"
    write_atomic(attestation, bundle_to_bytes(make_attestation(
        attested, DEMO_ANSWERS, certifier, at=at, illustrative=True)))
    answers = check_attestations([(str(attestation), attestation.read_bytes())], attested, trust)
    recognition = {category: check_declaration(
        grade.declaration, at=at,
        attestations=answers if category == DEMO_ATTESTED_CATEGORY else NO_ATTESTATIONS)
        for category, grade in grades.items()}
    page = out_dir / "site" / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(page, build_page(trust_bytes, anchor=operator.public_key,
                                  revocations=[revocation_bytes], status_lists=[status_bytes],
                                  at=at, source=str(trust_list)))
    run = DemoRun(data, passphrase_file, operator_dir, certifier_dir, trust_list, revocations,
                  grades, bundles, labels, page, verification, recognition, status_list)
    _write_reports(out_dir / "reports", run)
    return run


def _render_labels(labels_dir: Path, bundles: dict[str, Path],
                   names: dict[str, tuple[str, str]]) -> dict[str, dict[str, Path]]:
    """A label in every built-in template for every bundle, with the claim issued at signing
    and the signers named as the trust list (``names``: kid → name, accreditation) does."""
    labels_dir.mkdir(parents=True, exist_ok=True)
    templates = {name: load_template(name) for name in builtin_template_names()}
    labels: dict[str, dict[str, Path]] = {}
    for category, bundle_path in bundles.items():
        data = bundle_path.read_bytes()
        labels[category] = {}
        for name, template in templates.items():
            path = labels_dir / f"{category}-{name}.pdf"
            write_atomic(path, render_label(data, template=template, source=str(bundle_path),
                                               signer_names=names))
            labels[category][name] = path
    return labels


def _write_reports(reports_dir: Path, run: DemoRun) -> None:
    reports_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(reports_dir / "verification.json", dumps_pretty(
        {str(path): report.to_json() for path, report in run.verification.items()}))
    write_atomic(reports_dir / "recognition.json", dumps_pretty(
        {category: result_json_with_actions(result)
         for category, result in run.recognition.items()}))
    write_atomic(reports_dir / "recognition.html", render_html_report([
        CheckedDeclaration(f"graded/{category}.json", run.grades[category].declaration, result)
        for category, result in run.recognition.items()]))
