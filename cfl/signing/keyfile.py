"""Encrypted PKCS#8 key files with a strong key derivation.

``cryptography`` writes encrypted PKCS#8 only with its built-in choice of PBKDF2 rounds
(2,048 for ``BestAvailableEncryption``), which a GPU guesses through quickly. cfl writes the
same standard structure, RFC 8018 PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC, but with
:data:`PBKDF2_ROUNDS` rounds, encoded here in DER (a few fixed SEQUENCEs). Any PKCS#8 reader
(``openssl pkcs8``, ``cryptography``'s ``load_pem_private_key``) decrypts it; key files
written before still load. See ADR 0130.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

#: PBKDF2-HMAC-SHA256 rounds for new key files (OWASP's 2023 figure for this PRF).
PBKDF2_ROUNDS = 600_000
#: Shortest passphrase accepted for a new key file (characters).
MIN_PASSPHRASE_CHARS = 12

_OID_PBES2 = "1.2.840.113549.1.5.13"
_OID_PBKDF2 = "1.2.840.113549.1.5.12"
_OID_HMAC_SHA256 = "1.2.840.113549.2.9"
_OID_AES256_CBC = "2.16.840.1.101.3.4.1.42"


def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    body = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _length(len(body)) + body


def _sequence(*items: bytes) -> bytes:
    return _tlv(0x30, b"".join(items))


def _integer(value: int) -> bytes:
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")  # a leading 0 keeps it positive
    return _tlv(0x02, body)


def _octets(value: bytes) -> bytes:
    return _tlv(0x04, value)


def _oid(dotted: str) -> bytes:
    first, second, *rest = (int(part) for part in dotted.split("."))
    body = bytearray([40 * first + second])
    for arc in rest:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return _tlv(0x06, bytes(body))


def encrypted_pkcs8_pem(private_key: PrivateKeyTypes, passphrase: bytes, *,
                        rounds: int = PBKDF2_ROUNDS) -> bytes:
    """The PEM ``ENCRYPTED PRIVATE KEY`` of ``private_key`` (RFC 5958 / RFC 8018 PBES2)."""
    plain = private_key.private_bytes(serialization.Encoding.DER,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
    salt, iv = os.urandom(16), os.urandom(16)
    key = PBKDF2HMAC(hashes.SHA256(), 32, salt, rounds).derive(passphrase)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    encrypted = encryptor.update(padded) + encryptor.finalize()
    algorithm = _sequence(
        _oid(_OID_PBES2),
        _sequence(
            _sequence(_oid(_OID_PBKDF2), _sequence(
                _octets(salt), _integer(rounds), _sequence(_oid(_OID_HMAC_SHA256), b"\x05\x00"))),
            _sequence(_oid(_OID_AES256_CBC), _octets(iv)),
        ),
    )
    der = _sequence(algorithm, _octets(encrypted))
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return (b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + b"\n".join(lines)
            + b"\n-----END ENCRYPTED PRIVATE KEY-----\n")
