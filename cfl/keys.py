"""Keys: public keys as JWKs with RFC 7638 thumbprint kids, and the ``Signer`` interface.

Two algorithms: Ed25519 (JOSE ``EdDSA``, the default) and ECDSA P-256 with SHA-256 (JOSE
``ES256``, signatures always as raw 64-byte R‖S, never DER). A ``Signer`` signs bytes and
names its algorithm and kid; callers never see a key path, so a hardware key can replace a
file key without touching them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from cfl.encoding import b64url_decode, b64url_encode
from cfl.errors import InputError

ALGORITHMS = ("EdDSA", "ES256")
#: CLI names → JOSE algorithm names.
ALG_BY_NAME = {"ed25519": "EdDSA", "es256": "ES256"}

PublicKeyObject = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
PrivateKeyObject = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


@runtime_checkable
class Signer(Protocol):
    """Anything that can sign bytes for cfl: a file key today, a hardware key tomorrow."""

    @property
    def alg(self) -> str:
        """JOSE algorithm name: ``EdDSA`` or ``ES256``."""

    @property
    def kid(self) -> str:
        """RFC 7638 JWK thumbprint of the public key (base64url SHA-256)."""

    @property
    def public_key(self) -> PublicKey:
        """The matching public key."""

    def sign(self, data: bytes) -> bytes:
        """Raw signature over ``data`` (64 bytes for both algorithms)."""


@dataclass(frozen=True)
class PublicKey:
    """A verification key, parsed from (and written as) a public JWK."""

    alg: str
    key: PublicKeyObject
    jwk: dict[str, str]
    kid: str

    @classmethod
    def from_jwk(cls, jwk: Any, *, source: str = "<jwk>") -> PublicKey:
        """Parse a public JWK strictly; private members or odd curves are refused."""
        if not isinstance(jwk, dict):
            raise InputError("expected a JWK object", source=source, code="bad_jwk")
        if "d" in jwk:
            raise InputError("holds a private key ('d'); give the public JWK only",
                             source=source, code="private_jwk")
        kty, crv = jwk.get("kty"), jwk.get("crv")
        try:
            if kty == "OKP" and crv == "Ed25519":
                x = b64url_decode(jwk.get("x", ""), what="JWK 'x'")
                if len(x) != 32:
                    raise InputError("Ed25519 'x' must be 32 bytes", code="bad_jwk")
                key: PublicKeyObject = ed25519.Ed25519PublicKey.from_public_bytes(x)
                alg = "EdDSA"
                core = {"crv": "Ed25519", "kty": "OKP", "x": jwk["x"]}
            elif kty == "EC" and crv == "P-256":
                x = b64url_decode(jwk.get("x", ""), what="JWK 'x'")
                y = b64url_decode(jwk.get("y", ""), what="JWK 'y'")
                if len(x) != 32 or len(y) != 32:
                    raise InputError("P-256 'x' and 'y' must be 32 bytes each", code="bad_jwk")
                key = ec.EllipticCurvePublicNumbers(
                    int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
                ).public_key()
                alg = "ES256"
                core = {"crv": "P-256", "kty": "EC", "x": jwk["x"], "y": jwk["y"]}
            else:
                raise InputError(
                    f"unsupported key type kty={kty!r} crv={crv!r}; expected OKP/Ed25519 "
                    "or EC/P-256", code="bad_jwk",
                )
        except InputError as exc:
            raise exc.at(source) from None
        except ValueError as exc:  # point not on curve, etc.
            raise InputError(f"is not a valid public key ({exc})", source=source,
                             code="bad_jwk") from None
        if "alg" in jwk and jwk["alg"] != alg:
            raise InputError(f"'alg' {jwk['alg']!r} does not match the key type ({alg})",
                             source=source, code="bad_jwk")
        kid = jwk_thumbprint(core)
        if "kid" in jwk and jwk["kid"] != kid:
            raise InputError("'kid' is not the RFC 7638 thumbprint of this key",
                             source=source, code="bad_jwk")
        return cls(alg=alg, key=key, jwk={**core, "alg": alg, "kid": kid}, kid=kid)

    @classmethod
    def from_key(cls, key: PublicKeyObject) -> PublicKey:
        return cls.from_jwk(_public_jwk(key))

    def verify(self, signature: bytes, data: bytes) -> bool:
        """True only for a valid raw signature of the expected length."""
        if len(signature) != 64:
            return False
        try:
            if isinstance(self.key, ed25519.Ed25519PublicKey):
                self.key.verify(signature, data)
            else:
                r = int.from_bytes(signature[:32], "big")
                s = int.from_bytes(signature[32:], "big")
                self.key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True


def jwk_thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order."""
    if jwk.get("kty") == "OKP":
        members = {"crv": jwk["crv"], "kty": "OKP", "x": jwk["x"]}
    else:
        members = {"crv": jwk["crv"], "kty": "EC", "x": jwk["x"], "y": jwk["y"]}
    text = json.dumps(members, separators=(",", ":"), sort_keys=True)
    return b64url_encode(hashlib.sha256(text.encode("ascii")).digest())


def _public_jwk(key: PublicKeyObject) -> dict[str, str]:
    if isinstance(key, ed25519.Ed25519PublicKey):
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
    numbers = key.public_numbers()
    return {
        "kty": "EC", "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(32, "big")),
        "y": b64url_encode(numbers.y.to_bytes(32, "big")),
    }


class LocalSigner:
    """A ``Signer`` over an in-memory private key (loaded from an encrypted file)."""

    def __init__(self, private_key: PrivateKeyObject) -> None:
        if isinstance(private_key, ec.EllipticCurvePrivateKey) and not isinstance(
            private_key.curve, ec.SECP256R1
        ):
            raise InputError("only P-256 EC keys are supported", code="bad_key")
        self._key = private_key
        self._public = PublicKey.from_key(private_key.public_key())

    @classmethod
    def generate(cls, alg: str = "EdDSA") -> LocalSigner:
        if alg == "EdDSA":
            return cls(ed25519.Ed25519PrivateKey.generate())
        if alg == "ES256":
            return cls(ec.generate_private_key(ec.SECP256R1()))
        raise InputError(f"unknown algorithm {alg!r}; expected one of {', '.join(ALGORITHMS)}",
                         code="bad_alg")

    @property
    def alg(self) -> str:
        return self._public.alg

    @property
    def kid(self) -> str:
        return self._public.kid

    @property
    def public_key(self) -> PublicKey:
        return self._public

    @property
    def private_key(self) -> PrivateKeyObject:
        """For key storage only (``cfl.keys`` storage functions); never log or print it."""
        return self._key

    def sign(self, data: bytes) -> bytes:
        if isinstance(self._key, ed25519.Ed25519PrivateKey):
            return self._key.sign(data)
        der = self._key.sign(data, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def __repr__(self) -> str:  # never show key material
        return f"LocalSigner(alg={self.alg!r}, kid={self.kid!r})"
