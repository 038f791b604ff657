"""The verification fast paths agree with the slow ones they replace.

* :func:`cfl.verification.bundle_check.read_bundle` gives the same bundle (or the same error) as
  :func:`cfl.signing.jws.parse_bundle`;
* :func:`cfl.signing.jcs.parse_canonicalisable` only calls a value plain when
  :func:`cfl.signing.jcs.plain_canonical_bytes` writes exactly what ``rfc8785`` writes;
* ``semantic_findings(..., errors_only=True)`` is exactly the errors of the full call;
* the schema and semantic rows come out as the reference validator and the full semantic
  findings say, on mutated declarations.
"""

from __future__ import annotations

import copy
import json
import random
from decimal import Decimal
from typing import Any

import pytest
import rfc8785
from declaration.test_schema import _mutate, _property_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shared_reference import needs_reference
from signing_world import AT, world

from cfl.bundle.model import parse_bundle, read_bundle
from cfl.declaration.rules import semantic_findings
from cfl.declaration.schema import declaration_validator, schema_findings
from cfl.errors import CflError, InputError
from cfl.findings import Severity, best_first
from cfl.signing.jcs import parse_canonicalisable, plain_canonical_bytes, reference_canonical_bytes
from cfl.signing.jws import MAX_BUNDLE_BYTES, bundle_to_bytes
from cfl.verification.bundle_check import declaration_rows, verify_bundle


def outcome(read: Any, data: bytes) -> Any:
    """What a reader makes of ``data``: the bundle's parts, or the error's details."""
    try:
        bundle = read(data, source="b.json")
    except CflError as exc:
        return ("error", type(exc).__name__, exc.code, str(exc))
    return ("bundle", bundle.declaration, bundle.signatures, bundle.payload, bundle.digest)


def compact(bundle: dict[str, Any]) -> bytes:
    return json.dumps(bundle, separators=(",", ":"), ensure_ascii=False).encode()


# ----------------------------------------------------------------------- read_bundle


def test_read_bundle_equals_parse_bundle_on_the_good_bundle() -> None:
    data = world().bundle_bytes()
    assert outcome(read_bundle, data) == outcome(parse_bundle, data)
    assert outcome(read_bundle, data)[0] == "bundle"


@pytest.mark.parametrize("data", [
    b"", b"[]", b"{}", b'{"declaration": [], "signatures": []}',
    b'{"declaration": {}, "signatures": {}}', b'{"declaration": {}}',
    b'{"declaration": {}, "signatures": [], "x": 1}', b'{"declaration": {"a": 0.5}, '
    b'"signatures": []}', b'{"declaration": {"a": 0.1}, "signatures": []}',
    b'{"declaration": {"a": 12345678901234567890}, "signatures": []}',
    b'{"declaration": {"\\ud83d\\ude00": 1, "\\ue000": 2}, "signatures": []}',
    b'{"declaration": {"a": "\\ud800"}, "signatures": []}',
    b'{"declaration": {"a": 1, "a": 2}, "signatures": []}',
    b'{"declaration": {}, "signatures": [{"protected": "e30", "signature": ""}]}',
    b"[" * 70 + b"]" * 70,
    b"\xef\xbb\xbf{}",
    b'{"declaration": {"b": [1, 2, {"c": "\\u00e9"}], "a": 95.0}, "signatures": []}',
], ids=lambda d: repr(d[:40]))
def test_read_bundle_equals_parse_bundle_on_odd_inputs(data: bytes) -> None:
    assert outcome(read_bundle, data) == outcome(parse_bundle, data)


def test_read_bundle_refuses_oversized_input_like_parse_bundle() -> None:
    data = b" " * (MAX_BUNDLE_BYTES + 1)
    assert outcome(read_bundle, data) == outcome(parse_bundle, data)
    assert outcome(read_bundle, data)[2] == "too_large"


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_read_bundle_equals_parse_bundle_on_damaged_bundles(data: st.DataObject) -> None:
    original = compact(world().bundle())
    damaged = bytearray(original)
    for _ in range(data.draw(st.integers(1, 3), label="flips")):
        index = data.draw(st.integers(0, len(original) - 1), label="index")
        damaged[index] ^= data.draw(st.integers(1, 255), label="xor")
    assert outcome(read_bundle, bytes(damaged)) == outcome(parse_bundle, bytes(damaged))


_ODD_VALUES = [0.5, Decimal("95.0"), 2**60, -(2**53), "\U0001f600", "\ud7ff\ue000", "\x00\x1f",
               "line\u2028sep", "quote\"back\\slash", 1e21, 1e-7, True, None, []]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_read_bundle_equals_parse_bundle_on_odd_declarations(rng: random.Random) -> None:
    bundle = world().bundle()
    declaration = copy.deepcopy(bundle["declaration"])
    for _ in range(rng.randint(1, 3)):
        key = rng.choice(["comment", "\U0001f600", "\ue000", "zz", "productDescription"])
        declaration[key] = rng.choice(_ODD_VALUES)
    data = bundle_to_bytes({"declaration": declaration, "signatures": bundle["signatures"]})
    assert outcome(read_bundle, data) == outcome(parse_bundle, data)


# ------------------------------------------------------------- parse_canonicalisable

json_keys = st.text(max_size=6) | st.sampled_from(
    ["\ue000", "\U0001f600", "\U00010000", "a", "b", "\x1f", "\u00e9"])
