"""The JCS fast path in cfl.signing.jcs writes exactly what the rfc8785 package writes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from cfl.signing.jcs import _fast_plain, canonical_bytes, reference_canonical_bytes

SAFE = 2**53 - 1
keys = st.text(max_size=8) | st.sampled_from(["a", "b", "\u00e9", "\ue000", "\U0001f600",
                                              "\U00010000x", "", "\x1f", "\"", "\\"])
scalars = (
    st.none() | st.booleans() | st.integers(-SAFE, SAFE)
    | st.integers(-SAFE, SAFE).map(Decimal)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
    | st.sampled_from(["\x00\x08\t\n\x0b\x0c\r\x1f\x7f", "\u2028\u2029", "\U0001f600",
                       "\ud7ff\ue000\uffff"])
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=50, deadline=None)
@given(values)
def test_fast_path_equals_rfc8785(value: Any) -> None:
    assert canonical_bytes(value) == reference_canonical_bytes(value)


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(keys, st.integers(-SAFE, SAFE), min_size=2, max_size=8))
def test_key_order_equals_rfc8785_including_astral_keys(value: dict[str, int]) -> None:
    assert canonical_bytes(value) == rfc8785.dumps(value)


def test_astral_keys_take_the_reference_path() -> None:
    # Code-point order puts U+E000 before U+1F600; UTF-16 order (JCS) puts it after.
    value = {"\ue000": 1, "\U0001f600": 2}
    assert canonical_bytes(value) == rfc8785.dumps(value)
    assert canonical_bytes(value).index("\U0001f600".encode()) < \
        canonical_bytes(value).index("\ue000".encode())


def test_non_integral_numbers_take_the_reference_path() -> None:
    import pytest

    from cfl.signing.jcs import _NeedsReference

    for value in (Decimal("0.5"), 0.5, 1.0, 2**60, Decimal("1e400")):
        with pytest.raises(_NeedsReference):
            _fast_plain({"x": value})
    assert canonical_bytes({"x": Decimal("95.0"), "y": Decimal("0.5")}) == b'{"x":95,"y":0.5}'
