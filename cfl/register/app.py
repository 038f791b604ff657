"""The register as an ASGI application (Starlette): routes parse the request, call the
library and render its result (STYLE 17).

Public, over HTTP or HTTPS: the resolver page ``/V/…``, bundles ``/api/bundles/…`` (by
digest, format-2 claim binding or id), the register's pages and feeds, the trust list,
revocation lists and status lists, publishing (``POST /api/bundles``, ``/api/revocations``,
``/api/status-lists``, ``/api/trust-list``). Over HTTPS only: the PACT
v3 API (:mod:`cfl.register.pact_api`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from cfl.declaration.model import Declaration
from cfl.errors import CflError, InputError
from cfl.interop.pact import export_pact
from cfl.register import log_routes, pact_api, pages
from cfl.register.clients import Authenticator, token_hash
from cfl.register.config import RegisterConfig
from cfl.register.log_store import LogUnavailable
from cfl.register.middleware import (
    AccessLog,
    BodyLimit,
    BodyTooLarge,
    RateLimit,
    SecurityHeaders,
    TimeLimit,
)
from cfl.register.publish import (
    KIND_BUNDLE,
    KIND_REVOCATIONS,
    KIND_STATUS_LIST,
    KIND_TRUST_LIST,
    PublishRefused,
    publish,
)
from cfl.register.storage import (
    AppendHook,
    ConflictError,
    RegisterStorage,
    SearchCriteria,
    StorageError,
    StoredDeclaration,
)
from cfl.register.transparency import RegisterLog
from cfl.register.trust_state import RegisterTrust, TrustNotServable
from cfl.timeutil import format_time, parse_time
from cfl.trust.revocation import declaration_key

K = TypeVar("K")
V = TypeVar("V")
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
#: A format-2 claim's binding (16 bytes as hex): what the page asks its bundle by.
_BINDING = re.compile(r"^[0-9a-f]{32}$")
_HTML_PREFIXES = ("/d/", "/search")
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=60"


class LruCache(Generic[K, V]):
    """A small thread-safe LRU map (immutable things: bundles, labels, parsed footprints)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


@dataclass
class Register:
    """A running register's parts."""

    config: RegisterConfig
    storage: RegisterStorage
    trust: RegisterTrust
    clock: Callable[[], dt.datetime]
    #: Run inside every publishing transaction (the transparency log's seam).
    hooks: Sequence[AppendHook] = ()
    #: The transparency log (its hook is among ``hooks``).
    log: RegisterLog | None = None
    auth: Authenticator = field(init=False)
    bundles: LruCache[str, bytes] = field(default_factory=lambda: LruCache(4096))
    footprints: LruCache[str, dict[str, Any]] = field(default_factory=lambda: LruCache(4096))
    labels: LruCache[tuple[str, str], bytes] = field(default_factory=lambda: LruCache(128))

    def __post_init__(self) -> None:
        self.auth = Authenticator(self.storage,
                                  token_lifetime=self.config.limits.token_lifetime_seconds)

    def declaration_json(self, row: StoredDeclaration) -> dict[str, Any]:
        cached = self.footprints.get(row.digest)
        if cached is None:
            cached = json.loads(row.footprint)
            assert isinstance(cached, dict)
            self.footprints.put(row.digest, cached)
        return cached

    def pact_context(self) -> pact_api.PactContext:
        return pact_api.PactContext(self.storage, self.auth, self.clock,
                                    self.config.public_url, self.declaration_json)

    def base(self, request: Request) -> str:
        return self.config.public_url or str(request.base_url).rstrip("/")


# --------------------------------------------------------------------------- errors


def _wants_html(request: Request) -> bool:
    path = request.url.path
    return (path == "/" or path.startswith(_HTML_PREFIXES)) and not path.endswith(
        (".json", ".pdf", ".png"))


def error_response(request: Request, status: int, code: str, message: str,
                   extra: dict[str, Any] | None = None) -> Response:
    if _wants_html(request):
        register: Register = request.app.state.register
        html = pages.environment().get_template("error.html").render(
            code=code, message=message, footer=_footer(register))
        return Response(html, status_code=status, media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": pages.PAGE_CSP,
                                 "Cache-Control": "no-store"})
    return JSONResponse({"code": code, "message": message, **(extra or {})},
                        status_code=status, headers={"Cache-Control": "no-store"})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    codes = {404: "NotFound", 405: "MethodNotAllowed"}
    return error_response(request, exc.status_code, codes.get(exc.status_code, "BadRequest"),
                          str(exc.detail))


