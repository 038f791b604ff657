"""The register's transparency log over HTTP: ``/log/checkpoint``, ``/log/tile/…`` (C2SP
tlog-tiles: tiles and entry bundles, full ones immutable), ``/api/proofs/<digest>`` (the
tlog-proof of a logged document), and the log part of a publish answer."""

from __future__ import annotations

import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cfl.errors import InputError
from cfl.register.transparency import LogProofAnswer, RegisterLog

#: Full tiles and entry bundles never change.
IMMUTABLE = "public, max-age=31536000, immutable"
#: A partial tile is replaced by a wider one as the log grows.
PARTIAL = "public, max-age=60"
#: The checkpoint changes every few seconds while the log grows.
CHECKPOINT = "public, max-age=5"
#: The longest a request may ask to wait for a checkpoint (``?wait=SECONDS``).
MAX_WAIT_SECONDS = 60.0
TEXT = "text/plain; charset=utf-8"
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
#: A format-2 claim's binding (hex): the proof of its declaration is asked by it too.
_BINDING = re.compile(r"^[0-9a-f]{32}$")


def _log(request: Request) -> RegisterLog:
    log: RegisterLog | None = request.app.state.register.log
    if log is None:
        raise HTTPException(404, "this register keeps no transparency log")
    return log


def wait_seconds(request: Request, default: float) -> float:
    """The ``wait`` query parameter (seconds, 0 to 60), or ``default``."""
    text = request.query_params.get("wait")
    if text is None:
        return default
    try:
        value = float(text[:12])
    except ValueError:
        value = -1.0
    if not 0 <= value <= MAX_WAIT_SECONDS:
        raise InputError(f"wait must be a number of seconds from 0 to {MAX_WAIT_SECONDS:g}",
                         code="bad_wait")
    return value


async def _answer(log: RegisterLog, digest: str, wait: float) -> LogProofAnswer | None:
    answer = await run_in_threadpool(log.proof, digest)
    if answer is not None and answer.proof is None and wait > 0:
        await log.wait_for_size(answer.index + 1, wait)
        answer = await run_in_threadpool(log.proof, digest)
    return answer


async def disclosure_log(request: Request, log: RegisterLog, digest: str,
                         wait: float) -> dict[str, Any] | None:
    """What a publish answer says about the log: the entry's index, where its proof is, and
    the proof itself once a checkpoint includes the entry (waiting at most ``wait``)."""
    answer = await _answer(log, digest, wait)
    if answer is None:
        return None
    base = request.app.state.register.base(request)
    body: dict[str, Any] = {"origin": log.origin, "index": answer.index,
                            "proofUrl": f"{base}/api/proofs/{digest}"}
    if answer.proof is not None:
        body["checkpointSize"] = answer.checkpoint_size
        body["proof"] = answer.proof.decode("utf-8")
    return body


async def checkpoint(request: Request) -> Response:
    log = _log(request)
    note = await run_in_threadpool(log.latest_note)
    if note is None:
        raise HTTPException(404, "the log has signed no checkpoint yet")
    return Response(note, media_type=TEXT, headers={"Cache-Control": CHECKPOINT})


async def tile(request: Request) -> Response:
    log = _log(request)
    path = "tile/" + request.path_params["path"]
    found = await run_in_threadpool(log.tile, path[:300])
    if found is None:
        raise HTTPException(404, f"{path[:120]} is not in the log (yet)")
    data, full = found
    return Response(data, media_type="application/octet-stream",
                    headers={"Cache-Control": IMMUTABLE if full else PARTIAL})


async def proof(request: Request) -> Response:
    """The tlog-proof of the document whose digest is given (a declaration's digest, or a
    revocation list's signed-content digest); 202 while no checkpoint includes it yet."""
    log = _log(request)
    digest = request.path_params["digest"].lower()
    register = request.app.state.register
    if _BINDING.match(digest):
        found = await run_in_threadpool(register.storage.digest_by_binding, digest)
        if found is None:
            raise HTTPException(404, f"no declaration with claim binding {digest} is in the "
                                "log")
        digest = found
    if not _DIGEST.match(digest):
        raise InputError(f"{digest[:80]!r} is not a SHA-256 digest (64 hex digits) or a "
                         "claim binding (32 hex digits)", code="bad_key")
    answer = await _answer(log, digest, wait_seconds(request, 0.0))
    if answer is None:
        raise HTTPException(404, f"nothing with digest {digest} is in the log")
    if answer.proof is None:
        retry = max(1, round(log.checkpoint_seconds))
        return JSONResponse(
            {"code": "proof_pending", "index": answer.index, "retryAfter": retry,
             "message": f"entry {answer.index} is not in a checkpoint yet; ask again in "
                        f"{retry} s (or with ?wait=SECONDS)",
             "proofUrl": f"{register.base(request)}/api/proofs/{digest}"},
            status_code=202, headers={"Retry-After": str(retry), "Cache-Control": "no-store"})
    return Response(answer.proof, media_type=TEXT,
                    headers={"Cache-Control": CHECKPOINT, "X-Log-Index": str(answer.index)})
