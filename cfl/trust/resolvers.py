"""The scheme's resolvers: the URL prefixes a trust list names for its labels' QR codes, and
whether the prefix a QR text carries is one of them (ADR 0138).

A prefix is compared as a browser would reach it, never as text: the scheme must be
``https``; the host is compared case-insensitively in its IDNA A-label form (a trust list
may name ``https://碳标签.example/V/``, a QR text can only carry ``XN--…``); the port is
the one a browser uses (443 unless given); the path must start with the named path, segment
by segment. ``HTTPS://CFL.EXAMPLE.ATTACKER.COM/V/`` is not ``HTTPS://CFL.EXAMPLE/V/``;
userinfo, empty or zero-led ports, percent escapes and dot segments are never a match.

Only the syntax lives here (no report rows): :mod:`cfl.verification.resolver_check` turns
a match into a row, and :mod:`cfl.web.page` hands the normalised prefixes to the offline page,
whose script compares the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import idna

from cfl.errors import InputError

#: The only scheme a resolver may use: a QR code leading to ``http:`` can be redirected by
#: anyone on the way.
SECURE_SCHEME = "https"
DEFAULT_PORT = 443
_DEFAULT_PORTS = {SECURE_SCHEME: DEFAULT_PORT, "http": 80}
#: Most resolvers a trust list may name.
MAX_RESOLVERS = 16
#: Longest resolver a trust list may name (as written: a Unicode host may be long).
MAX_RESOLVER_CHARS = 200

_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<authority>[^/?#\\]*)"
                  r"(?P<path>/[^?#\\]*)\Z")
_PORT = re.compile(r"[1-9][0-9]{0,4}\Z")
#: A host as a QR text carries it after lower-casing: LDH labels (A-labels included).
_ASCII_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
                         r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\Z")
#: A path segment both a QR text and a browser read alike: no escapes, no dot segments.
_SEGMENT = re.compile(r"[A-Za-z0-9$*+.:_~-]+\Z")


@dataclass(frozen=True)
class ResolverPrefix:
    """A URL prefix in the form it is compared in: scheme and host lower case (the host as
    IDNA A-labels), the port a browser would use, and the path's segments."""

    scheme: str
    host: str
    port: int
    segments: tuple[str, ...]

    @property
    def secure(self) -> bool:
        return self.scheme == SECURE_SCHEME

    @property
    def text(self) -> str:
        """The prefix as a URL (lower-case scheme and host, the port only when not 443)."""
        port = "" if self.port == _DEFAULT_PORTS.get(self.scheme) else f":{self.port}"
        path = "".join(f"{segment}/" for segment in self.segments)
        return f"{self.scheme}://{self.host}{port}/{path}"

    def covers(self, other: ResolverPrefix) -> bool:
        """Whether ``other`` (a QR text's prefix) is this named prefix or lies beneath it."""
        return (self.scheme == other.scheme and self.host == other.host
                and self.port == other.port
                and other.segments[:len(self.segments)] == self.segments)

    def to_json(self) -> dict[str, object]:
        """What the offline page compares (:mod:`cfl.web.page`)."""
        return {"scheme": self.scheme, "host": self.host, "port": self.port,
                "segments": list(self.segments), "text": self.text}


def parse_resolver(text: str, *, source: str = "<resolver>", location: str | None = None
                   ) -> ResolverPrefix:
    """``text`` (``scheme://host[:port]/path/``) in the form it is compared in; raises
    :class:`InputError` ``bad_resolver`` for anything a browser might read otherwise
    (userinfo, an empty or zero-led port, escapes, dot segments, no final ``/``)."""
    def bad(why: str) -> InputError:
        return InputError(f"resolver {text!r} {why}", source=source, location=location,
                          code="bad_resolver")

    if not isinstance(text, str) or len(text) > MAX_RESOLVER_CHARS:
        raise bad(f"must be a URL of at most {MAX_RESOLVER_CHARS} characters")
    match = _URL.match(text)
    if match is None or not text.endswith("/"):
        raise bad("must be scheme://host/path/ (ending in '/', no query or fragment)")
    authority = match.group("authority")
    if "@" in authority:
        raise bad("must not carry a user name (userinfo)")
    host, colon, port_text = authority.partition(":")
    if colon and not _PORT.match(port_text):
        raise bad("has a port that is not a number from 1 to 65535 without leading zeros")
    scheme = match.group("scheme").lower()
    port = int(port_text) if colon else _DEFAULT_PORTS.get(scheme, 0)
    if colon and not 1 <= port <= 65535:
        raise bad("has a port that is not a number from 1 to 65535 without leading zeros")
    segments = tuple(match.group("path").split("/")[1:-1])
    for segment in segments:
        if not _SEGMENT.match(segment) or segment in (".", ".."):
            raise bad("has an empty, escaped or dot path segment")
    return ResolverPrefix(scheme, _a_label_host(host, bad), port, segments)


def _a_label_host(host: str, bad: Callable[[str], InputError]) -> str:
    """``host`` as lower-case IDNA A-labels; a host that is neither plain letters, digits and
    hyphens nor a valid internationalised name is refused."""
    lowered = host.lower()
    if lowered.isascii():
        if not _ASCII_HOST.match(lowered):
            raise bad("has a host that is not a domain name (letters, digits, hyphens, dots)")
        if any(label.startswith("xn--") for label in lowered.split(".")):
            try:
                idna.decode(lowered)
            except idna.IDNAError:
                raise bad("has an A-label (xn--) that is not valid punycode") from None
        return lowered
    try:
        encoded = idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise bad(f"has a host that is not a valid internationalised name ({exc})") from None
    if not _ASCII_HOST.match(encoded):
        raise bad("has a host that is not a domain name")
    return encoded


def claim_resolver(text: str) -> ResolverPrefix | None:
    """The prefix of a QR text's resolver, or None when it cannot be read as one (a
    browser may read it otherwise: it is then never one the trust list names)."""
    try:
        return parse_resolver(text)
    except InputError:
        return None


def named_resolver(named: tuple[ResolverPrefix, ...], text: str
                   ) -> ResolverPrefix | None:
    """The named prefix covering the QR text's resolver ``text``, if any (only a secure
    one can match: a named ``http:`` prefix of an older list covers nothing)."""
    found = claim_resolver(text)
    if found is None or not found.secure:
        return None
    return next((prefix for prefix in named if prefix.secure and prefix.covers(found)), None)


def insecure(text: str) -> bool:
    """Whether a QR text's resolver ``text`` names a scheme other than ``https``."""
    scheme, sep, _ = text.partition("://")
    return not sep or scheme.lower() != SECURE_SCHEME


def resolver_problem(text: str, named: tuple[ResolverPrefix, ...]) -> str | None:
    """Why a verifier of the scheme ``named`` describes would not accept QR codes leading to
    ``text`` (a sentence for a warning), or None when it would, or when nothing is named to
    compare with."""
    if insecure(text):
        return (f"the QR codes lead to {text}, not an https address; every verifier reports "
                "them as FAILED (resolver_unknown)")
    if named and named_resolver(named, text) is None:
        return (f"the QR codes lead to {text}, which the trust list does not name as a "
                f"resolver of its scheme (it names {', '.join(p.text for p in named)}); "
                "every verifier reports them as FAILED (resolver_unknown)")
    return None


__all__ = [
    "DEFAULT_PORT",
    "MAX_RESOLVERS",
    "MAX_RESOLVER_CHARS",
    "SECURE_SCHEME",
    "ResolverPrefix",
    "claim_resolver",
    "insecure",
    "named_resolver",
    "parse_resolver",
    "resolver_problem",
]