async def _pact_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, pact_api.PactError)
    return exc.response()


async def _cfl_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CflError)
    if isinstance(exc, PublishRefused):
        return JSONResponse(exc.to_json(), status_code=422,
                            headers={"Cache-Control": "no-store"})
    if isinstance(exc, ConflictError):
        return error_response(request, 409, exc.code, exc.message)
    if isinstance(exc, StorageError | TrustNotServable | LogUnavailable):
        return error_response(request, 503, exc.code, exc.message)
    if isinstance(exc, InputError):
        return error_response(request, 400, exc.code, str(exc))
    return error_response(request, 500, exc.code, exc.message)


async def _too_large(request: Request, exc: Exception) -> Response:
    limit = request.app.state.register.config.limits.max_body_bytes
    return error_response(request, 413, "too_large", f"the body is larger than {limit} bytes")


async def _unexpected(request: Request, exc: Exception) -> Response:
    return error_response(request, 500, "InternalError",
                          "the register failed on this request; it was logged")


# --------------------------------------------------------------------------- helpers


def _register(request: Request) -> Register:
    register: Register = request.app.state.register
    return register


def _footer(register: Register) -> str:
    info = register.trust.describe()
    if not info.get("accepted"):
        return "信任列表不可用 · no trust list accepted"
    return (f"信任列表 · Trust list: {info['operator']}, version {info['version']}, expires "
            f"{info['expires']}. 每份声明均经验证后披露 · Every declaration was verified "
            "against it before it was disclosed.")


def _html(register: Register, template: str, **values: Any) -> Response:
    html = pages.environment().get_template(template).render(footer=_footer(register),
                                                             **values)
    return Response(html, media_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": pages.PAGE_CSP,
                             "Cache-Control": "public, max-age=30"})


def _cached(request: Request, body: bytes, media_type: str, *, etag: str,
            cache_control: str, headers: dict[str, str] | None = None) -> Response:
    tag = f'"{etag}"'
    common = {"ETag": tag, "Cache-Control": cache_control, **(headers or {})}
    if tag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=common)
    return Response(body, media_type=media_type, headers=common)


def _declaration(register: Register, key: str) -> StoredDeclaration | None:
    if _BINDING.match(key):
        digest = register.storage.digest_by_binding(key)
        return None if digest is None else register.storage.declaration_by_digest(digest)
    if _DIGEST.match(key):
        return register.storage.declaration_by_digest(key)
    try:
        canonical = str(uuid.UUID(key))
    except ValueError:
        raise InputError(f"{key[:80]!r} is neither a SHA-256 digest (64 hex digits), a "
                         "claim binding (32 hex digits) nor a declaration id (UUID)",
                         code="bad_key") from None
    return register.storage.declaration_by_id(declaration_key(canonical))


def _found(row: StoredDeclaration | None, key: str) -> StoredDeclaration:
    if row is None:
        raise HTTPException(404, f"no declaration {key[:80]} is disclosed here")
    return row


# --------------------------------------------------------------------------- routes


async def resolver_page(request: Request) -> Response:
    register = _register(request)
    page = register.trust.page()
    headers = {"Content-Security-Policy": page.csp + "; frame-ancestors 'none'",
               "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        return _cached(request, page.gzipped, "text/html; charset=utf-8",
                       etag=page.etag + "-gz", cache_control=SHORT,
                       headers={**headers, "Content-Encoding": "gzip"})
    return _cached(request, page.html, "text/html; charset=utf-8", etag=page.etag,
                   cache_control=SHORT, headers=headers)


async def bundle(request: Request) -> Response:
    """A bundle as published: by digest or by a format-2 claim's binding (immutable, cached
    here and by anyone), or by declaration id."""
    register = _register(request)
    key = request.path_params["key"].lower()
    if _BINDING.match(key):
        digest = await run_in_threadpool(register.storage.digest_by_binding, key)
        if digest is None:
            raise HTTPException(404, f"no declaration with claim binding {key} is disclosed "
                                "here")
        key = digest
    if _DIGEST.match(key):
        data = register.bundles.get(key)
        if data is None:
            data = await run_in_threadpool(register.storage.bundle_by_digest, key)
            if data is None:
                raise HTTPException(404, f"no declaration {key} is disclosed here")
            register.bundles.put(key, data)
        return _cached(request, data, "application/json", etag=key, cache_control=IMMUTABLE)
    row = _found(await run_in_threadpool(_declaration, register, key), key)
    return _cached(request, row.bundle, "application/json", etag=row.digest,
                   cache_control=SHORT)


