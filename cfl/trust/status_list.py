"""Status lists: a certifier's signed, compressed bit string of revoked declarations.

In the spirit of the W3C Bitstring Status List: each declaration a certifier signs gets a
*status index*; the certifier publishes one bit per index, 1 when that declaration is
revoked. File form: ``{"statusList": {"issuer": KID, "version": N, "issued": TIME,
"nextUpdate": TIME, "size": N, "bits": BASE64URL}, "signatures": [JWS entry]}`` signed (``typ``
``cfl-statuslist+jws``) by the certifier key whose kid is ``issuer``; ``bits`` is the
zlib-compressed bit string, most significant bit first (index 0 is the top bit of the
first byte). A million declarations are 125,000 bytes of bits, a few KB compressed when few
are revoked. Everything is bounded before it is read: the file, the compressed and the
inflated size (inflation stops at the declared size), the index range (ADR 0142).
Like a revocation list, a status list is current until its ``nextUpdate`` (optional; without
it, 45 days after its issue time, ADR 0136); past it a verifier cannot say a declaration is
not revoked (ADR 0143).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from cfl.errors import InputError
from cfl.signing.b64url import b64url_decode, b64url_encode
from cfl.signing.jcs import canonical_bytes
from cfl.signing.jws import parse_signed_document, sign_content, signature_problem
from cfl.signing.keys import PublicKey, Signer
from cfl.timeutil import format_time, parse_time_or_none
from cfl.trust.revocation import DEFAULT_NEXT_UPDATE, MAX_AGE_WITHOUT_NEXT_UPDATE

CONTENT_KEY = "statusList"
TYP_STATUS_LIST = "cfl-statuslist+jws"
#: The most indexes one list holds (16 MiB of bits inflated).
MAX_STATUS_ENTRIES = 2**27
#: Bound on a status list file, checked before parsing (the compressed bits, base64url).
MAX_STATUS_LIST_BYTES = 4 * 1024 * 1024
_REQUIRED = frozenset({"issuer", "version", "issued", "size", "bits"})
_FIELDS = _REQUIRED | {"nextUpdate"}
#: The size a certifier's first status list gets, and the step it grows by when the
#: indexes it has handed out pass it (``cfl revoke --status-list``).
STATUS_LIST_SIZE_STEP = 131_072
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class StatusList:
    """A verified status list of one certifier (``issuer`` is its kid)."""

    issuer: str
    version: int
    issued: dt.datetime
    size: int
    bits: bytes
    digest: bytes
    #: When the next version is due (None in a list that does not say).
    next_update: dt.datetime | None = None
    #: The compressed bits as the signed file holds them (base64url): what the offline
    #: page embeds and inflates itself.
    encoded_bits: str = field(default="", repr=False, compare=False)

    @property
    def current_until(self) -> dt.datetime:
        """Until when the list can show a declaration is not revoked: its ``nextUpdate``,
        else its issue time plus the revocation lists' maximum age (ADR 0136)."""
        if self.next_update is not None:
            return self.next_update
        return self.issued + MAX_AGE_WITHOUT_NEXT_UPDATE

    def is_revoked(self, index: int, *, source: str = "<claim>") -> bool:
        """Whether the declaration with status ``index`` is revoked: one bit, O(1).

        An index outside the list is an error (``status_index_out_of_range``): the claim
        names a declaration the certifier's list does not cover."""
        if not 0 <= index < self.size:
            raise InputError(f"status index {index} is outside the certifier's status list "
                             f"(0 to {self.size - 1})", source=source,
                             code="status_index_out_of_range")
        return bool(self.bits[index >> 3] & (0x80 >> (index & 7)))

    def revoked_indexes(self) -> list[int]:
        """Every revoked index, ascending (for listing; not needed to look one up)."""
        found = []
        for byte_index, byte in enumerate(self.bits):
            if byte:
                found += [byte_index * 8 + bit for bit in range(8) if byte & (0x80 >> bit)]
        return found


