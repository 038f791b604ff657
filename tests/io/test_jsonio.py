from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfl.errors import InputError
from cfl.io.jsonio import load_json_file, loads_strict, read_bytes


def error_of(data: bytes, **kwargs: object) -> InputError:
    with pytest.raises(InputError) as info:
        loads_strict(data, source="doc.json", **kwargs)  # type: ignore[arg-type]
    return info.value


def test_parses_non_integers_as_decimal_never_float() -> None:
    value = loads_strict(b'{"a": 0.1, "b": 3, "c": "x"}')
    assert value == {"a": Decimal("0.1"), "b": 3, "c": "x"}
    assert isinstance(value["a"], Decimal)


@pytest.mark.parametrize(
    ("data", "code", "fragment"),
    [
        (b"\xef\xbb\xbf{}", "bom", "byte order mark"),
        (b"\xff\xfe{\x00}\x00", "not_utf8", "UTF-16"),
        (b'{"a": "\xc3"}', "not_utf8", "not valid UTF-8"),
        (b"", "empty", "empty"),
        (b"  \n ", "empty", "empty"),
        (b'{"a": 1, "a": 2}', "duplicate_key", 'duplicate key "a"'),
        (b'{"a": NaN}', "non_finite_number", "NaN"),
        (b'{"a": Infinity}', "non_finite_number", "Infinity"),
        (b'{"a": -Infinity}', "non_finite_number", "Infinity"),
        (b'{\n  "a": 1,\n  "b": }', "malformed_json", "not valid JSON"),
        (b"[" * 100 + b"]" * 100, "too_deep", "nests too deeply"),
    ],
)
def test_bad_input_names_file_and_problem(data: bytes, code: str, fragment: str) -> None:
    err = error_of(data)
    assert err.code == code
    assert err.source == "doc.json"
    assert fragment in str(err)
    assert str(err).startswith("doc.json")


def test_syntax_error_gives_line_and_column() -> None:
    err = error_of(b'{\n  "a": 1,\n  "b": }')
    assert err.location == "line 3, column 8"


def test_duplicate_key_points_at_second_occurrence() -> None:
    err = error_of(b'{"x": {\n "k": 1,\n "k": 2}}')
    assert err.location == "line 3, column 2"


def test_size_is_bounded_before_parsing() -> None:
    err = error_of(b'"' + b"a" * 100 + b'"', max_bytes=50)
    assert err.code == "too_large"


def test_depth_bound_is_configurable() -> None:
    assert loads_strict(b"[[[1]]]", max_depth=3) == [[[1]]]
    assert error_of(b"[[[[1]]]]", max_depth=3).code == "too_deep"


def test_huge_exponent_stays_exact_decimal() -> None:
    assert loads_strict(b"1e400") == Decimal("1e400")


def test_read_bytes_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        read_bytes(tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        read_bytes(tmp_path / "missing.json")
    big = tmp_path / "big.json"
    big.write_bytes(b"0" * 20)
    with pytest.raises(InputError, match="larger than 10 bytes"):
        read_bytes(big, max_bytes=10)


def test_a_file_name_with_a_nul_is_an_input_error(tmp_path: Path) -> None:
    # open() raises ValueError on it (a file name read from a batch CSV was a traceback)
    with pytest.raises(InputError, match="NUL character") as info:
        read_bytes(f"{tmp_path}/a\x00b.json")
    assert info.value.source == f"{tmp_path}/a\\x00b.json"


def test_load_json_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(b"{")
    with pytest.raises(InputError) as info:
        load_json_file(path)
    assert info.value.source == str(path)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=50)
@given(json_values)
def test_round_trips_any_json_value(value: object) -> None:
    import json

    assert loads_strict(json.dumps(value).encode()) == value


def test_depth_is_checked_when_brackets_are_many_but_nesting_is_shallow() -> None:
    # 100 brackets inside strings and side by side: more than the limit in all, shallow.
    data = b'{"a": "' + b"[" * 100 + b'", "b": [' + b"[], " * 99 + b"[]]}"
    assert loads_strict(data, max_depth=3)["a"] == "[" * 100
    assert error_of(b'{"a": "[[[[", "b": [[[[1]]]]}', max_depth=4).code == "too_deep"


def test_the_first_repeated_key_is_named() -> None:
    err = error_of(b'{"b": 1, "a": 1, "a": 2, "b": 2}')
    assert 'duplicate key "a"' in str(err)


def test_integers_can_be_parsed_by_a_caller_function() -> None:
    assert loads_strict(b'[1, 2.5, "3"]', parse_int=lambda text: f"int {text}") == \
        ["int 1", Decimal("2.5"), "3"]