async def publish_endpoint(request: Request) -> Response:
    register = _register(request)
    kind = {"/api/bundles": KIND_BUNDLE, "/api/revocations": KIND_REVOCATIONS,
            "/api/status-lists": KIND_STATUS_LIST,
            "/api/trust-list": KIND_TRUST_LIST}[request.url.path.rstrip("/")]
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/json", ""):
        raise InputError("expected Content-Type application/json", code="bad_content_type")
    data = await request.body()
    at = register.clock()
    outcome = await run_in_threadpool(
        publish, data, kind=kind, storage=register.storage, trust=register.trust, at=at,
        source=f"<published {kind}>", hooks=register.hooks)
    body = outcome.to_json()
    if kind == KIND_BUNDLE:
        base = register.base(request)
        body.update({"url": f"{base}/d/{outcome.subject}",
                     "bundleUrl": f"{base}/api/bundles/{body['digest']}"})
    if register.log is not None and kind in (KIND_BUNDLE, KIND_REVOCATIONS, KIND_STATUS_LIST):
        wait = log_routes.wait_seconds(request, register.config.proof_wait_seconds)
        logged = await log_routes.disclosure_log(
            request, register.log, body["digest"] if kind == KIND_BUNDLE else outcome.sha256,
            wait)
        if logged is not None:
            body["log"] = logged
    return JSONResponse(body, status_code=201 if outcome.created else 200,
                        headers={"Cache-Control": "no-store"})


def search_page(request: Request) -> Response:
    register = _register(request)
    params = request.query_params
    valid_on_text = params.get("valid_on", "").strip()
    valid_on = None
    if valid_on_text:
        try:
            valid_on = int(parse_time(f"{valid_on_text[:10]}T00:00:00Z").timestamp())
        except ValueError:
            raise InputError(f"valid_on {valid_on_text[:20]!r} is not a date (YYYY-MM-DD)",
                             code="bad_date") from None
    criteria = SearchCriteria(
        text=params.get("q", "").strip()[:200] or None,
        category=params.get("category", "").strip()[:100] or None,
        certifier=params.get("certifier", "").strip()[:200] or None,
        rule_set=params.get("rule_set", "").strip()[:100] or None,
        valid_on=valid_on)
    before_text = params.get("before", "")
    before = int(before_text) if before_text.isdigit() and len(before_text) < 12 else None
    size = register.config.limits.page_size
    rows = register.storage.search(criteria, before=before, limit=size + 1)
    next_url = None
    if len(rows) > size:
        rows = rows[:size]
        kept = [(n, v) for n, v in params.multi_items() if n != "before"]
        kept.append(("before", str(rows[-1].seq)))
        next_url = "/?" + urlencode(kept)
    now = int(register.clock().timestamp())
    trust_list = register.trust.trust_list()
    categories = sorted({c for entry in (trust_list.entries if trust_list else ())
                         for c in entry.scope_categories})
    return _html(register, "index.html", rows=rows, criteria=criteria, next_url=next_url,
                 certifier=criteria.certifier, valid_on=valid_on_text[:10],
                 categories=categories, total=register.storage.count(),
                 status_of=lambda row: pages.status_text(row, now))


def declaration_page(request: Request) -> Response:
    register = _register(request)
    key = request.path_params["key"].lower()
    row = _found(_declaration(register, key), key)
    facts = pages.declaration_facts(row, register.declaration_json(row))
    known = {item[0] for item in facts["upstream"]
             if register.storage.declaration_by_id(declaration_key(item[0])) is not None}
    facts["upstream"] = [(i, s, i in known) for i, s in facts["upstream"]]
    now = int(register.clock().timestamp())
    return _html(register, "declaration.html", row=row, status=pages.status_text(row, now),
                 **facts)


