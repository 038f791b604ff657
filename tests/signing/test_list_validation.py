"""Signed-list content: the compiled validator never accepts what the reference validator
refuses (it only says yes faster), on mutated trust lists and revocation lists."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from signing_world import world

from cfl.errors import InputError
from cfl.io.jsonio import loads_strict
from cfl.signing.jws import _fast_validator, _validator, validate_content

ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 2**70), st.text(max_size=12),
    st.sampled_from(["9999-12-31T23:59:59-23:59", "2026-02-30T00:00:00Z", "2026-01-01T00:00:00Z",
                     "", "x" * 300, "active", "revoked", "certifier"]),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(Decimal),
    st.lists(st.text(max_size=4), max_size=3), st.dictionaries(st.text(max_size=4), st.none(),
                                                                max_size=2),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*prefix, index))
    return out


def _mutated(content: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    content = copy.deepcopy(content)
    path = data.draw(st.sampled_from(_paths(content)[1:]))
    parent = content
    for step in path[:-1]:
        parent = parent[step]
    if data.draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(ODD_VALUES)
    return content


def _contents() -> dict[str, dict[str, Any]]:
    w = world()
    return {"trustlist.schema.json": loads_strict(w.trust_list)["trustList"],
            "revocations.schema.json": loads_strict(w.revocations)["revocationList"]}


@pytest.mark.parametrize("schema", ["trustlist.schema.json", "revocations.schema.json"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_compiled_validator_only_accepts_what_the_reference_accepts(
        schema: str, data: st.DataObject) -> None:
    content = _mutated(_contents()[schema], data)
    try:
        fast = _fast_validator(schema).is_valid(content)
    except (ValueError, TypeError, OverflowError):
        fast = False  # validate_content then asks the reference
    reference = not list(_validator(schema).iter_errors(content))
    if fast:
        assert reference, content


def test_a_valid_list_passes_and_an_invalid_one_is_explained() -> None:
    content = _contents()["trustlist.schema.json"]
    validate_content(content, schema_name="trustlist.schema.json", source="t", root="trustList")
    broken = copy.deepcopy(content)
    broken["entries"][0]["validFrom"] = "9999-12-31T23:59:59-23:59"
    with pytest.raises(InputError) as info:
        validate_content(broken, schema_name="trustlist.schema.json", source="t",
                         root="trustList")
    assert info.value.code == "schema_invalid"
    assert info.value.location == "$.trustList.entries[0].validFrom"
