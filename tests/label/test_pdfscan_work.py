"""The raw PDF scan bounds its own work, not only what it inflates (ADR 0121): zlib calls and
input read per corrupt stream, streams per byte, passes over the file for indirect lengths,
and the decoders of escapes and ASCII85 agree with the reference ones they replace.

Work is counted (calls, passes, budget units), never timed; bench/hostile.py times it.
"""

from __future__ import annotations

import base64
import re
import struct
import zlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from label_world import label_pdf

from cfl.errors import InputError
from cfl.label import pdfscan


def _stored(length: int, *, final: bool = False) -> bytes:
    """A deflate stored-block header for ``length`` bytes."""
    return bytes([1 if final else 0]) + struct.pack("<HH", length, length ^ 0xFFFF)


def _corrupt_streams(count: int, size: int = 65_000) -> bytes:
    """``count`` streams whose zlib data runs ``size`` good bytes, then breaks (block type 3)."""
    body = b"x\x01" + _stored(size) + b"A" * size + b"\x07\xff\xff"
    unit = (b"1 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body
            + b"\nendstream\nendobj\n")
    return b"%PDF-1.7\n" + unit * count


class _CountingZlib:
    """zlib with every ``decompress`` call of every inflater counted."""

    error = zlib.error

    def __init__(self) -> None:
        self.calls = 0

    def decompressobj(self) -> Any:
        return _CountingInflater(zlib.decompressobj(), self)


