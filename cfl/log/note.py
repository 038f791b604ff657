"""C2SP signed notes: text signed by one or more keys, with Ed25519 signatures and the
verifier-key text form ``<name>+<key ID>+<base64(type || public key)>``.

A note is its text (ending in a newline), a blank line, and signature lines
``— <key name> <base64(4-byte key ID || signature)>``. A key is identified by its name and
its key ID, ``SHA-256(name || 0x0A || type || public key)[:4]``. Two signature types are
handled: ``0x01``, Ed25519 over the note text (a log's checkpoint signature), and ``0x04``,
a timestamped Ed25519 witness cosignature (c2sp.org/tlog-cosignature, over
``cosignature/v1\\ntime <t>\\n`` followed by the note text).

Opening a note (:func:`open_note`) follows c2sp.org/signed-note: signatures from unknown
keys are ignored (kept in ``unverified``); every signature from a trusted key (same name
*and* key ID) must verify, or the whole note is refused (``note_signature_invalid``); a
note with no verified signature is refused (``note_unverified``). A note is bounded before
it is parsed: :data:`MAX_NOTE_BYTES` bytes and :data:`MAX_NOTE_SIGNATURES` signature lines
(the Go reference implementation's limit; the specification asks for at least 16).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ed25519

from cfl.errors import InputError
from cfl.log.errors import LogFormatError, LogVerificationError
from cfl.signing.b64url import b64url_decode
from cfl.signing.keys import PublicKey, Signer

SIG_ED25519 = 0x01
SIG_COSIGNATURE_V1 = 0x04
SIGNATURE_TYPES = {SIG_ED25519: "Ed25519", SIG_COSIGNATURE_V1: "Ed25519 cosignature/v1"}
#: Bound on a whole note, checked before it is decoded.
MAX_NOTE_BYTES = 256 * 1024
#: Bound on its signature lines.
MAX_NOTE_SIGNATURES = 100
#: Bound on a key name (signature lines and verifier keys).
MAX_KEY_NAME = 256
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
COSIGNATURE_HEADER = "cosignature/v1"
#: The largest cosignature timestamp (c2sp.org/tlog-cosignature: at most 2**63 − 1).
MAX_TIMESTAMP = 2**63 - 1

_CONTROL = re.compile("[\x00-\x09\x0b-\x1f]")
_HEX8 = re.compile("[0-9a-fA-F]{8}")


def valid_key_name(name: object) -> bool:
    """A key name (or checkpoint origin): non-empty, no Unicode space, no ``+``, no
    control character, at most :data:`MAX_KEY_NAME` characters."""
    return (isinstance(name, str) and 0 < len(name) <= MAX_KEY_NAME and "+" not in name
            and not any(character.isspace() for character in name)
            and _CONTROL.search(name) is None)


def key_id(name: str, sig_type: int, public_key: bytes) -> int:
    """``SHA-256(name || 0x0A || type || public key)[:4]`` as a big-endian uint32."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes((sig_type,)) + public_key)
    return int.from_bytes(digest.digest()[:4], "big")


def b64decode_strict(text: str, *, what: str, code: str = "note_malformed") -> bytes:
    """Standard padded base64 (RFC 4648 §4) in its one canonical spelling."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise LogFormatError(f"{what} is not base64", code=code) from None
    if base64.b64encode(data).decode("ascii") != text:
        raise LogFormatError(f"{what} is not canonical base64", code=code)
    return data


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def cosignature_message(text: str, timestamp: int) -> bytes:
    """What a ``cosignature/v1`` Ed25519 cosignature signs: two header lines, then the
    checkpoint's note text."""
    return f"{COSIGNATURE_HEADER}\ntime {timestamp}\n{text}".encode()


# ------------------------------------------------------------------------- keys


