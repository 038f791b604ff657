"""Strict base64url (RFC 4648 §5, no padding) as used by JOSE."""

from __future__ import annotations

import base64
import re

from cfl.errors import InputError

_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, *, what: str = "value") -> bytes:
    """Decode unpadded base64url; anything else (padding, '+', '/', spaces) is refused."""
    if not isinstance(text, str) or not _B64URL.match(text) or len(text) % 4 == 1:
        raise InputError(f"{what} is not unpadded base64url", code="bad_base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(data) != text:  # non-canonical trailing bits
        raise InputError(f"{what} is not canonical base64url", code="bad_base64url")
    return data
