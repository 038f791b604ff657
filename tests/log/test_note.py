"""Signed notes: the Go reference implementation's vectors byte for byte, the rules for
unknown, failing and repeated signatures, verifier keys, and what is refused."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from log_world import LogWorld

from cfl.log.errors import LogFormatError, LogVerificationError
from cfl.log.note import (
    MAX_NOTE_BYTES,
    MAX_NOTE_SIGNATURES,
    SIG_COSIGNATURE_V1,
    SIG_ED25519,
    NoteSignature,
    NoteSigner,
    VerifierKey,
    cosignature_timestamp,
    format_note,
    key_id,
    open_note,
    parse_note,
    parse_verifier_key,
    raw_public_key,
    sign_note,
)
from cfl.signing.keys import LocalSigner

GO = json.loads((Path(__file__).resolve().parents[1] / "vectors" / "log" / "published" /
                 "signed-note.json").read_text(encoding="utf-8"))
TEXT = GO["text"]
NOTE = GO["signed_note"]
ENOCH_LINE = GO["second_signature_line"]
PETER = parse_verifier_key(GO["verifier_key"])
ENOCH = parse_verifier_key(GO["second_verifier_key"])


def go_signer() -> NoteSigner:
    """The Go test key: ``PRIVATE+KEY+<name>+<id>+base64(0x01 || seed)``."""
    *_, name, _, blob = GO["signer_key"].split("+", 4)
    seed = base64.b64decode(blob)
    assert seed[0] == SIG_ED25519
    return NoteSigner(name, LocalSigner(ed25519.Ed25519PrivateKey.from_private_bytes(seed[1:])))


# ------------------------------------------------------------------------- Go's vectors


def test_signing_gives_the_go_note_byte_for_byte() -> None:
    signer = go_signer()
    assert signer.verifier_key.text == GO["verifier_key"]
    assert signer.key_id == 0xC74F20A3
    assert sign_note(TEXT, [signer]).decode() == NOTE
    stale = NoteSignature("PeterNeumann", 0xC74F20A3, b"BADSIGNATURE")
    assert sign_note(TEXT, [signer], keep=[stale]).decode() == NOTE  # replaced, not kept


def test_one_trusted_signature_verifies_the_other_is_kept_unverified() -> None:
    opened = open_note((NOTE + ENOCH_LINE).encode(), [PETER])
    assert opened.text == TEXT
    assert [key for key, _ in opened.verified] == [PETER]
    assert [(s.name, s.key_id) for s in opened.unverified] == [("EnochRoot", 0xAF0CFE78)]
    both = open_note((NOTE + ENOCH_LINE).encode(), [PETER, ENOCH])
    assert [key for key, _ in both.verified] == [PETER, ENOCH]
    assert both.unverified == ()
    assert both.signed_by(ENOCH) is not None


def test_a_note_no_trusted_key_signed_is_refused() -> None:
    with pytest.raises(LogVerificationError) as caught:
        open_note((NOTE + ENOCH_LINE).encode(), [])
    assert caught.value.code == "note_unverified"
    with pytest.raises(LogVerificationError) as caught:
        open_note((TEXT + "\n" + ENOCH_LINE).encode(), [PETER])
    assert caught.value.code == "note_unverified"


def test_a_failing_trusted_signature_refuses_the_whole_note() -> None:
    line = NOTE[len(TEXT) + 1:]
    broken = TEXT + "\n" + line[:40] + "ABCD" + line[44:]
    with pytest.raises(LogVerificationError) as caught:
        open_note(broken.encode(), [PETER])
    assert caught.value.code == "note_signature_invalid"
    # also when a valid signature of the same key is present
    with pytest.raises(LogVerificationError):
        open_note((NOTE + broken[len(TEXT) + 1:]).encode(), [PETER])
    # and when the text was altered
    with pytest.raises(LogVerificationError):
        open_note(NOTE.replace("cryptography", "cryptographY").encode(), [PETER])


def test_repeated_signatures_count_once() -> None:
    enoch_altered = ENOCH_LINE[:40] + "ABCD" + ENOCH_LINE[44:]
    note = NOTE + NOTE[len(TEXT) + 1:] + ENOCH_LINE + ENOCH_LINE + enoch_altered
    opened = open_note(note.encode(), [PETER])
    assert len(opened.verified) == 1
    assert len(opened.unverified) == 2  # Enoch's line once, and the altered one


def test_the_go_malformed_notes_are_refused() -> None:
    peter_line = NOTE[len(TEXT) + 1:]
    for bad in [TEXT, TEXT + "\n", TEXT + "\n" + peter_line[:-1], "\x01" + TEXT + "\n" + peter_line,
                TEXT + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1"
                "FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
                TEXT + "\n" + peter_line + "Unexpected line.\n"]:
        with pytest.raises(LogFormatError) as caught:
            open_note(bad.encode(), [PETER])
        assert caught.value.code == "note_malformed"
    with pytest.raises(LogFormatError):
        open_note(b"\xff" + NOTE.encode(), [PETER])


def test_too_many_signatures_are_refused_before_any_is_checked() -> None:
    peter_line = NOTE[len(TEXT) + 1:]
    assert len(open_note((TEXT + "\n" + peter_line * 16).encode(), [PETER]).verified) == 1
    for keys in ([PETER], []):
        with pytest.raises(LogFormatError) as caught:
            open_note((TEXT + "\n" + peter_line * (MAX_NOTE_SIGNATURES + 1)).encode(), keys)
        assert caught.value.code == "note_too_large"
    with pytest.raises(LogFormatError) as caught:
        parse_note(b"x" * (MAX_NOTE_BYTES + 1))
    assert caught.value.code == "note_too_large"


def test_two_trusted_keys_with_one_name_and_id_are_a_configuration_error() -> None:
    other = VerifierKey(PETER.name, PETER.key_id, SIG_ED25519, ENOCH.public_key)
    with pytest.raises(LogFormatError) as caught:
        open_note(NOTE.encode(), [PETER, other])
    assert caught.value.code == "vkey_ambiguous"
    assert open_note(NOTE.encode(), [PETER, PETER]).verified[0][0] == PETER


# ------------------------------------------------------------------------- verifier keys


def test_verifier_keys_round_trip() -> None:
    for item in GO["other_verifier_keys"]:
        key = parse_verifier_key(item["key"])
        assert key.sig_type == item["type"]
        assert key.text == item["key"]
    assert PETER.text == GO["verifier_key"]


def test_every_mangling_of_a_verifier_key_is_refused() -> None:
    """As the Go test does: every substring and every one-character change."""
    text = GO["verifier_key"]
    for start in range(len(text) + 1):
        for end in range(start + 1, len(text) + 1):
            if (start, end) != (0, len(text)):
                with pytest.raises(LogFormatError):
                    parse_verifier_key(text[start:end])
    for position in range(len(text)):
        changed = text[:position] + chr(ord(text[position]) + 1) + text[position + 1:]
        with pytest.raises(LogFormatError):
            parse_verifier_key(changed)
    for item in GO["bad_verifier_keys"]:
        with pytest.raises(LogFormatError) as caught:
            parse_verifier_key(item["key"])
        assert caught.value.code == "vkey_malformed", item["why"]


def test_a_weak_key_or_a_bad_name_is_refused() -> None:
    small_order = bytes(32)
    name = "weak.example"
    keydata = base64.b64encode(bytes((SIG_ED25519,)) + small_order).decode()
    with pytest.raises(LogFormatError):
        parse_verifier_key(f"{name}+{key_id(name, SIG_ED25519, small_order):08x}+{keydata}")
    for bad in ["", "a b", "a+b", "a\tb", "\u00a0", "x" * 300]:
        with pytest.raises(LogFormatError):
            VerifierKey.from_public_key(bad, PETER.public_key)


def test_a_cosignature_key_id_and_timestamp_from_transparency_dev() -> None:
    remora = parse_verifier_key(GO["other_verifier_keys"][1]["key"])
    assert remora.sig_type == SIG_COSIGNATURE_V1
    assert remora.key_id == key_id(remora.name, SIG_COSIGNATURE_V1,
                                   raw_public_key(remora.public_key))
    blob = base64.b64decode(GO["cosignature_timestamp"]["signature"])
    assert cosignature_timestamp(blob[4:]) == GO["cosignature_timestamp"]["timestamp"]
    assert cosignature_timestamp(blob[4:-1]) is None


# ------------------------------------------------------------------------- cfl keys


def test_a_cfl_signer_signs_notes_others_open(world: LogWorld) -> None:
    note = sign_note("hello\n", [world.log, world.stranger])
    opened = open_note(note, [world.log.verifier_key])
    assert opened.text == "hello\n"
    assert [s.name for s in opened.unverified] == [world.stranger.name]  # same name, other id
    assert "PRIVATE" not in repr(world.log) and "seed" not in repr(world.log)


def test_texts_that_cannot_be_signed(world: LogWorld) -> None:
    for text in ["", "no newline", "tab\there\n", "bell\x07\n"]:
        with pytest.raises(LogFormatError):
            sign_note(text, [world.log])
    with pytest.raises(LogFormatError):
        sign_note("x\n", [])
    with pytest.raises(LogFormatError):
        format_note("x\n", [])
    with pytest.raises(LogFormatError):
        NoteSigner("es256", LocalSigner.generate("ES256"))
    with pytest.raises(LogFormatError):
        parse_note("x\n\n— name AAAAAAB=\n".encode())  # 5 bytes, not canonical
    with pytest.raises(LogFormatError):
        parse_note("x\n\n— name AAAA\n".encode())  # a key ID and no signature