@dataclass(frozen=True)
class VerifierKey:
    """A trusted note key: name, key ID, signature type and Ed25519 public key."""

    name: str
    key_id: int
    sig_type: int
    public_key: PublicKey

    @classmethod
    def from_public_key(cls, name: str, public_key: PublicKey,
                        sig_type: int = SIG_ED25519) -> VerifierKey:
        if not valid_key_name(name):
            raise LogFormatError(f"{name!r} is not a valid key name (non-empty, no spaces, "
                                 "no '+')", code="vkey_malformed")
        if public_key.alg != "EdDSA":
            raise LogFormatError("note keys are Ed25519 keys", code="vkey_malformed")
        if sig_type not in SIGNATURE_TYPES:
            raise LogFormatError(f"signature type {sig_type:#04x} is not supported",
                                 code="vkey_malformed")
        return cls(name, key_id(name, sig_type, raw_public_key(public_key)), sig_type,
                   public_key)

    @property
    def text(self) -> str:
        """The verifier key string ``<name>+<8 hex digits>+<base64(type || key)>``."""
        keydata = bytes((self.sig_type,)) + raw_public_key(self.public_key)
        return f"{self.name}+{self.key_id:08x}+{b64encode(keydata)}"

    def verify(self, text: str, signature: bytes) -> bool:
        """Whether ``signature`` (the bytes after the key ID) is this key's over ``text``."""
        if self.sig_type == SIG_ED25519:
            return self.public_key.verify(signature, text.encode("utf-8"))
        timestamp = cosignature_timestamp(signature)
        if timestamp is None:
            return False
        return self.public_key.verify(signature[8:], cosignature_message(text, timestamp))


def raw_public_key(public_key: PublicKey) -> bytes:
    """The 32 bytes of an Ed25519 public key."""
    return b64url_decode(public_key.jwk["x"], what="JWK 'x'")


def cosignature_timestamp(signature: bytes) -> int | None:
    """The timestamp of a ``timestamped_signature`` (8-byte big-endian time, 64-byte
    Ed25519 signature), or None if the bytes are not one."""
    if len(signature) != 72:
        return None
    timestamp = int.from_bytes(signature[:8], "big")
    return timestamp if timestamp <= MAX_TIMESTAMP else None


def parse_verifier_key(text: str) -> VerifierKey:
    """A verifier key string: the name, the key ID as 8 hex digits, and base64 of the
    signature type byte and the 32-byte Ed25519 key. The key ID must be the one the name
    and key give; a weak Ed25519 key is refused as everywhere in cfl."""
    if not isinstance(text, str) or len(text) > MAX_KEY_NAME + 64:
        raise LogFormatError("a verifier key is a short string", code="vkey_malformed")
    name, _, rest = text.partition("+")
    hex_id, _, keydata_text = rest.partition("+")
    if not valid_key_name(name) or _HEX8.fullmatch(hex_id) is None or not keydata_text:
        raise LogFormatError(f"{text!r} is not <name>+<8 hex digits>+<base64 key>",
                             code="vkey_malformed")
    keydata = b64decode_strict(keydata_text, what="the verifier key's key",
                               code="vkey_malformed")
    if len(keydata) != 33 or keydata[0] not in SIGNATURE_TYPES:
        raise LogFormatError(f"{text!r}: the key is not a type byte (0x01 or 0x04) and 32 "
                             "Ed25519 bytes", code="vkey_malformed")
    try:
        public_key = PublicKey.from_key(ed25519.Ed25519PublicKey.from_public_bytes(
            keydata[1:]))
    except (InputError, ValueError) as exc:
        raise LogFormatError(f"{text!r}: not a usable Ed25519 key ({exc})",
                             code="vkey_malformed") from None
    key = VerifierKey.from_public_key(name, public_key, keydata[0])
    if key.key_id != int(hex_id, 16):
        raise LogFormatError(f"{text!r}: the key ID is not the hash of the name and key "
                             f"(expected {key.key_id:08x})", code="vkey_malformed")
    return key


