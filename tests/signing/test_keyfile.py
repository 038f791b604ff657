"""Key files: PBES2 with PBKDF2-HMAC-SHA256 at 600,000 rounds, readable by any PKCS#8 reader;
short passphrases refused for new keys; key files written before still load."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from cfl.errors import KeyFileError
from cfl.signing.keyfile import PBKDF2_ROUNDS
from cfl.signing.keys import LocalSigner, load_signer, write_key_pair

PASSPHRASE = b"four words make a key"


def _rounds(pem: bytes) -> int:
    """The PBKDF2 iteration count in an ENCRYPTED PRIVATE KEY (after the salt)."""
    der = base64.b64decode(b"".join(pem.splitlines()[1:-1]))
    salt_at = der.index(b"\x04\x10")  # OCTET STRING of the 16-byte salt
    count_at = salt_at + 18
    assert der[count_at] == 0x02
    length = der[count_at + 1]
    return int.from_bytes(der[count_at + 2:count_at + 2 + length], "big")


@pytest.mark.parametrize("alg", ["EdDSA", "ES256"])
def test_a_new_key_uses_the_strong_derivation_and_loads_back(tmp_path: Path, alg: str) -> None:
    signer = LocalSigner.generate(alg)
    paths = write_key_pair(tmp_path / "k", signer, PASSPHRASE)
    pem = paths.private.read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert _rounds(pem) == PBKDF2_ROUNDS >= 600_000
    assert paths.private.stat().st_mode & 0o777 == 0o600
    assert load_signer(tmp_path / "k", PASSPHRASE).kid == signer.kid
    with pytest.raises(KeyFileError) as info:
        load_signer(tmp_path / "k", b"another passphrase")
    assert info.value.code == "key_decrypt"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl command here")
def test_openssl_reads_the_key_file(tmp_path: Path) -> None:
    paths = write_key_pair(tmp_path / "k", LocalSigner.generate("ES256"), PASSPHRASE)
    done = subprocess.run(["openssl", "pkey", "-in", str(paths.private), "-passin",
                           "pass:" + PASSPHRASE.decode(), "-noout"], capture_output=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("passphrase", [b"7", b"short pass!"])
def test_a_short_passphrase_is_refused_for_a_new_key(tmp_path: Path, passphrase: bytes) -> None:
    with pytest.raises(KeyFileError) as info:
        write_key_pair(tmp_path / "k", LocalSigner.generate("EdDSA"), passphrase)
    assert info.value.code == "short_passphrase"
    assert not (tmp_path / "k" / "private.pem").exists()


def test_a_key_file_written_before_still_loads(tmp_path: Path) -> None:
    """cryptography's own encrypted PKCS#8 (2,048 rounds) and a short passphrase."""
    signer = LocalSigner.generate("EdDSA")
    pem = signer.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"7"))
    (tmp_path / "private.pem").write_bytes(pem)
    assert load_signer(tmp_path / "private.pem", b"7").kid == signer.kid
