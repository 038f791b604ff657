from __future__ import annotations

from decimal import Decimal

import pytest

from cfl.errors import InputError
from cfl.io.yamlio import loads_yaml


def error_of(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        loads_yaml(text, source="rules.yaml")
    return info.value


def test_plain_data_with_exact_decimals_and_text_dates() -> None:
    value = loads_yaml("a: 1.10\nb: 2024-01-01\nc: [x, 2]\n")
    assert value == {"a": Decimal("1.10"), "b": "2024-01-01", "c": ["x", 2]}


def test_duplicate_key_with_line() -> None:
    err = error_of("a: 1\nb: 2\na: 3\n")
    assert err.code == "duplicate_key"
    assert err.location == "line 3, column 1"


def test_malformed_yaml_with_line_and_column() -> None:
    err = error_of("a: [1, 2\nb: 3\n")
    assert err.code == "malformed_yaml"
    assert err.location is not None and err.location.startswith("line ")


@pytest.mark.parametrize(("text", "location"), [("\x00", "line 1, column 1"),
                                                ("a: 1\nb: x\x07y\n", "line 2, column 5")])
def test_control_characters_are_an_input_error_with_place(text: str, location: str) -> None:
    # PyYAML refuses them while building the reader, before any parsing (was a traceback)
    err = error_of(text)
    assert err.code == "malformed_yaml" and err.location == location
    assert "is not allowed" in err.message


def test_python_tags_are_refused_not_executed() -> None:
    err = error_of("a: !!python/object/apply:os.system [echo pwned]\n")
    assert err.code == "malformed_yaml"


def test_code_looking_values_are_plain_strings() -> None:
    assert loads_yaml('a: "__import__(\'os\').system(\'x\')"\n') == {
        "a": "__import__('os').system('x')"
    }


def test_alias_bomb_is_refused_before_expansion() -> None:
    lines = ["a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"]
    for name, prev in zip("bcdefg", "abcdef", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    err = error_of("\n".join(lines) + "\n")
    assert err.code == "yaml_alias_bomb"


def test_modest_aliases_are_fine() -> None:
    assert loads_yaml("base: &b {x: 1}\none: *b\ntwo: *b\n")["two"] == {"x": 1}


@pytest.mark.parametrize("text", [".nan", ".inf", "-.inf"])
def test_non_finite_numbers_refused(text: str) -> None:
    assert error_of(f"x: {text}\n").code == "non_finite_number"


def test_empty_and_comment_only_documents() -> None:
    assert error_of("").code == "empty"
    assert error_of("# nothing\n").code == "empty"


def test_non_string_keys_refused() -> None:
    assert error_of("1: a\n").code == "yaml_key_type"