# ------------------------------------------------------------------------- notes


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, key ID and the signature bytes after the key ID."""

    name: str
    key_id: int
    signature: bytes

    @property
    def line(self) -> str:
        blob = self.key_id.to_bytes(4, "big") + self.signature
        return f"{SIGNATURE_PREFIX}{self.name} {b64encode(blob)}\n"


@dataclass(frozen=True)
class Note:
    """A parsed (not yet verified) note: its text and its signature lines."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def to_bytes(self) -> bytes:
        return format_note(self.text, self.signatures)


def check_note_text(text: str) -> str:
    """``text`` if it can be a note's text: non-empty, ending in a newline, no control
    characters but newlines."""
    if not isinstance(text, str) or not text.endswith("\n") or _CONTROL.search(text):
        raise LogFormatError("a note's text ends with a newline and has no control "
                             "characters but newlines", code="note_malformed")
    if len(text.encode("utf-8")) > MAX_NOTE_BYTES:
        raise LogFormatError(f"a note's text is at most {MAX_NOTE_BYTES} bytes",
                             code="note_too_large")
    return text


def format_note(text: str, signatures: Sequence[NoteSignature]) -> bytes:
    """The note's bytes: text, blank line, one line per signature."""
    check_note_text(text)
    if not signatures:
        raise LogFormatError("a signed note has at least one signature", code="note_malformed")
    if len(signatures) > MAX_NOTE_SIGNATURES:
        raise LogFormatError(f"a note has at most {MAX_NOTE_SIGNATURES} signatures",
                             code="note_too_large")
    for signature in signatures:
        if not valid_key_name(signature.name):
            raise LogFormatError(f"{signature.name!r} is not a valid key name",
                                 code="note_malformed")
    data = (text + "\n" + "".join(signature.line for signature in signatures)).encode()
    if len(data) > MAX_NOTE_BYTES:
        raise LogFormatError(f"the note would be larger than {MAX_NOTE_BYTES} bytes",
                             code="note_too_large")
    return data


def parse_note(data: bytes) -> Note:
    """A note's text and signature lines, or :class:`LogFormatError`. Nothing is verified:
    use :func:`open_note` before trusting any of the text."""
    if not isinstance(data, bytes | bytearray):
        raise LogFormatError("a note is bytes", code="note_malformed")
    if len(data) > MAX_NOTE_BYTES:
        raise LogFormatError(f"the note is {len(data)} bytes, more than {MAX_NOTE_BYTES}",
                             code="note_too_large")
    try:
        message = bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        raise LogFormatError("a note is UTF-8", code="note_malformed") from None
    if _CONTROL.search(message) or not message.endswith("\n"):
        raise LogFormatError("a note ends with a newline and has no control characters but "
                             "newlines", code="note_malformed")
    split = message.rfind("\n\n")
    if split < 0:
        raise LogFormatError("a note's text is followed by a blank line and signatures",
                             code="note_malformed")
    text, lines = message[:split + 1], message[split + 2:].split("\n")[:-1]
    if not lines:
        raise LogFormatError("a signed note has at least one signature line",
                             code="note_malformed")
    if len(lines) > MAX_NOTE_SIGNATURES:
        raise LogFormatError(f"the note has {len(lines)} signature lines, more than "
                             f"{MAX_NOTE_SIGNATURES}", code="note_too_large")
    signatures = []
    for number, line in enumerate(lines, start=1):
        if not line.startswith(SIGNATURE_PREFIX):
            raise LogFormatError(f"signature line {number} does not start with an em dash "
                                 "and a space", code="note_malformed")
        name, space, blob_text = line[len(SIGNATURE_PREFIX):].partition(" ")
        if not space or not valid_key_name(name):
            raise LogFormatError(f"signature line {number} is not '— <key name> <base64>'",
                                 code="note_malformed")
        blob = b64decode_strict(blob_text, what=f"signature line {number}")
        if len(blob) < 5:
            raise LogFormatError(f"signature line {number} holds no signature after its "
                                 "key ID", code="note_malformed")
        signatures.append(NoteSignature(name, int.from_bytes(blob[:4], "big"), blob[4:]))
    return Note(text, tuple(signatures))


