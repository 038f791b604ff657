"""The fuzz oracle: what any input may come to, and what a PASSED input must also satisfy.

1. A decoder returns its result (a report, a context, a declaration …) or raises a
   :class:`~cfl.errors.CflError` whose text a terminal can print; any other exception is a
   crash (the CLI would show a traceback) and fails the target with the input that caused it.
2. A report is printable as text and JSON (what ``cfl verify`` prints).
3. A PASSED input's signatures hold independently of cfl's verifier: a JWS signature over
   the *reference* RFC 8785 bytes of the content (:func:`reference_canonical_bytes`, the
   ``rfc8785`` package) — so the fast canonical path never accepts bytes the reference would
   sign differently — and a COSE claim's signature over its Sig_structure encoded by
   ``cbor2``, checked with ``cryptography`` directly.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import cbor2
import pypdfium2 as pdfium
import zxingcpp
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from cfl.errors import CflError
from cfl.report.model import Status, VerificationReport
from cfl.report.render import report_json, report_text
from cfl.signing.jcs import reference_canonical_bytes

T = TypeVar("T")


def outcome(call: Callable[[], T]) -> T | CflError:
    """``call()``, or the :class:`CflError` it raised (whose text must print as UTF-8).
    Anything else propagates: that is the crash the fuzzer looks for."""
    try:
        return call()
    except CflError as exc:
        message = str(exc)
        message.encode("utf-8")
        assert message.strip(), f"a {type(exc).__name__} ({exc.code}) without a message"
        return exc


def name_of(result: object) -> str:
    """A short name for the tally: ``error:<code>``, a report's bottom line, or a type."""
    if isinstance(result, CflError):
        return f"error:{result.code}"
    if isinstance(result, VerificationReport):
        return result.bottom_line.value
    if isinstance(result, str):
        return result
    return type(result).__name__


def printable_report(report: VerificationReport) -> None:
    assert isinstance(report, VerificationReport), repr(report)
    report_text(report).encode("utf-8")
    report_json(report).encode("utf-8")


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _ed25519(raw_public: bytes) -> ed25519.Ed25519PublicKey:
    return ed25519.Ed25519PublicKey.from_public_bytes(raw_public)


def jws_holds(document: bytes, content_key: str, public_key: bytes, kid: str) -> bool:
    """True if a signature entry by ``kid`` verifies over the reference JCS bytes of the
    document's content (parsed by the standard library, not by cfl's strict reader)."""
    value = json.loads(document.decode("utf-8"), parse_float=Decimal)
    payload = reference_canonical_bytes(value[content_key])
    encoded = base64.urlsafe_b64encode(payload).rstrip(b"=")
    key = _ed25519(public_key)
    for entry in value["signatures"]:
        header = json.loads(_b64url(entry["protected"]))
        if header.get("kid") != kid:
            continue
        try:
            key.verify(_b64url(entry["signature"]), entry["protected"].encode() + b"." + encoded)
        except InvalidSignature:
            continue
        return True
    return False


def cose_holds(claim: bytes, public_key: bytes) -> bool:
    """True if the tagged COSE_Sign1 ``claim`` verifies (Sig_structure encoded by cbor2)."""
    outer = cbor2.loads(claim)
    protected, _, payload, signature = outer.value
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    try:
        _ed25519(public_key).verify(signature, to_be_signed)
    except InvalidSignature:
        return False
    return True


def claim_bytes(text: str) -> bytes:
    digits = text.strip()[text.strip().rfind("/") + 1:]
    number = int(digits)
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


def pdf_attachments(pdf: bytes) -> list[bytes]:
    """Every embedded file but the render record (render.json, not a signed document)."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [bytes(document.get_attachment(i).get_data())
                for i in range(document.count_attachments())
                if document.get_attachment(i).get_name() != "render.json"]
    finally:
        document.close()


def qr_texts_of_image(image: Any) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image) if result.valid]


def passed(report: VerificationReport) -> bool:
    return report.bottom_line is Status.PASSED


def raw_public_key(signer: Any) -> bytes:
    public = signer.private_key.public_key()
    return bytes(public.public_bytes(serialization.Encoding.Raw,
                                     serialization.PublicFormat.Raw))


def attempt(function: Callable[[], T], *errors: type[BaseException]) -> T | None:
    """``function()``, or None if it raised one of ``errors`` (the fuzzer's own tools: a
    mutation that cannot be re-signed is used unsigned)."""
    try:
        return function()
    except (CflError, *errors):
        return None
