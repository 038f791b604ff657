"""A PACT v3 API client: OAuth2 client credentials, ListFootprints (following the ``next``
links), GetFootprint, and sending events.

Everything it reads is bounded (response size, pages, footprints) before it is parsed, the
token goes only to the host it was issued for, and a pagination link to another host is
refused. Errors are :class:`PactClientError` with the HTTP status and the host's error code.
"""

from __future__ import annotations

import base64
import json
import ssl
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote, quote_plus, urljoin, urlsplit

import httpx

from cfl.errors import CflError
from cfl.io.jsonio import loads_strict

#: Bounds on what a host may send.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_PAGES = 10_000
CLOUDEVENTS_JSON = "application/cloudevents+json; charset=UTF-8"


def tls_verification(verify: bool | str) -> bool | ssl.SSLContext:
    """What httpx takes: True (the system's CAs), False, or a context trusting ``verify``
    (a CA file) only."""
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    return verify


class PactClientError(CflError):
    """A PACT host refused a request or answered something that is not PACT."""

    code = "pact_client"

    def __init__(self, message: str, *, status: int | None = None,
                 code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.status = status


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class PactClient:
    """Talks to one PACT host at ``base_url`` as one client."""

    def __init__(self, base_url: str, client_id: str, client_secret: str, *,
                 token_url: str | None = None, verify: bool | str = True,
                 timeout: float = 30.0, transport: httpx.BaseTransport | None = None) -> None:
        if not base_url.startswith(("https://", "http://")):
            raise PactClientError(f"{base_url!r} is not an http(s) URL", code="bad_url")
        self.base_url = base_url.rstrip("/")
        self.token_url = token_url or f"{self.base_url}/auth/token"
        self._credentials = (client_id, client_secret)
        self._token: tuple[str, float] | None = None
        self._http = httpx.Client(verify=tls_verification(verify), timeout=timeout,
                                  transport=transport, follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PactClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ transport
    def _send(self, request: httpx.Request) -> tuple[httpx.Response, bytes]:
        try:
            response = self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise PactClientError(f"{request.url.host}: {type(exc).__name__}: {exc}",
                                  code="pact_unreachable") from None
        try:
            declared = response.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
                raise PactClientError(f"{request.url.host}: the response is larger than "
                                      f"{MAX_RESPONSE_BYTES} bytes", code="too_large")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_RESPONSE_BYTES:
                    raise PactClientError(f"{request.url.host}: the response is larger than "
                                          f"{MAX_RESPONSE_BYTES} bytes", code="too_large")
        except httpx.HTTPError as exc:
            raise PactClientError(f"{request.url.host}: {type(exc).__name__}: {exc}",
                                  code="pact_unreachable") from None
        finally:
            response.close()
        return response, bytes(body)

    def _json(self, response: httpx.Response, body: bytes, what: str) -> Any:
        if response.status_code >= 400:
            raise self._refusal(response, body, what)
        return loads_strict(body, source=f"{response.request.url.host}: {what}",
                            max_bytes=MAX_RESPONSE_BYTES)

    @staticmethod
    def _refusal(response: httpx.Response, body: bytes, what: str) -> PactClientError:
        detail = ""
        try:
            value = json.loads(body[:65536])
            if isinstance(value, dict):
                code = value.get("code") or value.get("error")
                message = value.get("message") or value.get("error_description")
                detail = ": ".join(str(part)[:300] for part in (code, message) if part)
        except ValueError:
            pass
        return PactClientError(
            f"{response.request.url.host}: {what} answered HTTP {response.status_code}"
            + (f" ({detail})" if detail else ""), status=response.status_code,
            code="pact_refused")

    # ------------------------------------------------------------------ auth
    def token(self) -> str:
        """A bearer token (client credentials, HTTP Basic), reused until shortly before it
        expires."""
        if self._token is not None and self._token[1] > time.monotonic():
            return self._token[0]
        user, password = (quote_plus(part) for part in self._credentials)  # RFC 6749 §2.3.1
        basic = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        request = self._http.build_request(
            "POST", self.token_url, data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"})
        response, body = self._send(request)
        value = self._json(response, body, "the token request")
        if not isinstance(value, dict) or not isinstance(value.get("access_token"), str):
            raise PactClientError(f"{response.request.url.host}: the token response holds no "
                                  "access_token", code="pact_bad_response")
        lifetime = value.get("expires_in")
        seconds = float(lifetime) if isinstance(lifetime, int | float) else 300.0
        self._token = (value["access_token"], time.monotonic() + max(seconds - 30.0, 1.0))
        return self._token[0]

    def _authorised(self, method: str, url: str, **kwargs: Any) -> tuple[httpx.Response, bytes]:
        if _origin(url) != _origin(self.base_url):
            raise PactClientError(f"refusing to send the token to another host ({url})",
                                  code="pact_foreign_link")
        request = self._http.build_request(
            method, url, headers={"Authorization": f"Bearer {self.token()}",
                                  **kwargs.pop("headers", {})}, **kwargs)
        return self._send(request)

    # ------------------------------------------------------------------ actions
    def footprints(self, *, filters: Mapping[str, Sequence[str]] | None = None,
                   limit: int = 100, max_pages: int = MAX_PAGES) -> Iterator[dict[str, Any]]:
        """Every footprint of ListFootprints, page by page along the ``next`` links."""
        params: list[tuple[str, str | int | float | bool | None]] = [
            (name, value) for name, values in (filters or {}).items() for value in values]
        params.append(("limit", str(limit)))
        url = f"{self.base_url}/3/footprints?" + str(httpx.QueryParams(params))
        for _ in range(max_pages):
            response, body = self._authorised("GET", url)
            value = self._json(response, body, "ListFootprints")
            data = value.get("data") if isinstance(value, dict) else None
            if not isinstance(data, list):
                raise PactClientError(f"{response.request.url.host}: ListFootprints answered "
                                      "no \"data\" list", code="pact_bad_response")
            yield from data
            link = response.links.get("next", {}).get("url")
            if not link:
                return
            url = urljoin(url, link)
        raise PactClientError(f"more than {max_pages} pages; stopped", code="too_many_pages")

    def footprint(self, footprint_id: str) -> dict[str, Any]:
        response, body = self._authorised(
            "GET", f"{self.base_url}/3/footprints/{quote(footprint_id, safe='')}")
        value = self._json(response, body, "GetFootprint")
        data = value.get("data") if isinstance(value, dict) else None
        if not isinstance(data, dict):
            raise PactClientError(f"{response.request.url.host}: GetFootprint answered no "
                                  "\"data\" object", code="pact_bad_response")
        return data

    def send_event(self, event: Mapping[str, Any], *, events_url: str | None = None) -> None:
        """POST a CloudEvent (structured mode) to the host's ``/3/events``."""
        url = events_url or f"{self.base_url}/3/events"
        response, body = self._authorised(
            "POST", url, content=json.dumps(event, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": CLOUDEVENTS_JSON})
        if response.status_code >= 300:
            raise self._refusal(response, body, "the event")