json_scalars = (
    st.none() | st.booleans() | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8) | st.sampled_from(["\U0001f600", "\x00\x08\x7f", "\u2028"])
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(json_keys, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=50, deadline=None)
@given(json_values, st.booleans())
def test_plain_means_the_fast_bytes_are_jcs(value: Any, ascii_only: bool) -> None:
    try:
        text = json.dumps(value, ensure_ascii=ascii_only)
    except ValueError:  # a lone surrogate cannot always be written
        return
    data = text.encode("utf-8", errors="surrogatepass")
    try:
        parsed, plain = parse_canonicalisable(data, source="v.json", max_bytes=1 << 20)
    except InputError:
        return  # not valid UTF-8 (a written lone surrogate): refused before any JCS
    if plain:
        assert plain_canonical_bytes(parsed) == reference_canonical_bytes(parsed)
        assert plain_canonical_bytes(parsed) == rfc8785.dumps(value)


@pytest.mark.parametrize("text", [
    '{"a": 0.5}', '{"a": 95.0}', '{"a": 1e3}', '{"a": 9007199254740993}',
    '{"\\ud83d\\ude00": 1, "\\ue000": 2}', '{"\U0001f600": 1, "\ue000": 2}',
])
def test_what_plain_bytes_would_get_wrong_is_never_plain(text: str) -> None:
    _, plain = parse_canonicalisable(text.encode(), source="v.json", max_bytes=1 << 20)
    assert plain is False


def test_a_lone_surrogate_is_refused_before_any_jcs() -> None:
    """No canonicaliser can write a lone surrogate: such a document is not read at all."""
    with pytest.raises(InputError) as info:
        parse_canonicalisable(b'{"a": "\\udc00"}', source="v.json", max_bytes=1 << 20)
    assert info.value.code == "lone_surrogate"


def test_an_ordinary_declaration_is_plain() -> None:
    parsed, plain = parse_canonicalisable(world().bundle_bytes(), source="b.json",
                                          max_bytes=MAX_BUNDLE_BYTES)
    assert plain is True
    assert plain_canonical_bytes(parsed["declaration"]) == \
        reference_canonical_bytes(parsed["declaration"])


# --------------------------------------------------------- semantic and schema rows


def _errors(findings: list[Any]) -> list[Any]:
    return [f for f in findings if f.severity is Severity.ERROR]


@needs_reference
@settings(max_examples=50, deadline=None)
@given(st.randoms(use_true_random=False))
def test_errors_only_is_exactly_the_errors_of_the_full_check(rng: random.Random) -> None:
    doc = _mutate(rng.choice(_property_corpus()), rng)
    assert best_first(semantic_findings(doc, errors_only=True)) == \
        best_first(_errors(semantic_findings(doc)))


@needs_reference
def test_errors_only_agrees_on_semantic_mutations() -> None:
    """Mutations aimed at the cross-field checks (the generic ones rarely break them)."""
    rng = random.Random(20260315)
    base = _property_corpus()
    numbers = ["0", "1", "-1", "55.71", "13.00", "0.1", "100", "250", "1000.5", "-0.5"]
    times = ["2024-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2031-01-01T00:00:00Z"]
    for _ in range(300):
        doc = copy.deepcopy(rng.choice(base))
        pcf = doc["pcf"]
        for _ in range(rng.randint(1, 3)):
            key = rng.choice(["pcfExcludingBiogenicUptake", "pcfIncludingBiogenicUptake",
                              "biogenicCO2Uptake", "fossilGhgEmissions", "primaryDataShare",
                              "landUseChangeGhgEmissions", "exemptedEmissionsPercent"])
            pcf[key] = rng.choice(numbers)
            if rng.random() < 0.3:
                doc[rng.choice(["validityPeriodStart", "validityPeriodEnd"])] = \
                    rng.choice(times)
            if rng.random() < 0.2:
                pcf["geographyRegionOrSubregion"] = "Asia"
        assert best_first(semantic_findings(doc, errors_only=True)) == \
            best_first(_errors(semantic_findings(doc)))


@needs_reference
@settings(max_examples=50, deadline=None)
@given(st.randoms(use_true_random=False))
def test_declaration_rows_agree_with_the_reference_checks(rng: random.Random) -> None:
    doc = _mutate(rng.choice(_property_corpus()), rng)
    schema_row, semantic_row = declaration_rows(doc)
    schema_valid = declaration_validator().is_valid(doc)
    assert (schema_row.code == "schema_valid") == schema_valid
    assert (schema_findings(doc) == []) == schema_valid
    if not schema_valid:
        assert semantic_row.code == "semantic_skipped"
    else:
        has_errors = bool(_errors(semantic_findings(doc)))
        assert semantic_row.code == ("semantic_invalid" if has_errors else "semantic_valid")


def test_a_bundle_verified_twice_gives_the_same_report() -> None:
    """No state carries from one verification to the next."""
    w = world()
    data, context = w.bundle_bytes(), w.context()
    first = verify_bundle(data, context, at=AT).to_json()
    damaged = data.replace(b'"55.71"', b'"55.72"', 1)
    assert verify_bundle(damaged, context, at=AT).bottom_line.value == "FAILED"
    assert verify_bundle(data, context, at=AT).to_json() == first
