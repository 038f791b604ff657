"""The PACT v3 API of the register (``../shared/reference/pact/v3.0.3/openapi.yaml``):
``POST /auth/token``, OpenID discovery, ``GET /3/footprints`` with the v3 filters and
pagination links, ``GET /3/footprints/{id}`` and ``POST /3/events``.

Served over HTTPS only (directly, or behind a proxy that says so and is trusted); a request
over plain HTTP gets an error and no data. Every disclosed declaration is public, so every
client sees every footprint that is not revoked; a footprint is the signed declaration
exactly as disclosed (PACT v3 with the cfl extension). Errors are PACT ``Error`` bodies
(``{"code", "message"}``); the token endpoint answers OAuth2 errors.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cfl.errors import InputError
from cfl.io.jsonio import loads_strict
from cfl.register.clients import Authenticator, AuthError, Caller
from cfl.register.storage import FootprintFilter, RegisterStorage, StoredDeclaration
from cfl.timeutil import format_time, parse_time
from cfl.trust.revocation import declaration_key

#: Largest page a client may ask for (a host MAY return fewer).
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
#: Footprints sent in one RequestFulfilledEvent at most.
MAX_FULFILLED = 100
#: Keyset position of the next page (an ``x-`` parameter, as the spec allows hosts to add).
AFTER_PARAMETER = "x-cfl-after"
EVENT_PREFIX = "org.wbcsd.pact.ProductFootprint."
EVENT_TYPES = {f"{EVENT_PREFIX}{name}.3": name for name in (
    "RequestCreatedEvent", "RequestFulfilledEvent", "RequestRejectedEvent", "PublishedEvent")}
_LIST_FILTERS = {"productid": "product_ids", "companyid": "company_ids",
                 "geography": "geographies", "classification": "classifications"}
_TIME_FILTERS = {"validon": "valid_on", "validafter": "valid_after",
                 "validbefore": "valid_before"}
MAX_FILTER_VALUES = 100


class PactError(Exception):
    """A PACT ``Error`` response."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}

    def response(self) -> Response:
        return JSONResponse({"code": self.code, "message": self.message},
                            status_code=self.status,
                            headers={"Cache-Control": "no-store", **self.headers})


def https_only(request: Request) -> None:
    if request.url.scheme != "https":
        raise PactError(403, "AccessDenied", "the PACT API is served over HTTPS only")


@dataclass(frozen=True)
class PactContext:
    storage: RegisterStorage
    auth: Authenticator
    clock: Callable[[], dt.datetime]
    public_url: str | None
    declaration_json: Callable[[StoredDeclaration], dict[str, Any]]

    def base(self, request: Request) -> str:
        return self.public_url or str(request.base_url).rstrip("/")


