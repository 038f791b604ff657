"""Signing a declaration: validate it, add a JWS signature and, for a certifier, issue the
compact QR claim with the same key at the same time (ADR 0025).

:func:`sign_bundle` signs one parsed document. :func:`sign_document_bytes` signs the bytes of
one file the fast way (one parse, the exact JCS fast path, headers made once per batch) and
writes the bundle with the declaration as its RFC 8785 bytes; :func:`sign_files` signs many
files in worker processes, skips outputs that already hold the same declaration signed by
the same key in the same role, and hands each signature to a ledger before its bundle is
written (ADR 0150).
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
import json
import multiprocessing
import signal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfl.bundle.ledger import signed_record
from cfl.bundle.model import read_bundle
from cfl.claim.encode import sign_claim
from cfl.claim.issue import claim_from_declaration
from cfl.declaration.rules import semantic_findings
from cfl.declaration.schema import check_declaration, fast_declaration_check
from cfl.declaration.view import cfl_extension
from cfl.errors import CflError, InputError, InvalidDeclarationError
from cfl.findings import is_blocking
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import read_bytes
from cfl.io.kinds import DECLARATION, SIGNED_BUNDLE, require_kind
from cfl.signing.b64url import b64url_decode, b64url_encode
from cfl.signing.jcs import canonical_bytes, parse_canonicalisable, plain_canonical_bytes
from cfl.signing.jws import (
    CLAIM_HEADER,
    MAX_BUNDLE_BYTES,
    ROLE_HEADER,
    ROLES,
    TYP_DECLARATION,
    SignatureEntry,
    sign_content,
    signed_document_from_json,
)
from cfl.signing.keys import JWS_ALG_BY_KEY_ALG, Signer


def sign_bundle(
    declaration_or_bundle: dict[str, Any], signer: Signer, *, role: str, at: dt.datetime,
    source: str = "<declaration>", issue_claim: bool | None = None,
    status_index: int | None = None,
) -> dict[str, Any]:
    """Validate the declaration, then return a bundle with one more signature by ``signer``.

    ``declaration_or_bundle`` is a declaration or an existing bundle; an existing bundle's
    declaration and signatures are kept exactly as they are.

    A certifier's signature also carries the compact QR claim (issued with the same key at
    the same time) in its unprotected ``cfl.claim`` header, so labels can be printed without
    the key (ADR 0025). ``issue_claim``: None (default) issues it for a certifier whenever
    the declaration carries the cfl extension (and raises if that declaration cannot carry
    one); True requires it even without the extension (an :class:`InputError` says what is
    missing); False never issues one.

    ``status_index``: the declaration's index in the certifier's status list. With it the
    claim is format 2 (ADR 0142: about 130 bytes, bound to this signature, revoked by the
    status list); without it the claim is format 1, as before. The CLI takes indexes from
    the certifier's ledger (:meth:`cfl.bundle.ledger.Ledger.reserve_status_indexes`).
    """
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}",
                         code="bad_role")
    if _looks_like_bundle(declaration_or_bundle):
        document = signed_document_from_json(declaration_or_bundle, content_key="declaration",
                                             source=source)
        declaration = document.content
        existing = [entry.to_json() for entry in document.signatures]
        for entry in document.signatures:
            if entry.kid == signer.kid and entry.role == role:
                raise InputError(f"is already signed by this key ({signer.kid}) as {role}",
                                 source=source, code="already_signed")
    else:
        declaration, existing = declaration_or_bundle, []
    _require_valid_declaration(declaration, source=source)
    payload = canonical_bytes(declaration)
    new_entry = sign_content(declaration, signer, typ=TYP_DECLARATION, at=at,
                             extra_header={ROLE_HEADER: role}, payload=payload)
    if issue_claim is not False and role == "certifier":
        claim = _issue_claim(declaration, payload, signer, at=at, source=source,
                             required=issue_claim is True, status_index=status_index,
                             signature=b64url_decode(new_entry["signature"],
                                                     what="signature"))
        if claim is not None:
            new_entry = {"protected": new_entry["protected"],
                         "header": {CLAIM_HEADER: b64url_encode(claim)},
                         "signature": new_entry["signature"]}
    return {"declaration": declaration, "signatures": [*existing, new_entry]}


def _issue_claim(declaration: dict[str, Any], payload: bytes, signer: Signer, *,
                 at: dt.datetime, source: str, required: bool, status_index: int | None,
                 signature: bytes) -> bytes | None:
    """The claim bytes (format 2 with ``status_index``, bound to ``signature``, the JWS
    signature that will carry it; format 1 without), or None for a plain PACT declaration
    (no cfl extension) unless ``required``. A cfl declaration that cannot carry a claim is
    an error, never silence."""
    if not required and cfl_extension(declaration) is None:
        return None
    try:
        claim = claim_from_declaration(declaration, digest=hashlib.sha256(payload).digest(),
                                       issuer_kid=signer.kid, at=at,
                                       status_index=status_index, signature=signature)
    except InputError as exc:
        raise InputError(f"cannot carry a QR claim: {exc.message}", source=source,
                         code=exc.code) from None
    return sign_claim(claim, signer)


def _looks_like_bundle(value: dict[str, Any]) -> bool:
    return "declaration" in value and "signatures" in value


def _require_valid_declaration(declaration: dict[str, Any], *, source: str) -> None:
    findings = check_declaration(declaration, source=source)
    if is_blocking(findings):
        raise InvalidDeclarationError(
            f"is not a valid declaration ({len(findings)} problem(s); run `cfl validate`); "
            f"first: {findings[0]}", list(findings), source=source,
        )


# --------------------------------------------------------------------------- one file, fast


@dataclass(frozen=True)
class SignedFile:
    """One signed bundle as bytes, and what the ledger records about it."""

    data: bytes
    declaration_id: str
    digest: bytes
    product: str
    signatures: int
    claim_issued: bool
    #: The status index of a format-2 claim (None: no claim, or format 1).
    status_index: int | None = None


class SigningHeaders:
    """The JWS protected header of one signer, role and time, encoded once for a batch
    (it is the same for every declaration a batch signs)."""

    def __init__(self, signer: Signer, *, role: str, at: dt.datetime) -> None:
        if role not in ROLES:
            raise InputError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}",
                             code="bad_role")
        self.signer, self.role, self.at = signer, role, at
        header = {"alg": JWS_ALG_BY_KEY_ALG[signer.alg], "kid": signer.kid, "typ": TYP_DECLARATION,
                  "iat": int(at.timestamp()), ROLE_HEADER: role}
        self.protected = b64url_encode(canonical_bytes(header))
        self._prefix = self.protected.encode("ascii") + b"."

    def entry(self, payload: bytes) -> dict[str, Any]:
        """The signature entry over ``payload`` (the declaration's JCS bytes); the same
        entry :func:`cfl.signing.jws.sign_content` makes with this header."""
        return {"protected": self.protected, "signature": b64url_encode(self.sign(payload))}

    def sign(self, payload: bytes) -> bytes:
        """The raw JWS signature over ``payload`` with this header."""
        return self.signer.sign(self._prefix + b64url_encode(payload).encode("ascii"))


def sign_document_bytes(data: bytes, signer: Signer, *, role: str, at: dt.datetime,
                        source: str = "<declaration>",
                        headers: SigningHeaders | None = None,
                        status_index: int | None = None) -> SignedFile:
    """Sign the bytes of a declaration (or add a signature to a bundle's bytes).

    The result is what :func:`sign_bundle` gives for the parsed document, written with the
    declaration as its RFC 8785 bytes (so a verifier's exact JCS fast path applies): one
    parse, the validity decided by the compiled schema and the error-only cross-field
    checks (the explaining checks run only for an invalid declaration), the header encoded
    once per batch (``headers``). ``status_index`` makes a certifier's claim format 2, as
    for :func:`sign_bundle`.
    """
    headers = headers or SigningHeaders(signer, role=role, at=at)
    value, plain = parse_canonicalisable(data, source=source, max_bytes=MAX_BUNDLE_BYTES)
    if not isinstance(value, dict):
        raise InputError("expected a JSON object (a declaration or a signed bundle)",
                         source=source, location="$", code="wrong_type")
    require_kind(value, (DECLARATION, SIGNED_BUNDLE), source=source,
                 wanted="declaration or signed bundle")
    existing: list[dict[str, Any]] = []
    if _looks_like_bundle(value):
        declaration, entries = _bundle_parts(value, source=source)
        for entry in entries:
            if entry.kid == signer.kid and entry.role == headers.role:
                raise InputError(f"is already signed by this key ({signer.kid}) as "
                                 f"{headers.role}", source=source, code="already_signed")
        existing = [entry.to_json() for entry in entries]
    else:
        declaration = value
    _require_valid_declaration_fast(declaration, source=source)
    payload = plain_canonical_bytes(declaration) if plain else canonical_bytes(declaration)
    signature = headers.sign(payload)
    new_entry: dict[str, Any] = {"protected": headers.protected,
                                 "signature": b64url_encode(signature)}
    claim_issued = False
    if headers.role == "certifier":
        claim = _issue_claim(declaration, payload, signer, at=at, source=source, required=False,
                             status_index=status_index, signature=signature)
        if claim is not None:
            new_entry = {"protected": new_entry["protected"],
                         "header": {CLAIM_HEADER: b64url_encode(claim)},
                         "signature": new_entry["signature"]}
            claim_issued = True
    signatures = [*existing, new_entry]
    product_ids = declaration.get("productIds")
    product = str(product_ids[0]) if isinstance(product_ids, list) and product_ids else ""
    return SignedFile(bundle_bytes(payload, signatures), str(declaration.get("id", "")),
                      hashlib.sha256(payload).digest(), product, len(signatures), claim_issued,
                      status_index if claim_issued else None)


def bundle_bytes(payload: bytes, signatures: Sequence[Mapping[str, Any]]) -> bytes:
    """A bundle file: the declaration as its JCS bytes ``payload`` on one line, then one
    line per signature entry (the whole is ordinary JSON that parses to the bundle)."""
    entries = ",\n    ".join(_ENTRY_ENCODER.encode(dict(entry)) for entry in signatures)
    return (b'{\n  "declaration": ' + payload + b',\n  "signatures": [\n    '
            + entries.encode("utf-8") + b"\n  ]\n}\n")


#: One signature entry on one line (the C encoder; entries hold only text).
_ENTRY_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def _bundle_parts(value: dict[str, Any], *, source: str
                  ) -> tuple[dict[str, Any], tuple[SignatureEntry, ...]]:
    """A bundle's declaration and signature entries; the envelope is checked with an empty
    declaration so the declaration's JCS bytes are computed once, by the caller."""
    declaration = value.get("declaration")
    if not isinstance(declaration, dict):
        signed_document_from_json(value, content_key="declaration", source=source)
        raise InputError("'declaration' must be a JSON object", source=source,
                         location="$.declaration", code="bad_bundle")  # pragma: no cover
    shell = dict(value)
    shell["declaration"] = {}
    document = signed_document_from_json(shell, content_key="declaration", source=source)
    return declaration, document.signatures


def _require_valid_declaration_fast(declaration: dict[str, Any], *, source: str) -> None:
    """:func:`_require_valid_declaration`, answered by the compiled schema check and the
    error-only cross-field checks when the declaration is valid (the usual case); the full,
    explaining check runs only when one of them objects, and decides."""
    if fast_declaration_check()(declaration) and not semantic_findings(declaration,
                                                                      errors_only=True):
        return
    _require_valid_declaration(declaration, source=source)


# --------------------------------------------------------------------------- many files


@dataclass(frozen=True)
class SignTask:
    """One file to sign and the bundle to write (``index``: its place in the batch)."""

    index: int
    source: Path
    target: Path


@dataclass(frozen=True)
class SignOutcome:
    """What became of one task: ``signed``, ``replaced`` (the target held something else),
    ``skipped`` (the target already holds this declaration signed by this key and role)
    or ``failed`` (``message`` says why, naming the file and the place)."""

    task: SignTask
    status: str
    declaration_id: str | None = None
    claim_issued: bool = False
    message: str | None = None
    code: str | None = None
    #: The status index of the format-2 claim issued (None: no claim, or format 1).
    status_index: int | None = None


@dataclass(frozen=True)
class BatchSignResult:
    outcomes: tuple[SignOutcome, ...]

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def failed(self) -> tuple[SignOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "failed")


#: Where signature records go before their bundles are written (a ledger's ``append``).
RecordSink = Callable[[Sequence[Mapping[str, Any]]], None]
#: Reserves a block of status indexes and returns its first (a ledger's
#: ``reserve_status_indexes`` for the signer's kid): given, a certifier's claims are format 2.
IndexReserver = Callable[[int], int]
#: Tasks a worker signs before it hands their ledger records over and writes their bundles.
CHUNK = 32


@dataclass(frozen=True)
class _BatchContext:
    headers: SigningHeaders
    record: RecordSink | None
    again: bool
    reserve: IndexReserver | None = None


def sign_files(
    tasks: Sequence[SignTask], signer: Signer, *, role: str, at: dt.datetime, jobs: int = 1,
    record: RecordSink | None = None, again: bool = False,
    on_outcome: Callable[[SignOutcome], None] | None = None,
    reserve: IndexReserver | None = None,
) -> BatchSignResult:
    """Sign every task's source into its target (atomically), ``jobs`` processes at once.

    A target that already holds the source's declaration signed by this key in this role
    (and whose signature verifies) is ``skipped`` unless ``again``: running a batch again,
    after an interruption or unchanged, signs only what is missing. Every declaration
    about to be signed is handed to ``record`` (a ledger's ``append``, which locks the file)
    before its bundle is written, a chunk at a time, in the process that signed the chunk.
    A bad input fails alone, with its message; the others are signed. ``on_outcome`` is
    called for each finished task in the calling process (progress, what to say when
    interrupted). Workers are forked, so the key is never serialised; where processes
    cannot be forked the batch runs in the calling process.

    ``reserve`` (a certifier's): each chunk reserves one block of status indexes for the
    declarations it is about to sign (after the skipped ones are known), and their claims
    are format 2; each ledger record says its ``statusIndex``.
    """
    context = _BatchContext(SigningHeaders(signer, role=role, at=at), record, again,
                            reserve if role == "certifier" else None)
    report = on_outcome or (lambda outcome: None)
    outcomes: list[SignOutcome] = []
    chunks = [list(tasks[i:i + CHUNK]) for i in range(0, len(tasks), CHUNK)]
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    if jobs <= 1 or len(chunks) < 2 or not can_fork:
        for chunk in chunks:
            for outcome in _sign_chunk(context, chunk):
                outcomes.append(outcome)
                report(outcome)
    else:
        outcomes = _sign_in_workers(context, chunks, jobs, report)
    return BatchSignResult(tuple(sorted(outcomes, key=lambda o: o.task.index)))


_worker_context: _BatchContext | None = None


def _init_worker(context: _BatchContext) -> None:
    global _worker_context
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the batch, not a worker
    _worker_context = context


def _worker_sign(chunk: list[SignTask]) -> list[SignOutcome]:
    assert _worker_context is not None
    return _sign_chunk(_worker_context, chunk)


def _sign_in_workers(context: _BatchContext, chunks: list[list[SignTask]], jobs: int,
                     report: Callable[[SignOutcome], None]) -> list[SignOutcome]:
    """The chunks signed by ``jobs`` forked workers; on an interruption the chunks being
    signed are finished (so no temporary file is left behind) and the rest cancelled."""
    global _worker_context
    _worker_context = context  # inherited by the forked workers, never pickled
    outcomes: list[SignOutcome] = []
    executor = concurrent.futures.ProcessPoolExecutor(
        max_workers=jobs, mp_context=multiprocessing.get_context("fork"),
        initializer=_init_worker, initargs=(context,))
    try:
        pending = {executor.submit(_worker_sign, chunk) for chunk in chunks}
        while pending:
            done, pending = concurrent.futures.wait(
                pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                for outcome in future.result():
                    outcomes.append(outcome)
                    report(outcome)
    except BaseException:
        executor.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        _worker_context = None
    executor.shutdown(wait=True)
    return outcomes


def _sign_chunk(context: _BatchContext, chunk: Sequence[SignTask]) -> list[SignOutcome]:
    headers = context.headers
    outcomes: list[SignOutcome] = []
    todo: list[tuple[SignTask, str, bytes, bool]] = []
    for task in chunk:
        source = "<stdin>" if str(task.source) == "-" else str(task.source)
        try:
            data = read_bytes(task.source, max_bytes=MAX_BUNDLE_BYTES)
            exists = str(task.target) != "-" and task.target.is_file()
            if exists and not context.again and _already_signed(task.target, data, headers,
                                                                source=source):
                outcomes.append(SignOutcome(task, "skipped"))
                continue
            todo.append((task, source, data, exists))
        except CflError as exc:
            outcomes.append(SignOutcome(task, "failed", message=str(exc), code=exc.code))
    first: int | None = None
    if todo and context.reserve is not None:
        try:
            first = context.reserve(len(todo))
        except CflError as exc:
            return outcomes + [SignOutcome(task, "failed", message=str(exc), code=exc.code)
                               for task, _, _, _ in todo]
    ready: list[tuple[SignTask, SignedFile, bool]] = []
    for number, (task, source, data, exists) in enumerate(todo):
        try:
            signed = sign_document_bytes(
                data, headers.signer, role=headers.role, at=headers.at, source=source,
                headers=headers, status_index=None if first is None else first + number)
            ready.append((task, signed, exists and task.target != task.source))
        except CflError as exc:
            outcomes.append(SignOutcome(task, "failed", message=str(exc), code=exc.code))
    if ready and context.record is not None:
        context.record([signed_record(declaration_id=signed.declaration_id,
                                      digest=signed.digest, product=signed.product,
                                      signed_at=headers.at, kid=headers.signer.kid,
                                      role=headers.role, status_index=signed.status_index)
                        for _, signed, _ in ready])
    for task, signed, replaced in ready:
        try:
            write_atomic(task.target, signed.data)
        except CflError as exc:
            outcomes.append(SignOutcome(task, "failed", signed.declaration_id,
                                        message=str(exc), code=exc.code))
            continue
        outcomes.append(SignOutcome(task, "replaced" if replaced else "signed",
                                    signed.declaration_id, signed.claim_issued,
                                    status_index=signed.status_index))
    return outcomes


def _already_signed(target: Path, source_data: bytes, headers: SigningHeaders, *,
                    source: str) -> bool:
    """True if ``target`` is a bundle of the same declaration as ``source_data`` with a
    verifying signature by this key in this role (anything unreadable: False)."""
    try:
        bundle = read_bundle(read_bytes(target, max_bytes=MAX_BUNDLE_BYTES), source=str(target))
        value, plain = parse_canonicalisable(source_data, source=source,
                                             max_bytes=MAX_BUNDLE_BYTES)
    except CflError:
        return False
    if not isinstance(value, dict):
        return False
    declaration = value.get("declaration") if _looks_like_bundle(value) else value
    if not isinstance(declaration, dict):
        return False
    try:
        payload = plain_canonical_bytes(declaration) if plain else canonical_bytes(declaration)
    except (CflError, TypeError, ValueError):
        return False
    if hashlib.sha256(payload).digest() != bundle.digest:
        return False
    key = headers.signer.public_key
    return any(entry.kid == headers.signer.kid and entry.role == headers.role
               and key.verify(entry.signature, entry.signing_input(bundle.payload))
               for entry in bundle.signatures)


def sign_one(data: bytes, target: Path, signer: Signer, *, role: str, at: dt.datetime,
             record: RecordSink | None = None, again: bool = False,
             source: str = "<declaration>", reserve: IndexReserver | None = None
             ) -> tuple[SignOutcome, bytes | None]:
    """Sign the bytes of one input into ``target`` (``-``: nothing is written, the bytes are
    returned for the caller to print), as :func:`sign_files` does for a file: skipped when
    ``target`` already holds it signed (unless ``again``), recorded before it is written;
    ``reserve`` gives a certifier's claim its status index (format 2). Raises
    :class:`CflError` for a bad input."""
    headers = SigningHeaders(signer, role=role, at=at)
    task = SignTask(0, Path(source), target)
    exists = str(target) != "-" and target.is_file()
    if exists and not again and _already_signed(target, data, headers, source=source):
        return SignOutcome(task, "skipped"), None
    index = reserve(1) if reserve is not None and role == "certifier" else None
    signed = sign_document_bytes(data, signer, role=role, at=at, source=source,
                                 headers=headers, status_index=index)
    if record is not None:
        record([signed_record(declaration_id=signed.declaration_id, digest=signed.digest,
                              product=signed.product, signed_at=at, kid=signer.kid,
                              role=role, status_index=signed.status_index)])
    if str(target) != "-":
        write_atomic(target, signed.data)
    status = "replaced" if exists and str(target) != source else "signed"
    return (SignOutcome(task, status, signed.declaration_id, signed.claim_issued,
                        status_index=signed.status_index), signed.data)