def issue_status_list(
    signer: Signer, *, size: int, revoked: Iterable[int], version: int, at: dt.datetime,
    next_update: dt.timedelta | None = DEFAULT_NEXT_UPDATE,
) -> dict[str, Any]:
    """A signed status list of ``size`` indexes with the ``revoked`` ones set; its next
    version is due ``next_update`` after ``at`` (None: the list names no ``nextUpdate``)."""
    _check_size(size, source="<status list>")
    if version < 1:
        raise InputError("the version must be at least 1", code="bad_status_list")
    if next_update is not None and next_update <= dt.timedelta(0):
        raise InputError("the next update must come after the issue time",
                         code="bad_next_update")
    bits = bytearray((size + 7) // 8)
    for index in revoked:
        if not 0 <= index < size:
            raise InputError(f"status index {index} is outside 0 to {size - 1}",
                             code="status_index_out_of_range")
        bits[index >> 3] |= 0x80 >> (index & 7)
    content: dict[str, Any] = {"issuer": signer.kid, "version": version,
                               "issued": format_time(at)}
    if next_update is not None:
        content["nextUpdate"] = format_time(at + next_update)
    content.update(size=size, bits=b64url_encode(zlib.compress(bytes(bits), 9)))
    return {CONTENT_KEY: content,
            "signatures": [sign_content(content, signer, typ=TYP_STATUS_LIST, at=at)]}


@dataclass(frozen=True)
class StatusListUpdate:
    """The outcome of :func:`next_status_list`: the new signed list (None when nothing
    changed), its version and size, the indexes newly set, and how many are set in all."""

    document: dict[str, Any] | None
    version: int
    size: int
    added: tuple[int, ...]
    revoked: int


def size_for(highest_index: int, *, step: int = STATUS_LIST_SIZE_STEP) -> int:
    """The smallest multiple of ``step`` (at least one step) that covers ``highest_index``."""
    return max(step, (highest_index // step + 1) * step)


def next_status_list(
    existing: bytes | None, signer: Signer, *, revoked: Iterable[int], at: dt.datetime,
    known: tuple[int, int] | None = None, highest_index: int = -1, reissue: bool = False,
    next_update: dt.timedelta = DEFAULT_NEXT_UPDATE, step: int = STATUS_LIST_SIZE_STEP,
    source: str = "<status list>",
) -> StatusListUpdate:
    """The next version of ``signer``'s status list with every index of ``revoked`` set.

    The list continues from ``existing`` (the signer's own current list, its signature
    verifying), else from ``known`` (``(version, size)`` of the last list the certifier's
    records show, whose set bits are among ``revoked``), else it starts at version 1. It
    never shrinks and never clears a bit: its size is the larger of the current one and
    :func:`size_for` the highest index revoked or handed out (``highest_index``), and every
    bit set in ``existing`` stays set. ``existing`` older than ``known`` is refused
    (``stale_status_list``). With no new bit and no growth the list is re-issued only with
    ``reissue`` (else ``document`` is None)."""
    if next_update <= dt.timedelta(0):
        raise InputError("the next update must come after the issue time", source=source,
                         code="bad_next_update")
    wanted = sorted(set(revoked))
    if wanted and wanted[0] < 0:
        raise InputError(f"status index {wanted[0]} is negative", source=source,
                         code="status_index_out_of_range")
    old_bits = b""
    version, size = 0, 0
    if existing is not None:
        current = _own_status_list(existing, signer, source=source)
        if known is not None and current.version < known[0]:
            raise InputError(
                f"holds version {current.version} of the status list, but version {known[0]} "
                "was issued since (the certifier's ledger records it): this is an older "
                "copy; give the current list", source=source, code="stale_status_list")
        version, size, old_bits = current.version, current.size, current.bits
    elif known is not None:
        version, size = known
    highest = max([highest_index, *wanted[-1:]])
    new_size = max(size, size_for(highest, step=step) if highest >= 0 else step)
    _check_size(new_size, source=source)
    bits = bytearray((new_size + 7) // 8)
    bits[:len(old_bits)] = old_bits
    added = []
    for index in wanted:
        mask = 0x80 >> (index & 7)
        if not bits[index >> 3] & mask:
            bits[index >> 3] |= mask
            added.append(index)
    total = sum(bin(byte).count("1") for byte in bits if byte)
    if version > 0 and not added and new_size == size and not reissue:
        return StatusListUpdate(None, version, size, (), total)
    content: dict[str, Any] = {
        "issuer": signer.kid, "version": version + 1, "issued": format_time(at),
        "nextUpdate": format_time(at + next_update), "size": new_size,
        "bits": b64url_encode(zlib.compress(bytes(bits), 9))}
    document = {CONTENT_KEY: content,
                "signatures": [sign_content(content, signer, typ=TYP_STATUS_LIST, at=at)]}
    return StatusListUpdate(document, version + 1, new_size, tuple(added), total)


def _own_status_list(existing: bytes, signer: Signer, *, source: str) -> StatusList:
    """``existing`` read as ``signer``'s own status list whose signature verifies."""
    document = parse_signed_document(existing, content_key=CONTENT_KEY, source=source,
                                     max_bytes=MAX_STATUS_LIST_BYTES)
    issuer = document.content.get("issuer")
    if issuer != signer.kid:
        raise InputError(f"belongs to another certifier ({issuer}); this key is {signer.kid}",
                         source=source, code="wrong_issuer")
    return verify_status_list(existing, source=source,
                              key_for=lambda kid: signer.public_key if kid == signer.kid
                              else None)


def verify_status_list(
    data: bytes, *, key_for: Callable[[str], PublicKey | None], source: str = "<status list>"
) -> StatusList:
    """Parse and verify a signed status list; ``key_for(kid)`` gives the trusted certifier
    key. The signature is checked before the bits are inflated.

    Raises :class:`InputError`: ``revocation_list_untrusted`` (issuer not a trusted
    certifier), ``revocation_list_signature`` (no valid signature by it) or
    ``bad_status_list`` (the content, with the place)."""
    document = parse_signed_document(data, content_key=CONTENT_KEY, source=source,
                                     max_bytes=MAX_STATUS_LIST_BYTES)
    content = document.content
    issuer = content.get("issuer")
    if not isinstance(issuer, str):
        raise _bad("names no issuer (a certifier's key id)", source, "issuer")
    key = key_for(issuer)
    if key is None:
        raise InputError(f"is issued by {issuer}, which is not a certifier in the trust list",
                         source=source, code="revocation_list_untrusted")
    if not any(entry.kid == issuer and signature_problem(
            entry, document.payload, key, typ=TYP_STATUS_LIST) is None
            for entry in document.signatures):
        raise InputError("has no valid signature by its issuer", source=source,
                         code="revocation_list_signature")
    return status_list_from_content(content, source=source, payload=document.payload)


def status_list_from_content(content: dict[str, Any], *, source: str,
                             payload: bytes | None = None) -> StatusList:
    """Check the signed content strictly and inflate the bits (signature not checked)."""
    extra = sorted(set(content) - _FIELDS)
    if extra:
        raise _bad(f"unexpected member {extra[0]!r}", source, extra[0])
    missing = sorted(_REQUIRED - set(content))
    if missing:
        raise _bad(f"is missing {missing[0]!r}", source, missing[0])
    version, size, bits = content["version"], content["size"], content["bits"]
    if type(version) is not int or not 1 <= version < 2**53:
        raise _bad("'version' must be a positive integer", source, "version")
    if type(size) is not int:
        raise _bad("'size' must be an integer", source, "size")
    _check_size(size, source=source)
    if not isinstance(bits, str) or not _BASE64URL.match(bits):
        raise _bad("'bits' must be base64url text", source, "bits")
    issued = parse_time_or_none(content["issued"])
    if issued is None:
        raise _bad("'issued' must be an RFC 3339 time with an offset", source, "issued")
    next_update = None
    if "nextUpdate" in content:
        next_update = parse_time_or_none(content["nextUpdate"])
        if next_update is None:
            raise _bad("'nextUpdate' must be an RFC 3339 time with an offset", source,
                       "nextUpdate")
        if next_update <= issued:
            raise _bad("'nextUpdate' must come after 'issued'", source, "nextUpdate")
    expected = (size + 7) // 8
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(b64url_decode(bits, what="bits"), expected + 1)
    except InputError:
        raise _bad("'bits' is not canonical unpadded base64url", source, "bits") from None
    except zlib.error as exc:
        raise _bad(f"'bits' is not zlib data ({exc})", source, "bits") from None
    if len(raw) != expected or not inflater.eof or inflater.unused_data:
        raise _bad(f"'bits' must inflate to exactly {expected} bytes for {size} indexes",
                   source, "bits")
    if size % 8 and raw[-1] & (0xFF >> (size % 8)):
        raise _bad("bits beyond 'size' must be 0", source, "bits")
    digest = hashlib.sha256(payload if payload is not None else canonical_bytes(content))
    return StatusList(issuer=content["issuer"], version=version, issued=issued, size=size,
                      bits=raw, digest=digest.digest(), next_update=next_update,
                      encoded_bits=bits)


def _check_size(size: int, *, source: str) -> None:
    if not 1 <= size <= MAX_STATUS_ENTRIES:
        raise InputError(f"a status list holds 1 to {MAX_STATUS_ENTRIES} indexes (got {size})",
                         source=source, location=f"$.{CONTENT_KEY}.size",
                         code="bad_status_list")


def _bad(message: str, source: str, member: str) -> InputError:
    return InputError(message, source=source, location=f"$.{CONTENT_KEY}.{member}",
                      code="bad_status_list")