@dataclass(frozen=True)
class OpenedNote:
    """A note whose signatures were checked: the text, each trusted key that signed it
    (with its signature line), and the signatures of keys not trusted."""

    text: str
    verified: tuple[tuple[VerifierKey, NoteSignature], ...]
    unverified: tuple[NoteSignature, ...]

    def signed_by(self, key: VerifierKey) -> NoteSignature | None:
        for candidate, signature in self.verified:
            if candidate == key:
                return signature
        return None


def _index_keys(verifiers: Sequence[VerifierKey]) -> dict[tuple[str, int], VerifierKey]:
    known: dict[tuple[str, int], VerifierKey] = {}
    for key in verifiers:
        slot = (key.name, key.key_id)
        if slot in known and known[slot] != key:
            raise LogFormatError(f"two trusted keys are named {key.name}+{key.key_id:08x}",
                                 code="vkey_ambiguous")
        known[slot] = key
    return known


def open_note(data: bytes | Note, verifiers: Sequence[VerifierKey]) -> OpenedNote:
    """Parse a note and check its signatures against the trusted ``verifiers``.

    Every signature line whose name and key ID match a trusted key must verify, or the note
    is refused (``note_signature_invalid``); a key that signed more than once is listed
    once. Lines of unknown keys are ignored and returned in ``unverified`` (once each). A
    note with no verified signature is refused (``note_unverified``).
    """
    note = data if isinstance(data, Note) else parse_note(data)
    known = _index_keys(verifiers)
    verified: dict[tuple[str, int], tuple[VerifierKey, NoteSignature]] = {}
    unverified: dict[NoteSignature, None] = {}
    for signature in note.signatures:
        key = known.get((signature.name, signature.key_id))
        if key is None:
            unverified.setdefault(signature)
            continue
        if not key.verify(note.text, signature.signature):
            raise LogVerificationError(f"the signature of {key.name}+{key.key_id:08x} does "
                                       "not verify", code="note_signature_invalid")
        verified.setdefault((key.name, key.key_id), (key, signature))
    if not verified:
        raise LogVerificationError("no trusted key signed the note", code="note_unverified")
    return OpenedNote(note.text, tuple(verified.values()), tuple(unverified))


# ------------------------------------------------------------------------- signing


class NoteSigner:
    """Signs notes as key ``name`` with a cfl :class:`~cfl.signing.keys.Signer` (Ed25519:
    a file key or a hardware key alike)."""

    sig_type = SIG_ED25519

    def __init__(self, name: str, signer: Signer) -> None:
        if signer.alg != "EdDSA":
            raise LogFormatError(f"note signatures are Ed25519; the key is {signer.alg}",
                                 code="vkey_malformed")
        self.name = name
        self._signer = signer
        self.verifier_key = VerifierKey.from_public_key(name, signer.public_key,
                                                        self.sig_type)

    @property
    def key_id(self) -> int:
        return self.verifier_key.key_id

    def sign(self, text: str) -> NoteSignature:
        """The signature line of this key over the note text ``text``."""
        check_note_text(text)
        return NoteSignature(self.name, self.key_id, self._signer.sign(text.encode("utf-8")))

    def __repr__(self) -> str:  # never shows key material
        return f"{type(self).__name__}({self.verifier_key.text!r})"


def sign_note(text: str, signers: Sequence[NoteSigner], *,
              keep: Sequence[NoteSignature] = ()) -> bytes:
    """A note with ``text`` signed by each of ``signers``, after the signatures in ``keep``
    (a signature already there from one of the signers is replaced)."""
    if not signers:
        raise LogFormatError("sign a note with at least one key", code="note_malformed")
    mine = {(signer.name, signer.key_id) for signer in signers}
    kept = [signature for signature in keep if (signature.name, signature.key_id) not in mine]
    return format_note(text, [*kept, *(signer.sign(text) for signer in signers)])
