"""Key files: encrypted PKCS#8 with mode 0600, public JWKs, clear errors, no key material."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from cfl.errors import InputError, KeyFileError
from cfl.io.jsonio import load_json_file
from cfl.signing.keys import (
    LocalSigner,
    PublicKey,
    key_file_warning,
    load_public_key,
    load_signer,
    write_key_pair,
)

PASSPHRASE = b"correct horse battery staple"


@pytest.mark.parametrize("alg", ["EdDSA", "ES256"])
def test_a_written_key_pair_loads_back_and_signs(tmp_path: Path, alg: str) -> None:
    signer = LocalSigner.generate(alg)
    paths = write_key_pair(tmp_path / "k", signer, PASSPHRASE)
    assert stat.S_IMODE(os.stat(paths.private).st_mode) == 0o600
    pem = paths.private.read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert PASSPHRASE not in pem
    loaded = load_signer(tmp_path / "k", PASSPHRASE)
    assert (loaded.alg, loaded.kid) == (alg, signer.kid)
    assert signer.public_key.verify(loaded.sign(b"data"), b"data")
    public = load_json_file(paths.public)
    assert public == signer.public_key.jwk and "d" not in public
    assert load_public_key(tmp_path / "k") == load_public_key(paths.public)
    assert load_public_key(paths.public).kid == signer.kid


def test_wrong_passphrase_is_a_key_error_without_details(tmp_path: Path) -> None:
    write_key_pair(tmp_path, LocalSigner.generate(), PASSPHRASE)
    with pytest.raises(KeyFileError) as info:
        load_signer(tmp_path / "private.pem", b"wrong horse")
    assert info.value.code == "key_decrypt"
    assert "wrong horse" not in str(info.value) and "horse battery" not in str(info.value)
    assert info.value.__cause__ is None


def test_an_empty_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError) as info:
        write_key_pair(tmp_path, LocalSigner.generate(), b"")
    assert info.value.code == "empty_passphrase"
    assert not (tmp_path / "private.pem").exists()


def test_a_missing_key_file(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError) as info:
        load_signer(tmp_path / "nothing.pem", PASSPHRASE)
    assert info.value.code == "key_missing"


def test_an_unencrypted_key_is_refused(tmp_path: Path) -> None:
    signer = LocalSigner.generate()
    pem = signer.private_key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption())
    (tmp_path / "plain.pem").write_bytes(pem)
    with pytest.raises(KeyFileError) as info:
        load_signer(tmp_path / "plain.pem", PASSPHRASE)
    assert info.value.code == "key_unencrypted"


def test_an_unsupported_key_type_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP384R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(PASSPHRASE))
    (tmp_path / "p384.pem").write_bytes(pem)
    with pytest.raises(KeyFileError) as info:
        load_signer(tmp_path / "p384.pem", PASSPHRASE)
    assert info.value.code == "key_unsupported"


def test_an_unsupported_algorithm_name_is_refused() -> None:
    with pytest.raises(InputError) as info:
        LocalSigner.generate("RS256")
    assert info.value.code == "bad_alg"


def test_existing_keys_are_never_replaced(tmp_path: Path) -> None:
    write_key_pair(tmp_path, LocalSigner.generate(), PASSPHRASE)
    before = (tmp_path / "private.pem").read_bytes()
    with pytest.raises(KeyFileError) as info:
        write_key_pair(tmp_path, LocalSigner.generate(), PASSPHRASE)
    assert info.value.code == "key_exists"
    assert (tmp_path / "private.pem").read_bytes() == before


def test_a_key_file_readable_by_others_is_warned_about(tmp_path: Path) -> None:
    paths = write_key_pair(tmp_path, LocalSigner.generate(), PASSPHRASE)
    assert key_file_warning(tmp_path) is None
    paths.private.chmod(0o644)
    warning = key_file_warning(tmp_path)
    assert warning is not None and "0644" in warning and "chmod 600" in warning


def test_a_public_jwk_file_with_a_private_member_is_refused(tmp_path: Path) -> None:
    (tmp_path / "k.json").write_text('{"kty": "OKP", "crv": "Ed25519", "x": "AAAA", "d": "x"}')
    with pytest.raises(InputError) as info:
        load_public_key(tmp_path / "k.json")
    assert info.value.code == "private_jwk"


def test_signer_repr_shows_no_key_material() -> None:
    signer = LocalSigner.generate()
    raw = signer.private_key.private_bytes(serialization.Encoding.Raw,
                                           serialization.PrivateFormat.Raw,
                                           serialization.NoEncryption())
    from cfl.signing.b64url import b64url_encode

    assert b64url_encode(raw) not in repr(signer)
    assert isinstance(signer.public_key, PublicKey)


def test_the_public_key_is_found_beside_private_pem(tmp_path: Path) -> None:
    signer = LocalSigner.generate()
    paths = write_key_pair(tmp_path, signer, PASSPHRASE)
    assert load_public_key(paths.private).kid == signer.kid


# Ed25519 points of small order (and non-canonical encodings of y ≥ p): with such a public
# key, OpenSSL verifies a "signature" anyone can make (R = identity, S = 0 for the identity).
SMALL_ORDER_ED25519 = [
    "0100000000000000000000000000000000000000000000000000000000000000",  # identity
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 2
    "0000000000000000000000000000000000000000000000000000000000000000",  # order 4
    "0000000000000000000000000000000000000000000000000000000000000080",  # order 4
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  # order 8
    "0100000000000000000000000000000000000000000000000000000000000080",  # identity, sign
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # y = p
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # y = p + 1
]


@pytest.mark.parametrize("point", SMALL_ORDER_ED25519)
def test_a_small_order_or_non_canonical_ed25519_key_is_refused(point: str) -> None:
    from cfl.errors import InputError
    from cfl.signing.b64url import b64url_encode
    from cfl.signing.keys import PublicKey

    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(bytes.fromhex(point))}
    with pytest.raises(InputError) as info:
        PublicKey.from_jwk(jwk, source="weak.jwk")
    assert info.value.code == "weak_key"


def test_the_identity_key_really_accepts_a_forgery_in_openssl() -> None:
    """Why the check above exists (if this ever fails, OpenSSL started refusing them)."""
    from cryptography.hazmat.primitives.asymmetric import ed25519

    identity = bytes.fromhex(SMALL_ORDER_ED25519[0])
    key = ed25519.Ed25519PublicKey.from_public_bytes(identity)
    key.verify(identity + bytes(32), b"any message at all")


def test_es256_signs_deterministically_rfc6979() -> None:
    from cfl.signing.keys import LocalSigner

    signer = LocalSigner.generate("ES256")
    first, second = signer.sign(b"same input"), signer.sign(b"same input")
    assert first == second and len(first) == 64
    assert signer.public_key.verify(first, b"same input")
    assert signer.sign(b"other input") != first
