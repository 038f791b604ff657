"""Keys: public keys as JWKs with RFC 7638 thumbprint kids, and the ``Signer`` interface.

Two algorithms: Ed25519 (JOSE ``EdDSA``, the default) and ECDSA P-256 with SHA-256 (JOSE
``ES256``, signatures always as raw 64-byte R‖S, never DER). A ``Signer`` signs bytes and
names its algorithm and kid; callers never see a key path, so a hardware key can replace a
file key without touching them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from cfl.errors import InputError, KeyFileError
from cfl.io.atomic import open_atomic, write_atomic
from cfl.io.jsonio import dumps_pretty, loads_strict
from cfl.io.kinds import PUBLIC_KEY, document_kind, require_kind
from cfl.signing.b64url import b64url_decode, b64url_encode
from cfl.signing.keyfile import MIN_PASSPHRASE_CHARS, encrypted_pkcs8_pem

ALGORITHMS = ("EdDSA", "ES256")
#: The JOSE ``alg`` a new signature of each key algorithm carries: the fully-specified
#: identifiers of RFC 9864 (``Ed25519``; JOSE's ``ES256`` is fully specified already).
JWS_ALG_BY_KEY_ALG = {"EdDSA": "Ed25519", "ES256": "ES256"}
#: Every JOSE ``alg`` accepted on a signature, and the key algorithm it needs: the older,
#: polymorphic ``EdDSA`` keeps verifying (RFC 9864 deprecates it for new signatures).
KEY_ALG_BY_JWS_ALG = {"Ed25519": "EdDSA", "EdDSA": "EdDSA", "ES256": "ES256"}
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
        if "kty" not in jwk:

            require_kind(jwk, (PUBLIC_KEY,), source=source)
            raise InputError("is not a public JWK (it has no \"kty\" member); give the "
                             f"{PUBLIC_KEY_FILE} that `cfl keys generate` wrote, or its key "
                             "folder", source=source, code="bad_jwk")
        kty, crv = jwk.get("kty"), jwk.get("crv")
        try:
            if kty == "OKP" and crv == "Ed25519":
                x = b64url_decode(jwk.get("x", ""), what="JWK 'x'")
                if len(x) != 32:
                    raise InputError("Ed25519 'x' must be 32 bytes", code="bad_jwk")
                if _weak_ed25519(x):
                    raise InputError("is a weak Ed25519 key (a point of small order, or "
                                     "not canonically encoded): signatures under it can be "
                                     "forged by anyone", code="weak_key")
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


#: Ed25519 points of small order (orders 1, 2, 4 and 8), sign bit cleared, as libsodium
#: lists them: OpenSSL verifies signatures anyone can make under such a public key.
_SMALL_ORDER_ED25519 = frozenset(bytes.fromhex(point) for point in (
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
))
_ED25519_P = 2**255 - 19


def _weak_ed25519(x: bytes) -> bool:
    """True for a small-order point or a non-canonical encoding (y ≥ p) of any point."""
    unsigned = x[:31] + bytes([x[31] & 0x7F])
    return unsigned in _SMALL_ORDER_ED25519 or int.from_bytes(unsigned, "little") >= _ED25519_P


def jwk_thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order."""
    if jwk.get("kty") == "OKP":
        members = {"crv": jwk["crv"], "kty": "OKP", "x": jwk["x"]}
    else:
        members = {"crv": jwk["crv"], "kty": "EC", "x": jwk["x"], "y": jwk["y"]}
    if all(isinstance(value, str) and _PLAIN_MEMBER.fullmatch(value) for value in
           members.values()):  # nothing to escape: the JSON is the members in order, quoted
        text = "{" + ",".join(f'"{name}":"{members[name]}"' for name in sorted(members)) + "}"
    else:
        text = json.dumps(members, separators=(",", ":"), sort_keys=True)
    return b64url_encode(hashlib.sha256(text.encode("ascii")).digest())


#: A JWK member value JSON writes as itself between quotes (base64url, curve names).
_PLAIN_MEMBER = re.compile(r"[A-Za-z0-9_-]*")


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
        """For key storage only (``cfl.signing.keys`` storage functions); never log or print it."""
        return self._key

    def sign(self, data: bytes) -> bytes:
        if isinstance(self._key, ed25519.Ed25519PrivateKey):
            return self._key.sign(data)
        # RFC 6979 deterministic nonces: no dependence on the RNG at signing time, and the
        # same input gives the same signature (reproducible test vectors)
        der = self._key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
        r, s = decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def __repr__(self) -> str:  # never show key material
        return f"LocalSigner(alg={self.alg!r}, kid={self.kid!r})"


# --------------------------------------------------------------------------- key files

PRIVATE_KEY_FILE = "private.pem"
PUBLIC_KEY_FILE = "public.jwk.json"
#: Bound on a key file, checked before parsing.
MAX_KEY_FILE_BYTES = 64 * 1024


@dataclass(frozen=True)
class KeyPairPaths:
    private: Path
    public: Path


