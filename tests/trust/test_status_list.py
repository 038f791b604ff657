"""Status lists: signed, compressed, bounded, one bit per declaration."""

from __future__ import annotations

import copy
import zlib

import pytest
from signing_world import AT, world

from cfl.errors import InputError
from cfl.signing.b64url import b64url_encode
from cfl.signing.jws import bundle_to_bytes
from cfl.trust.status_list import (
    CONTENT_KEY,
    MAX_STATUS_ENTRIES,
    issue_status_list,
    status_list_from_content,
    verify_status_list,
)


def _verify(document: dict[str, object]) -> object:
    w = world()
    return verify_status_list(bundle_to_bytes(document), key_for=w.context().certifier_key_for)


def test_a_signed_list_answers_each_index_in_one_bit() -> None:
    w = world()
    document = issue_status_list(w.certifier, size=1_000_003, revoked=[0, 7, 8, 999_999,
                                                                        1_000_002],
                                 version=3, at=AT)
    status = verify_status_list(bundle_to_bytes(document),
                                key_for=w.context().certifier_key_for)
    assert status.version == 3 and status.size == 1_000_003 and status.issuer == w.certifier.kid
    assert [status.is_revoked(i) for i in (0, 1, 6, 7, 8, 9, 999_999, 1_000_002)] == [
        True, False, False, True, True, False, True, True]
    assert status.revoked_indexes() == [0, 7, 8, 999_999, 1_000_002]
    assert len(bundle_to_bytes(document)) < 2_000  # a million indexes, few revoked


def test_an_index_outside_the_list_is_its_own_error() -> None:
    w = world()
    status = _verify(issue_status_list(w.certifier, size=16, revoked=[], version=1, at=AT))
    for index in (-1, 16, 2**40):
        with pytest.raises(InputError) as caught:
            status.is_revoked(index)  # type: ignore[attr-defined]
        assert caught.value.code == "status_index_out_of_range"
    with pytest.raises(InputError) as caught:
        issue_status_list(w.certifier, size=16, revoked=[16], version=1, at=AT)
    assert caught.value.code == "status_index_out_of_range"


def test_only_a_trusted_certifier_signature_is_accepted() -> None:
    w = world()
    key_for = w.context().certifier_key_for
    stranger = bundle_to_bytes(issue_status_list(w.stranger, size=8, revoked=[], version=1,
                                                 at=AT))
    with pytest.raises(InputError) as caught:
        verify_status_list(stranger, key_for=key_for)
    assert caught.value.code == "revocation_list_untrusted"
    document = issue_status_list(w.certifier, size=8, revoked=[], version=1, at=AT)
    document[CONTENT_KEY]["bits"] = b64url_encode(zlib.compress(b"\xff"))  # unsigned change
    with pytest.raises(InputError) as caught:
        verify_status_list(bundle_to_bytes(document), key_for=key_for)
    assert caught.value.code == "revocation_list_signature"


@pytest.mark.parametrize(("member", "value"), [
    ("size", 0), ("size", MAX_STATUS_ENTRIES + 1), ("size", True),
    ("version", 0), ("issued", "yesterday"), ("bits", "not base64!"),
    ("bits", b64url_encode(b"not zlib")),
    ("bits", b64url_encode(zlib.compress(b"\x00" * 2))),   # more bytes than the size says
    ("bits", b64url_encode(zlib.compress(b"\x00") + b"x")),  # bytes after the stream
    ("extra", 1),
])
def test_bad_content_is_refused_with_the_place(member: str, value: object) -> None:
    w = world()
    document = issue_status_list(w.certifier, size=8, revoked=[1], version=1, at=AT)
    content = copy.deepcopy(document[CONTENT_KEY])
    content[member] = value
    with pytest.raises(InputError) as caught:
        status_list_from_content(content, source="list.json")
    assert caught.value.code == "bad_status_list"
    assert caught.value.location == f"$.{CONTENT_KEY}.{member}"


def test_a_size_the_bits_do_not_match_is_refused_at_the_bits() -> None:
    w = world()
    content = dict(issue_status_list(w.certifier, size=8, revoked=[1], version=1,
                                     at=AT)[CONTENT_KEY])
    content["size"] = 9  # two bytes of bits expected, one given
    with pytest.raises(InputError) as caught:
        status_list_from_content(content, source="list.json")
    assert caught.value.location == f"$.{CONTENT_KEY}.bits"


def test_bits_beyond_the_size_must_be_zero() -> None:
    w = world()
    document = issue_status_list(w.certifier, size=3, revoked=[], version=1, at=AT)
    content = dict(document[CONTENT_KEY])
    content["bits"] = b64url_encode(zlib.compress(b"\x01"))
    with pytest.raises(InputError) as caught:
        status_list_from_content(content, source="list.json")
    assert caught.value.code == "bad_status_list"
