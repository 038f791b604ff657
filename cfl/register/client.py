"""Publishing files to a register over HTTP (what ``cfl publish`` does): each file is
recognised by its content member, sent to its endpoint, and the register's answer is kept
(created, unchanged, or refused with its reason codes)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from cfl.errors import CflError, InputError
from cfl.interop.pact_client import tls_verification
from cfl.io.jsonio import read_bytes
from cfl.register.publish import KIND_BUNDLE, KIND_REVOCATIONS, KIND_TRUST_LIST, document_kind
from cfl.trust.revocation import MAX_REVOCATION_BYTES

ENDPOINTS = {KIND_BUNDLE: "/api/bundles", KIND_REVOCATIONS: "/api/revocations",
             KIND_TRUST_LIST: "/api/trust-list"}
#: Trust lists first (bundles are judged by them), then revocation lists, then bundles.
ORDER = (KIND_TRUST_LIST, KIND_REVOCATIONS, KIND_BUNDLE)
MAX_FILES = 100_000


@dataclass(frozen=True)
class PublishResult:
    path: Path
    kind: str | None
    status: str  # created | unchanged | refused | error
    message: str
    reasons: tuple[str, ...] = ()
    url: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("created", "unchanged")


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
        response = http.post(base + ENDPOINTS[kind], content=data,
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
        return PublishResult(path, kind, status, str(subject), url=body.get("url"))
    reasons = tuple(str(r) for r in body.get("reasons", ()) if isinstance(r, str))
    message = str(body.get("message") or f"HTTP {response.status_code}")
    code = body.get("code")
    status = "refused" if response.status_code in (409, 422) else "error"
    if not reasons and isinstance(code, str):
        reasons = (code,)
    return PublishResult(path, kind, status, f"HTTP {response.status_code}: {message}",
                         reasons)
