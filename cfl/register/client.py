"""Publishing files to a register over HTTP (what ``cfl publish`` does): each file is
recognised by its content member, sent to its endpoint, and the register's answer is kept
(created, unchanged, or refused with its reason codes). Then the inclusion proof of each
accepted bundle is fetched from the register's log (:func:`fetch_proofs`) and written
beside the bundle (``<bundle>.tlog-proof``)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from cfl.errors import CflError, InputError
from cfl.interop.pact_client import tls_verification
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import read_bytes
from cfl.log.checkpoint import parse_checkpoint_text
from cfl.log.entries import BundleEntry, decode_entry
from cfl.log.hashing import leaf_hash, verify_inclusion
from cfl.log.note import parse_note
from cfl.log.proof import MAX_PROOF_BYTES, parse_log_proof, sidecar_path
from cfl.register.publish import (
    KIND_BUNDLE,
    KIND_REVOCATIONS,
    KIND_STATUS_LIST,
    KIND_TRUST_LIST,
    document_kind,
)
from cfl.trust.revocation import MAX_REVOCATION_BYTES

ENDPOINTS = {KIND_BUNDLE: "/api/bundles", KIND_REVOCATIONS: "/api/revocations",
             KIND_STATUS_LIST: "/api/status-lists",
             KIND_TRUST_LIST: "/api/trust-list"}
#: Trust lists first (bundles are judged by them), then revocation and status lists, then
#: bundles.
ORDER = (KIND_TRUST_LIST, KIND_REVOCATIONS, KIND_STATUS_LIST, KIND_BUNDLE)
MAX_FILES = 100_000


@dataclass(frozen=True)
class PublishResult:
    path: Path
    kind: str | None
    status: str  # created | unchanged | refused | error
    message: str
    reasons: tuple[str, ...] = ()
    url: str | None = None
    #: The declaration's digest (hex) of an accepted bundle: what its proof is asked by.
    digest: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("created", "unchanged")


@dataclass(frozen=True)
class ProofResult:
    """The inclusion proof of a published bundle: written beside it (``proof``), or not
    yet in a checkpoint (``pending``: ask again at ``url``), or not to be had (``error``)."""

    path: Path
    status: str  # written | pending | error
    message: str
    proof: Path | None = None
    url: str | None = None


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given; a folder gives its ``*.json`` files (not recursively), sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.glob("*.json") if p.is_file())
        else:
            files.append(path)
        if len(files) > MAX_FILES:
            raise InputError(f"more than {MAX_FILES} files", source=str(path),
                             code="too_many_files")
    return files


def publish_files(paths: Iterable[Path], to: str, *, verify: bool | str = True,
                  timeout: float = 60.0) -> Iterator[PublishResult]:
    """Publish every file to the register at ``to``; one result per file, in the order
    they are sent (:data:`ORDER`)."""
    if not to.startswith(("https://", "http://")):
        raise InputError(f"{to!r} is not an http(s) URL of a register", source="--to",
                         code="bad_url")
    base = to.rstrip("/")
    typed: list[tuple[Path, str | None, bytes | CflError]] = []
    for path in expand(paths):
        try:
            raw = read_bytes(path, max_bytes=MAX_REVOCATION_BYTES)
            typed.append((path, document_kind(raw, source=str(path)), raw))
        except CflError as exc:
            typed.append((path, None, exc))
    typed.sort(key=lambda item: ORDER.index(item[1]) if item[1] in ORDER else -1)
    with httpx.Client(verify=tls_verification(verify), timeout=timeout,
                      follow_redirects=False) as http:
        for path, kind, content in typed:
            if isinstance(content, CflError) or kind is None:
                yield PublishResult(path, None, "error", str(content))
                continue
            yield _send(http, base, path, kind, content)


def _send(http: httpx.Client, base: str, path: Path, kind: str, data: bytes
          ) -> PublishResult:
    try:
        # no waiting for the proof here: the proofs of all files are fetched afterwards
        response = http.post(base + ENDPOINTS[kind], content=data, params={"wait": "0"},
                             headers={"Content-Type": "application/json"})
    except httpx.HTTPError as exc:
        return PublishResult(path, kind, "error", f"{base}: {type(exc).__name__}: {exc}")
    try:
        body = json.loads(response.content[:1_000_000])
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if response.status_code in (200, 201):
        status = "created" if response.status_code == 201 else "unchanged"
        subject = body.get("title") or body.get("subject") or ""
        digest = body.get("digest") if kind == KIND_BUNDLE else None
        return PublishResult(path, kind, status, str(subject), url=body.get("url"),
                             digest=digest if isinstance(digest, str) else None)
    reasons = tuple(str(r) for r in body.get("reasons", ()) if isinstance(r, str))
    message = str(body.get("message") or f"HTTP {response.status_code}")
    code = body.get("code")
    status = "refused" if response.status_code in (409, 422) else "error"
    if not reasons and isinstance(code, str):
        reasons = (code,)
    return PublishResult(path, kind, status, f"HTTP {response.status_code}: {message}",
                         reasons)


def fetch_proofs(results: Iterable[PublishResult], to: str, *, verify: bool | str = True,
                 wait: float = 15.0, timeout: float = 60.0) -> Iterator[ProofResult]:
    """Fetch the inclusion proof of each accepted bundle from the register's log (waiting
    up to ``wait`` seconds in all for the checkpoint that includes them) and write it beside
    the bundle file (``<bundle>.tlog-proof``, replacing an older one). A proof is written
    only if it is about that bundle's declaration and leads to its checkpoint's root (the
    log's signature is checked by ``cfl verify``, against the trust list)."""
    base = to.rstrip("/")
    deadline = time.monotonic() + wait
    with httpx.Client(verify=tls_verification(verify), timeout=timeout,
                      follow_redirects=False) as http:
        for result in results:
            if not result.ok or result.digest is None:
                continue
            url = f"{base}/api/proofs/{result.digest}"
            yield _fetch_proof(http, url, result.path, result.digest, deadline)


def _fetch_proof(http: httpx.Client, url: str, path: Path, digest: str, deadline: float
                 ) -> ProofResult:
    left = max(0.0, deadline - time.monotonic())
    try:
        response = http.get(url, params={"wait": f"{min(left, 60.0):.1f}"})
    except httpx.HTTPError as exc:
        return ProofResult(path, "error", f"{url}: {type(exc).__name__}: {exc}", url=url)
    if response.status_code == 202:
        return ProofResult(path, "pending", "not in a checkpoint yet; fetch it later from "
                           f"{url}", url=url)
    if response.status_code == 404:
        return ProofResult(path, "error", f"the register's log has no entry for it ({url})",
                           url=url)
    if response.status_code != 200:
        return ProofResult(path, "error", f"{url}: HTTP {response.status_code}", url=url)
    data = response.content
    try:
        message = _check_proof(data, digest)
    except CflError as exc:
        return ProofResult(path, "error", f"{url}: the proof is refused: {exc}", url=url)
    target = sidecar_path(path)
    write_atomic(target, data)
    return ProofResult(path, "written", message, proof=target, url=url)


def _check_proof(data: bytes, digest: str) -> str:
    """What a fetched proof says (entry N, checkpoint size S), if it is about the bundle's
    declaration and its path leads to its checkpoint's root."""
    if len(data) > MAX_PROOF_BYTES:
        raise InputError(f"more than {MAX_PROOF_BYTES} bytes", code="proof_malformed")
    proof = parse_log_proof(data)
    entry = decode_entry(proof.extra or b"")
    if not isinstance(entry, BundleEntry) or entry.declaration_digest.hex() != digest:
        raise InputError("it is about another document", code="proof_entry_mismatch")
    checkpoint = parse_checkpoint_text(parse_note(proof.checkpoint).text)
    verify_inclusion(proof.index, checkpoint.size, leaf_hash(proof.extra or b""),
                     proof.inclusion, checkpoint.root_hash)
    return (f"entry {proof.index} of {checkpoint.origin} (checkpoint of {checkpoint.size} "
            "entries)")