class _CountingInflater:
    def __init__(self, inner: Any, counter: _CountingZlib) -> None:
        self.inner, self.counter = inner, counter

    def decompress(self, data: Any, max_length: int = 0) -> bytes:
        self.counter.calls += 1
        return bytes(self.inner.decompress(data, max_length))

    def copy(self) -> _CountingInflater:
        return _CountingInflater(self.inner.copy(), self.counter)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_corrupt_zlib_stream_is_cut_in_a_few_dozen_calls(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """Before: the 64 KiB piece holding the error was fed again one byte at a time (65,000
    calls a stream; 64 such streams, 4 MB, took 4.6 s)."""
    counter = _CountingZlib()
    monkeypatch.setattr(pdfscan, "zlib", counter)
    pdfscan.scan_pdf(_corrupt_streams(8))
    assert counter.calls <= 8 * 24


def test_what_inflates_before_the_corrupt_spot_is_still_kept() -> None:
    inflater = zlib.decompressobj()
    data = memoryview(b"x\x01" + _stored(1000) + b"B" * 1000 + b"\x07\xff\xff")
    budget = pdfscan._Budget(10**9, "<test>")
    out = pdfscan._until_error(inflater, data, 10**6, budget)
    assert out == b"B" * 1000


@pytest.mark.parametrize("split", [0, 1, 2, 7, 1000, 1004, 1006])
def test_the_cut_finds_the_spot_wherever_the_piece_starts(split: int) -> None:
    """The piece may start anywhere in the stream (the inflater carries what came before)."""
    data = b"x\x01" + _stored(1000) + b"C" * 1000 + b"\x07\xff\xff"
    inflater = zlib.decompressobj()
    head = inflater.decompress(data[:split])
    budget = pdfscan._Budget(10**9, "<test>")
    tail = pdfscan._until_error(inflater, memoryview(data[split:]), 10**6, budget)
    assert head + tail == b"C" * 1000


def test_input_read_by_zlib_counts_against_the_budget() -> None:
    """Streams nested in one long run of stored blocks each inflate to the file's end: their
    output is small next to what zlib reads for them, and that reading is counted too."""
    inner = b" stream\nx\x01"  # a "stream" keyword and a zlib header inside a stored block
    empty = _stored(0) * 20_000  # 100 KB of empty blocks: read, giving nothing
    run = b"".join(_stored(len(inner)) + inner + empty for _ in range(40))
    data = b"%PDF-1.7\n1 0 obj\n<< /Length 1 >>\nstream\nx\x01" + run + _stored(0, final=True)
    budget_before = pdfscan._Budget(10**12, "<test>")
    pdfscan._inflate(memoryview(data)[data.index(b"x\x01"):], budget_before)
    assert budget_before.used >= len(run)  # input read, though the output is small
    with pytest.raises(InputError) as info:
        pdfscan.scan_pdf(data)
    assert info.value.code == "too_large"


def test_a_file_packed_with_tiny_streams_is_refused_by_density() -> None:
    tiny = b" stream\n" + zlib.compress(b"q Q") + b"\nendstream "
    data = b"%PDF-1.7\n" + tiny * 5_000
    with pytest.raises(InputError) as info:
        pdfscan.scan_pdf(data)
    assert info.value.code == "too_large" and "per 1024 bytes" in str(info.value)


def test_a_label_and_a_batch_of_labels_stay_within_the_bounds() -> None:
    for template in ("sticker", "standard", "sheet"):
        pdfscan.scan_pdf(label_pdf(template))


def test_indirect_lengths_are_looked_up_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: each stream with an indirect /Length searched the whole file for its object
    (20,000 such streams in 1 MB took minutes)."""
    passes = []
    original = pdfscan._IndirectLengths._index

    def counted(self: Any) -> None:
        passes.append(1)
        original(self)

    monkeypatch.setattr(pdfscan._IndirectLengths, "_index", counted)
    unit = b"<< /Length 9 0 R >> stream\n" + zlib.compress(b"q Q") + b"\nendstream "
    data = b"%PDF-1.7\n9 0 obj 11 endobj\n" + unit * 200
    pdfscan.scan_pdf(data)
    assert len(passes) == 1


def test_an_indirect_length_is_found_and_bounds_the_stream() -> None:
    body = zlib.compress(b"q Q")
    data = (b"%PDF-1.7\n7 0 obj\n99999999\nendobj\n8 0 obj\n<< /Length 7 0 R >>\nstream\n"
            + body + b"\nendstream\nendobj\n")
    with pytest.raises(InputError) as info:
        pdfscan.scan_pdf(data)
    assert info.value.code == "too_large"


def test_an_escaped_length_name_is_looked_up_too() -> None:
    data = (b"%PDF-1.7\n7 0 obj\n99999999\nendobj\n8 0 obj\n<< /L#65ngth 7 0 R >>\nstream\n"
            + zlib.compress(b"q Q") + b"\nendstream\nendobj\n")
    with pytest.raises(InputError) as info:
        pdfscan.scan_pdf(data)
    assert info.value.code == "too_large"


def test_the_objects_examined_for_lengths_count_against_the_budget() -> None:
    data = (b"%PDF-1.7\n8 0 obj\n<< /Length 7 0 R >>\nstream\n" + zlib.compress(b"q Q")
            + b"\nendstream\nendobj\n" + b"1 0 obj " * 200_000)
    with pytest.raises(InputError) as info:
        pdfscan.scan_pdf(data)
    assert info.value.code == "too_large" and "in all" in str(info.value)


_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _reference_unescape(text: bytes) -> bytes:
    return _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=20).map(lambda b: b.replace(b"\x00", b"#")) | st.lists(
    st.sampled_from(["#", "4", "1", "a", "F", "g", "/", " ", "#2"]), max_size=12).map(
    lambda parts: "".join(parts).encode()), min_size=1, max_size=6))
def test_escapes_decode_as_the_reference_regex_does(texts: list[bytes]) -> None:
    assert pdfscan._unescape_runs(texts) == [_reference_unescape(t) for t in texts]


_A85_ALPHABET = bytes(range(33, 118)) + b"z"


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.binary(max_size=40).map(lambda b: base64.a85encode(b)),
                 st.lists(st.sampled_from(list(_A85_ALPHABET)), max_size=24).map(bytes),
                 st.lists(st.sampled_from(list(b"!uz")), max_size=24).map(bytes)))
def test_ascii85_decodes_as_the_standard_library_does(text: bytes) -> None:
    try:
        expected: bytes | None = base64.a85decode(text)
    except ValueError:
        expected = None
    assert pdfscan._a85decode(text) == expected


def test_ascii85_output_counts_and_its_z_is_bounded() -> None:
    """``z`` gives four bytes for one: a stream of them is bounded like an inflated one."""
    zeds = b"z" * (pdfscan.MAX_STREAM_DECODED_BYTES // 4 + 8) + b"~>"
    data = b"%PDF-1.7\n1 0 obj\n<< /Filter /ASCII85Decode >>\nstream\n" + zeds + \
        b"\nendstream\nendobj\n"
    with pytest.raises(InputError) as info:
        pdfscan.scan_pdf(data)
    assert info.value.code == "too_large"