def declaration_file(request: Request) -> Response:
    register = _register(request)
    key = request.path_params["key"].lower()
    row = _found(_declaration(register, key), key)
    name = request.path_params["file"]
    disposition = {"Content-Disposition": f'attachment; filename="{row.declaration_id}-{name}"'}
    if name == "bundle.json":
        return _cached(request, row.bundle, "application/json", etag=row.digest,
                       cache_control=IMMUTABLE, headers=disposition)
    if name == "pact.json":
        document = export_pact(Declaration.from_json(register.declaration_json(row)))
        body = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
        return _cached(request, body, "application/json", etag=f"pact-{row.digest}",
                       cache_control=IMMUTABLE, headers=disposition)
    if name in ("label.pdf", "label.png"):
        pdf = register.labels.get((row.digest, "pdf"))
        if pdf is None:
            pdf = pages.label_pdf(row, resolver=register.config.resolver)
            register.labels.put((row.digest, "pdf"), pdf)
        if name == "label.pdf":
            return _cached(request, pdf, "application/pdf", etag=f"pdf-{row.digest}",
                           cache_control=SHORT, headers=disposition)
        png = register.labels.get((row.digest, "png"))
        if png is None:
            png = pages.label_png(pdf)
            register.labels.put((row.digest, "png"), png)
        return _cached(request, png, "image/png", etag=f"png-{row.digest}",
                       cache_control=SHORT)
    raise HTTPException(404, f"no file {name[:40]!r}; a declaration has bundle.json, "
                        "label.pdf, label.png and pact.json")


def _feed_entries(register: Register, request: Request) -> tuple[list[Any], str | None]:
    after_text = request.query_params.get("after", "")
    size = 100
    if after_text:
        if not after_text.isdigit() or len(after_text) > 12:
            raise InputError("after must be a feed position (a whole number)",
                             code="bad_cursor")
        entries = register.storage.feed(after=int(after_text), limit=size)
        next_after = entries[-1].seq if entries else int(after_text)
        return entries, f"{register.base(request)}{request.url.path}?after={next_after}"
    return register.storage.latest_feed(size), None


def feed_json(request: Request) -> Response:
    register = _register(request)
    entries, next_url = _feed_entries(register, request)
    body = json.dumps(pages.json_feed(entries, base=register.base(request),
                                      next_url=next_url), ensure_ascii=False).encode()
    return _cached(request, body, "application/feed+json",
                   etag=hashlib.sha256(body).hexdigest()[:32], cache_control=SHORT)


def feed_atom(request: Request) -> Response:
    register = _register(request)
    entries, _ = _feed_entries(register, request)
    body = pages.atom_feed(entries, base=register.base(request),
                           updated=format_time(register.clock()))
    return _cached(request, body, "application/atom+xml",
                   etag=hashlib.sha256(body).hexdigest()[:32], cache_control=SHORT)


def trust_list_file(request: Request) -> Response:
    register = _register(request)
    data = register.trust.trust_list_bytes
    if data is None:
        raise HTTPException(404, "no trust list")
    return _cached(request, data, "application/json",
                   etag=hashlib.sha256(data).hexdigest(), cache_control="public, max-age=300")


@dataclass(frozen=True)
class _SignedLists:
    """One kind of certifier list the register holds and serves (revocation lists, status
    lists): an index of every certifier's newest list, and each list as it was published
    (ETag: its signed-content digest; a verifier asks again with If-None-Match and gets 304
    until a new version)."""

    path: str
    index_key: str
    what: str
    newest: Callable[[RegisterStorage], list[tuple[str, int, str, bytes]]]
    one: Callable[[RegisterStorage, str], tuple[int, str, bytes] | None]

    def index(self, request: Request) -> Response:
        register = _register(request)
        base = register.base(request)
        lists = [{"issuer": issuer, "version": version, "sha256": sha256,
                  "url": f"{base}/trust/{self.path}/{issuer}.json"}
                 for issuer, version, sha256, _ in self.newest(register.storage)]
        body = json.dumps({self.index_key: lists}).encode()
        return _cached(request, body, "application/json",
                       etag=hashlib.sha256(body).hexdigest()[:32], cache_control=SHORT)

    def file(self, request: Request) -> Response:
        register = _register(request)
        issuer = request.path_params["issuer"][:100]
        found = self.one(register.storage, issuer)
        if found is None:
            raise HTTPException(404, f"no {self.what} of {issuer} is held here")
        _, sha256, document = found
        return _cached(request, document, "application/json", etag=sha256, cache_control=SHORT)


_REVOCATION_LISTS = _SignedLists("revocations", "revocationLists", "revocation list",
                                 lambda storage: storage.revocation_lists(),
                                 lambda storage, issuer: storage.revocation_list(issuer))
