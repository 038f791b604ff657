"""What kind of file a user handed us, so a wrong one gets a message saying what it is.

A new user passes a signed bundle where a declaration is expected, a label PDF where JSON is
expected, a trust list where a revocation list is expected. Without this, the strict readers
answer with what is wrong *inside* the file ("unexpected member 'comment'"), which does not
tell the user that they gave the wrong file. Each kind is recognised by its top-level shape
(or, for binary files, its first bytes), and each comes with the commands that read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cfl.errors import InputError
from cfl.io.jsonio import loads_strict

SIGNED_BUNDLE = "signed bundle"
DECLARATION = "declaration"
TRUST_LIST = "trust list"
REVOCATION_LIST = "revocation list"
STATUS_LIST = "status list"
FRIENDLY_INPUT = "friendly input"
PACT_RESPONSE = "PACT API response"
PUBLIC_KEY = "public key (JWK)"

#: What each kind is for: said after "is a <kind>, not a <expected>; ".
USED_BY: dict[str, str] = {
    SIGNED_BUNDLE: "a signed bundle is checked with `cfl verify`; its declaration is the "
    "\"declaration\" member",
    DECLARATION: "a declaration is signed with `cfl sign`, which makes a signed bundle",
    TRUST_LIST: "a trust list goes to `cfl verify --trust` and `cfl trust`",
    REVOCATION_LIST: "a revocation list goes to `cfl verify --revocations` and "
    "`cfl revoke -o`",
    STATUS_LIST: "a status list goes to `cfl verify --status-list` and "
    "`cfl revoke --status-list`",
    FRIENDLY_INPUT: "make a declaration from it with `cfl declare`",
    PACT_RESPONSE: "import its footprints with `cfl import pact FILE -o DIR`",
    PUBLIC_KEY: "a public key goes to --jwk, --anchor or `cfl keys show`",
}

def document_kind(value: Any) -> str | None:
    """The kind of cfl document a parsed JSON/YAML value looks like, or None if unknown."""
    if not isinstance(value, Mapping):
        return None
    if "declaration" in value and "signatures" in value:
        return SIGNED_BUNDLE
    if "trustList" in value:
        return TRUST_LIST
    if "revocationList" in value:
        return REVOCATION_LIST
    if "statusList" in value:
        return STATUS_LIST
    if "kty" in value and ("x" in value or "crv" in value):
        return PUBLIC_KEY
    if isinstance(value.get("data"), (list, Mapping)) and len(value) <= 3 \
            and "pcf" not in value:
        return PACT_RESPONSE
    if "specVersion" in value or isinstance(value.get("pcf"), Mapping):
        return DECLARATION
    if isinstance(value.get("company"), Mapping) or isinstance(value.get("product"), Mapping):
        return FRIENDLY_INPUT
    return None


def require_kind(value: Any, expected: tuple[str, ...], *, source: str | None,
                 wanted: str | None = None) -> None:
    """Raise :class:`InputError` (code ``wrong_document``) if ``value`` is recognisably
    another kind of document than one of ``expected``; unknown shapes pass (the caller's
    own checks then say what is wrong inside)."""
    kind = document_kind(value)
    if kind is None or kind in expected:
        return
    raise InputError(
        f"is a {kind}, not a {wanted or ' or a '.join(expected)}; {USED_BY[kind]}",
        source=source, code="wrong_document",
    )


def document_kind_of(data: bytes) -> str | None:
    """:func:`document_kind` of JSON bytes (None if they are not strict JSON at all)."""
    try:
        value = loads_strict(data, source="<input>", max_bytes=max(len(data), 1))
    except InputError:
        return None
    return document_kind(value)


def wrong_kind_error(data: bytes, expected: tuple[str, ...], *, source: str | None,
                     wanted: str | None = None) -> InputError | None:
    """The error to show instead of a reader's when ``data`` is recognisably another kind of
    document than ``expected`` (None otherwise, or if ``data`` is not JSON at all).

    Meant for a reader's failure path only, so the happy path parses once::

        try:
            bundle = parse_bundle(data, source=source)
        except InputError as exc:
            raise wrong_kind_error(data, (SIGNED_BUNDLE,), source=source) or exc from None
    """
    try:
        value = loads_strict(data, source=source or "<input>", max_bytes=max(len(data), 1))
    except InputError:
        return None
    try:
        require_kind(value, expected, source=source, wanted=wanted)
    except InputError as exc:
        return exc
    return None