def write_key_pair(directory: str | Path, signer: LocalSigner, passphrase: bytes,
                   *, overwrite: bool = False) -> KeyPairPaths:
    """Write ``DIR/private.pem`` (encrypted PKCS#8: PBES2, PBKDF2-HMAC-SHA256 with
    :data:`~cfl.signing.keyfile.PBKDF2_ROUNDS` rounds, AES-256-CBC; mode 0600 from creation)
    and ``DIR/public.jwk.json``. Existing key files are never replaced unless ``overwrite``.
    A passphrase shorter than :data:`~cfl.signing.keyfile.MIN_PASSPHRASE_CHARS` characters is
    refused for a new key (an existing key still loads with its own)."""
    _require_passphrase(passphrase)
    if len(passphrase.decode("utf-8", errors="replace")) < MIN_PASSPHRASE_CHARS:
        raise KeyFileError(f"the passphrase is shorter than {MIN_PASSPHRASE_CHARS} characters; "
                           "a new key needs a longer one (a few words is easy to type)",
                           code="short_passphrase")
    folder = Path(directory)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise KeyFileError(f"{folder}: cannot create the key folder ({exc.strerror})",
                           code="key_write") from None
    paths = KeyPairPaths(folder / PRIVATE_KEY_FILE, folder / PUBLIC_KEY_FILE)
    if not overwrite:
        for path in (paths.private, paths.public):
            if path.exists():
                raise KeyFileError(f"{path}: already exists; refusing to replace a key",
                                   code="key_exists")
    pem = encrypted_pkcs8_pem(signer.private_key, passphrase)
    with open_atomic(paths.private, mode=0o600) as fh:
        fh.write(pem)
    write_atomic(paths.public, dumps_pretty(signer.public_key.jwk))
    return paths


def load_signer(path: str | Path, passphrase: bytes) -> LocalSigner:
    """A ``LocalSigner`` from an encrypted PKCS#8 PEM file, or a key folder holding one.

    A wrong passphrase, a damaged file and an unencrypted key are refused with a
    :class:`KeyFileError` that never holds key material or decryption details.
    """
    from cryptography.hazmat.primitives import serialization

    _require_passphrase(passphrase)
    target, data = read_private_key_file(path)
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except TypeError:  # the file is not encrypted
        raise KeyFileError(f"{target}: the private key is not encrypted; cfl only uses "
                           "passphrase-protected keys", code="key_unencrypted") from None
    except (ValueError, UnsupportedAlgorithm):
        raise KeyFileError(f"{target}: cannot decrypt the private key (wrong passphrase or "
                           "damaged file)", code="key_decrypt") from None
    if isinstance(key, ed25519.Ed25519PrivateKey) or (
        isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1)
    ):
        return LocalSigner(key)
    raise KeyFileError(f"{target}: unsupported key type; expected Ed25519 or P-256",
                       code="key_unsupported")


def read_private_key_file(path: str | Path) -> tuple[Path, bytes]:
    """The private key file's path and bytes (a key folder or its ``private.pem``), refusing
    with a :class:`KeyFileError` that says what to give instead: a folder without a private
    key, a public JWK, or any other file that is not PEM. Nothing is decrypted here."""
    target = private_key_path(path)
    if Path(path).is_dir() and not target.exists():
        has_public = (Path(path) / PUBLIC_KEY_FILE).exists()
        found = f"it holds only {PUBLIC_KEY_FILE}, the public half" if has_public else \
            "it holds no key files"
        raise KeyFileError(f"{path}: the key folder has no {PRIVATE_KEY_FILE} ({found}); "
                           "signing needs the folder `cfl keys generate` wrote, with its "
                           "private key", code="key_missing")
    data = _read_key_file(target)
    if not data.lstrip().startswith(b"-----BEGIN"):
        what = "is not a PEM private key"
        if data.lstrip().startswith(b"{"):

            try:
                kind = document_kind(loads_strict(data, source=str(target))) or "JSON file"
            except InputError:
                kind = "JSON file"
            what = f"is a {kind}, not a private key"
        raise KeyFileError(f"{target}: {what}; give the key folder `cfl keys generate` wrote, "
                           f"or its {PRIVATE_KEY_FILE}", code="key_not_pem")
    return target, data


def private_key_path(path: str | Path) -> Path:
    target = Path(path)
    return target / PRIVATE_KEY_FILE if target.is_dir() else target


def key_file_warning(path: str | Path) -> str | None:
    """A warning if the private key file can be read or written by group or others."""
    target = private_key_path(path)
    try:
        mode = target.stat().st_mode & 0o777
    except OSError:
        return None
    if mode & 0o077:
        return (f"{target}: the private key file is accessible by other users (mode "
                f"{mode:04o}); run `chmod 600 {target}`")
    return None


def load_public_key(path: str | Path) -> PublicKey:
    """A public key from a JWK file, or a key folder's (or ``private.pem``'s sibling)
    ``public.jwk.json``; the private key is never read."""

    target = Path(path)
    if target.is_dir():
        target = target / PUBLIC_KEY_FILE
    elif target.name == PRIVATE_KEY_FILE:  # the public half lives beside it
        target = target.with_name(PUBLIC_KEY_FILE)
    data = _read_key_file(target)
    return PublicKey.from_jwk(loads_strict(data, source=str(target)), source=str(target))


def _read_key_file(target: Path) -> bytes:
    try:
        with target.open("rb") as fh:
            data = fh.read(MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError:
        raise KeyFileError(f"{target}: no such key file", code="key_missing") from None
    except IsADirectoryError:
        raise KeyFileError(f"{target}: is a directory; expected a key file",
                           code="key_missing") from None
    except OSError as exc:
        raise KeyFileError(f"{target}: cannot read the key file ({exc.strerror})",
                           code="key_unreadable") from None
    if len(data) > MAX_KEY_FILE_BYTES:
        raise KeyFileError(f"{target}: is larger than {MAX_KEY_FILE_BYTES} bytes; not a key "
                           "file", code="key_too_large")
    return data


def _require_passphrase(passphrase: bytes) -> None:
    if not passphrase:
        raise KeyFileError("an empty passphrase is not accepted", code="empty_passphrase")