def caller_of(request: Request, context: PactContext, scope: str) -> Caller:
    header = request.headers.get("authorization", "")
    kind, _, token = header.partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise PactError(401, "BadRequest", "Invalid token provided",
                        {"WWW-Authenticate": 'Bearer realm="pact"'})
    try:
        caller = context.auth.caller(token.strip(), at=int(context.clock().timestamp()))
    except AuthError as exc:
        if exc.code == "token_expired":
            raise PactError(401, "TokenExpired", "The specified access token has expired",
                            {"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
        raise PactError(401, "BadRequest", "Invalid token provided",
                        {"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
    if scope not in caller.scopes:
        raise PactError(403, "AccessDenied", f"the access token lacks the scope {scope}")
    request.scope["cfl.client"] = caller.client_id
    return caller


# --------------------------------------------------------------------------- auth


def _oauth_error(status: int, error: str, description: str) -> Response:
    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="pact"'
    return JSONResponse({"error": error, "error_description": description},
                        status_code=status, headers=headers)


async def token_endpoint(request: Request, context: PactContext) -> Response:
    """RFC 6749 §4.4: client credentials by HTTP Basic (or in the form body)."""
    if request.url.scheme != "https":
        return _oauth_error(400, "invalid_request", "the token endpoint is served over HTTPS "
                            "only; no token is issued over plain HTTP")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return _oauth_error(400, "invalid_request",
                            "expected an application/x-www-form-urlencoded body")
    body = (await request.body()).decode("utf-8", errors="replace")
    form: dict[str, str] = {}
    for part in body.split("&"):
        name, _, value = part.partition("=")
        if name:
            form.setdefault(unquote_plus(name), unquote_plus(value))
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type",
                            "only grant_type=client_credentials is supported")
    client_id, secret = form.get("client_id"), form.get("client_secret")
    header = request.headers.get("authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        user, sep, password = decoded.partition(":")
        if not sep:
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        client_id, secret = unquote_plus(user), unquote_plus(password)
    if not client_id or secret is None:
        return _oauth_error(401, "invalid_client", "Client authentication failed")
    requested = tuple(form["scope"].split()) if form.get("scope") else None
    try:
        token, caller, lifetime = context.auth.issue(
            client_id, secret, at=int(context.clock().timestamp()), requested=requested)
    except AuthError as exc:
        if exc.code == "invalid_scope":
            return _oauth_error(400, "invalid_scope", exc.message)
        return _oauth_error(401, "invalid_client", "Client authentication failed")
    request.scope["cfl.client"] = caller.client_id
    return JSONResponse({"access_token": token, "token_type": "Bearer",
                         "expires_in": lifetime, "scope": " ".join(caller.scopes)},
                        headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


async def openid_configuration(request: Request, context: PactContext) -> Response:
    https_only(request)
    base = context.base(request)
    return JSONResponse({
        "issuer": base,
        "token_endpoint": f"{base}/auth/token",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["footprint:list", "footprint:read", "events"],
        "response_types_supported": ["token"],
    }, headers={"Cache-Control": "public, max-age=3600"})


# --------------------------------------------------------------------------- footprints


def _time(name: str, value: str) -> int:
    try:
        return int(parse_time(value).timestamp())
    except ValueError:
        raise PactError(400, "BadRequest", f"{name}: expected an RFC 3339 date-time with an "
                        "offset, e.g. 2026-01-01T00:00:00Z") from None


def footprint_filter(pairs: Sequence[tuple[str, str]]) -> tuple[FootprintFilter, int, int, int]:
    """(filter, limit, offset, after) from a query string's pairs (names taken without
    regard to case, as the spec's own example spells them)."""
    lists: dict[str, list[str]] = {field: [] for field in _LIST_FILTERS.values()}
    times: dict[str, int] = {}
    status: str | None = None
    limit, offset, after = DEFAULT_LIMIT, 0, 0
    for raw_name, value in pairs:
        name = raw_name.lower()
        if name in _LIST_FILTERS:
            values = lists[_LIST_FILTERS[name]]
            if len(values) >= MAX_FILTER_VALUES:
                raise PactError(400, "BadRequest", f"at most {MAX_FILTER_VALUES} values of "
                                f"{raw_name}")
            values.append(value[:500])
        elif name in _TIME_FILTERS:
            times[_TIME_FILTERS[name]] = _time(raw_name, value)
        elif name == "status":
            status = value
        elif name in ("limit", "offset", AFTER_PARAMETER):
            if not value.isascii() or not value.isdigit() or len(value) > 9:
                raise PactError(400, "BadRequest", f"{raw_name}: expected a whole number ≥ 0")
            number = int(value)
            if name == "limit":
                limit = min(number, MAX_LIMIT)
            elif name == "offset":
                offset = number
            else:
                after = number
        elif name.startswith("x-"):
            continue  # another host's extension: not ours, ignored as the spec lets hosts
        else:
            raise PactError(400, "BadRequest", f"unsupported query parameter {raw_name[:60]!r}"
                            " (v3 filters: productId, companyId, geography, classification, "
                            "validOn, validAfter, validBefore, status; limit; the ODataV4 "
                            "$filter of v2 is not supported)")
    where = FootprintFilter(
        product_ids=tuple(lists["product_ids"]), company_ids=tuple(lists["company_ids"]),
        geographies=tuple(lists["geographies"]),
        classifications=tuple(lists["classifications"]),
        valid_on=times.get("valid_on"), valid_after=times.get("valid_after"),
        valid_before=times.get("valid_before"), status=status)
    return where, limit, offset, after


def _link(request: Request, pairs: Sequence[tuple[str, str]], after: int, limit: int) -> str:
    kept = [(n, v) for n, v in pairs
            if n.lower() not in ("limit", "offset", AFTER_PARAMETER)]
    kept += [("limit", str(limit)), (AFTER_PARAMETER, str(after))]
    return str(request.url.replace(query=urlencode(kept)))


async def list_footprints(request: Request, context: PactContext) -> Response:
    https_only(request)
    caller_of(request, context, "footprint:list")
    pairs = request.query_params.multi_items()
    where, limit, offset, after = footprint_filter(pairs)
    rows = await run_in_threadpool(context.storage.footprints, where, after=after,
                                   offset=offset, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    headers = {"Cache-Control": "no-store"}
    if more and rows:
        headers["Link"] = f'<{_link(request, pairs, rows[-1].seq, limit)}>; rel="next"'
    body = b'{"data":[' + b",".join(row.footprint for row in rows) + b"]}"
    return Response(body, media_type="application/json", headers=headers)


async def get_footprint(request: Request, context: PactContext) -> Response:
    https_only(request)
    caller_of(request, context, "footprint:read")
    footprint_id = request.path_params["id"]
    row = await run_in_threadpool(context.storage.declaration_by_id,
                                  declaration_key(footprint_id)[:100])
    if row is None:
        raise PactError(404, "NotFound",
                        f"Footprint with ID {footprint_id[:100]!r} does not exist")
    if row.revoked_at is not None:
        raise PactError(404, "NotFound", f"Footprint with ID {footprint_id[:100]!r} was "
                        "revoked by its certifier")
    return Response(b'{"data":' + row.footprint + b"}", media_type="application/json",
                    headers={"Cache-Control": "no-store", "ETag": f'"{row.digest}"'})


# --------------------------------------------------------------------------- events


def _text(data: dict[str, Any], name: str, where: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value or len(value) > 500:
        raise PactError(400, "BadRequest", f"{where}{name}: expected a non-empty text of at "
                        "most 500 characters")
    return value


def _criteria(data: dict[str, Any]) -> FootprintFilter:
    pairs: list[tuple[str, str]] = []
    for name in ("productId", "companyId", "geography", "classification"):
        values = data.get(name)
        if values is None:
            continue
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise PactError(400, "BadRequest", f"data.{name}: expected a list of texts")
        pairs += [(name, value) for value in values]
    for name in ("validOn", "validAfter", "validBefore", "status"):
        value = data.get(name)
        if value is not None:
            if not isinstance(value, str):
                raise PactError(400, "BadRequest", f"data.{name}: expected a text")
            pairs.append((name, value))
    return footprint_filter(pairs)[0]


def parse_event(body: bytes) -> dict[str, Any]:
    """A CloudEvent of one of the four PACT v3 types, checked; :class:`PactError` if not."""
    try:
        event = loads_strict(body, source="the event", max_bytes=len(body) + 1)
    except InputError as exc:
        raise PactError(400, "BadRequest", f"the event is not valid JSON: {exc.message}"
                        ) from None
    if not isinstance(event, dict):
        raise PactError(400, "BadRequest", "the event must be a JSON object")
    for name in ("type", "specversion", "id", "source", "time"):
        _text(event, name, "")
    if event["specversion"] != "1.0":
        raise PactError(400, "BadRequest", "specversion must be \"1.0\"")
    if event["type"] not in EVENT_TYPES:
        raise PactError(400, "BadRequest", f"unknown event type {event['type'][:100]!r}")
    _time("time", event["time"])
    data = event.get("data")
    if not isinstance(data, dict):
        raise PactError(400, "BadRequest", "data: expected an object")
    kind = EVENT_TYPES[event["type"]]
    if kind == "RequestCreatedEvent":
        _criteria(data)
    elif kind in ("RequestFulfilledEvent", "RequestRejectedEvent"):
        _text(data, "requestEventId", "data.")
        if kind == "RequestFulfilledEvent" and not (
                isinstance(data.get("pfs"), list) and data["pfs"]
                and all(isinstance(pf, dict) for pf in data["pfs"])):
            raise PactError(400, "BadRequest", "data.pfs: expected a non-empty list of "
                            "ProductFootprints")
        if kind == "RequestRejectedEvent" and not isinstance(data.get("error"), dict):
            raise PactError(400, "BadRequest", "data.error: expected an Error object")
    else:
        pf_ids = data.get("pfIds")
        if not isinstance(pf_ids, list) or not all(isinstance(i, str) for i in pf_ids):
            raise PactError(400, "BadRequest", "data.pfIds: expected a list of ids")
    return event


def answer_event(event: dict[str, Any], context: PactContext, request: Request
                 ) -> dict[str, Any]:
    """The RequestFulfilledEvent (the matching footprints) or RequestRejectedEvent (none
    match) answering a RequestCreatedEvent."""
    where = _criteria(event["data"])
    rows = context.storage.footprints(where, after=0, offset=0, limit=MAX_FULFILLED)
    now = context.clock()
    answer: dict[str, Any] = {
        "specversion": "1.0", "id": str(uuid.uuid4()),
        "source": f"{context.base(request)}/3/events", "time": format_time(now)}
    if rows:
        answer["type"] = f"{EVENT_PREFIX}RequestFulfilledEvent.3"
        answer["data"] = {"requestEventId": event["id"],
                          "pfs": [context.declaration_json(row) for row in rows]}
    else:
        answer["type"] = f"{EVENT_PREFIX}RequestRejectedEvent.3"
        answer["data"] = {"requestEventId": event["id"], "error": {
            "code": "NotFound", "message": "The requested footprint could not be found."}}
    return answer


async def post_event(request: Request, context: PactContext) -> Response:
    https_only(request)
    caller = caller_of(request, context, "events")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/cloudevents+json", "application/json"):
        raise PactError(400, "BadRequest", "expected Content-Type application/cloudevents+json")
    body = await request.body()
    event = parse_event(body)
    answer: bytes | None = None
    if EVENT_TYPES[event["type"]] == "RequestCreatedEvent":
        client = context.storage.client(caller.client_id)
        if client is None or not client.events_url:
            raise PactError(400, "BadRequest", "this register has no events endpoint of "
                            "yours to send the answer to; ask its operator to add one "
                            "(cfl serve clients add --events-url)")
        answer = json.dumps(answer_event(event, context, request), ensure_ascii=False
                            ).encode("utf-8")
    context.storage.add_event(caller.client_id, event["source"], event["id"], event["type"],
                              body, at=int(context.clock().timestamp()), answer=answer)
    return Response(status_code=200, headers={"Cache-Control": "no-store"})