_STATUS_LISTS = _SignedLists("status-lists", "statusLists", "status list",
                             lambda storage: storage.status_lists(),
                             lambda storage, issuer: storage.status_list(issuer))


def page_data_file(request: Request) -> Response:
    register = _register(request)
    body = json.dumps(register.trust.page_data(), sort_keys=True).encode()
    return _cached(request, body, "application/json",
                   etag=hashlib.sha256(body).hexdigest()[:32], cache_control=SHORT)


def health(request: Request) -> Response:
    register = _register(request)
    try:
        register.storage.ping()
        database = "ok"
    except StorageError as exc:
        database = exc.message
    servable, why = register.trust.servable()
    ok = database == "ok" and servable
    body = {"status": "ok" if ok else "unavailable", "database": database, "trust": why,
            "trustList": register.trust.describe()}
    if register.log is not None and database == "ok":
        body["log"] = register.log.describe()
    return JSONResponse(body, status_code=200 if ok else 503,
                        headers={"Cache-Control": "no-store"})


def _pact(handler: Callable[[Request, pact_api.PactContext], Any]) -> Callable[..., Any]:
    async def endpoint(request: Request) -> Response:
        register = _register(request)
        response: Response = await handler(request, register.pact_context())
        return response

    return endpoint


# --------------------------------------------------------------------------- the app


def _rate_key(register: Register) -> Callable[[dict[str, Any]], str]:
    def who(scope: dict[str, Any]) -> str:
        for name, value in scope.get("headers", ()):
            if name == b"authorization" and value[:7].lower() == b"bearer ":
                return "token:" + token_hash(value[7:].decode("latin-1").strip())[:16]
        client = scope.get("client")
        return "address:" + (client[0] if client else "?")

    return who


def create_app(register: Register) -> Any:
    """The ASGI application of ``register`` (with its middleware)."""
    routes = [
        Route("/", search_page),
        Route("/search", search_page),
        Route("/d/{key}", declaration_page),
        Route("/d/{key}/{file}", declaration_file),
        Route("/V/{rest:path}", resolver_page),
        Route("/api/bundles/{key}", bundle),
        Route("/api/bundles", publish_endpoint, methods=["POST"]),
        Route("/api/proofs/{digest}", log_routes.proof),
        Route("/log/checkpoint", log_routes.checkpoint),
        Route("/log/tile/{path:path}", log_routes.tile),
        Route("/api/revocations", publish_endpoint, methods=["POST"]),
        Route("/api/status-lists", publish_endpoint, methods=["POST"]),
        Route("/api/trust-list", publish_endpoint, methods=["POST"]),
        Route("/trust/trust-list.json", trust_list_file),
        Route("/trust/revocations.json", _REVOCATION_LISTS.index),
        Route("/trust/revocations/{issuer}.json", _REVOCATION_LISTS.file),
        Route("/trust/status-lists.json", _STATUS_LISTS.index),
        Route("/trust/status-lists/{issuer}.json", _STATUS_LISTS.file),
        Route("/trust/page-data.json", page_data_file),
        Route("/feed.json", feed_json),
        Route("/feed.atom", feed_atom),
        Route("/healthz", health),
        Route("/auth/token", _pact(pact_api.token_endpoint), methods=["POST"]),
        Route("/.well-known/openid-configuration", _pact(pact_api.openid_configuration)),
        Route("/3/footprints", _pact(pact_api.list_footprints)),
        Route("/3/footprints/{id}", _pact(pact_api.get_footprint)),
        Route("/3/events", _pact(pact_api.post_event), methods=["POST"]),
        Mount("/static", StaticFiles(packages=[("cfl.register", "static")]), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={
        HTTPException: _http_error, pact_api.PactError: _pact_error, CflError: _cfl_error,
        BodyTooLarge: _too_large, Exception: _unexpected})
    app.state.register = register
    limits = register.config.limits
    wrapped: Any = BodyLimit(app, max_bytes=limits.max_body_bytes)
    wrapped = RateLimit(wrapped, per_minute=limits.requests_per_minute,
                        publishes_per_minute=limits.publishes_per_minute,
                        who=_rate_key(register))
    wrapped = TimeLimit(wrapped, seconds=limits.request_timeout_seconds)
    wrapped = SecurityHeaders(wrapped)
    return AccessLog(wrapped, clock=register.clock)
