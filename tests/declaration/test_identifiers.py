from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfl.declaration.identifiers import (
    country_codes,
    country_problem,
    gtin_check_digit,
    gtin_problem,
    subdivision_problem,
    uscc_check_character,
    uscc_problem,
)


@pytest.mark.parametrize("gtin", ["06901234567892", "4712345060507", "96385074", "036000291452"])
def test_valid_gtins(gtin: str) -> None:
    assert gtin_problem(gtin) is None


@pytest.mark.parametrize(
    ("gtin", "fragment"),
    [
        ("5695872369587", "check digit is 1"),
        ("12345", "expected 8, 12, 13 or 14"),
        ("69012345678A2", "digits only"),
        ("٦٩٠١٢٣٤٥٦٧٨٩٢", "digits only"),  # non-ASCII digits are not GTIN digits
    ],
)
def test_bad_gtins(gtin: str, fragment: str) -> None:
    problem = gtin_problem(gtin)
    assert problem is not None and fragment in problem


@settings(max_examples=50)
@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_gtin_check_digit_makes_valid_gtin13(body: str) -> None:
    gtin = body + str(gtin_check_digit(body))
    assert gtin_problem(gtin) is None
    wrong = body + str((gtin_check_digit(body) + 1) % 10)
    assert gtin_problem(wrong) is not None


def test_uscc() -> None:
    assert uscc_problem("91350100M000100Y43") is None
    problem = uscc_problem("91350100M000100Y44")
    assert problem is not None and "check character is 3" in problem
    assert "18" in (uscc_problem("9135") or "")
    assert "I, O, S, V, Z" in (uscc_problem("91350100M000100YI3") or "")


@settings(max_examples=50)
@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17))
def test_uscc_check_character_round_trip(body: str) -> None:
    assert uscc_problem(body + uscc_check_character(body)) is None


def test_country_codes_shipped() -> None:
    codes = country_codes()
    assert len(codes) >= 249
    assert country_problem("CN") is None and country_problem("TH") is None
    assert "ISO 3166-1" in (country_problem("XX") or "")
    assert subdivision_problem("CN-GD") is None
    assert "'QQ'" in (subdivision_problem("QQ-GD") or "")
    assert subdivision_problem("CN") is not None


@settings(max_examples=300)
@given(st.sampled_from([8, 12, 13, 14]).flatmap(
    lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)))
def test_gtin_problem_is_the_check_digit_rule(gtin: str) -> None:
    """The short check (the weighted sum with the check digit is 0 mod 10) says what
    comparing the check digit with gtin_check_digit says, message included."""
    expected = gtin_check_digit(gtin[:-1])
    assert gtin_problem(gtin) == (
        None if int(gtin[-1]) == expected else
        f"GTIN {gtin!r} has check digit {gtin[-1]}; the GS1 check digit is {expected}")


_USCC_SET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@settings(max_examples=300)
@given(st.text(alphabet=_USCC_SET, min_size=17, max_size=17))
def test_uscc_fast_check_character_is_the_weighted_sum(body: str) -> None:
    # GB 32100-2015: weights 3^i mod 31 from the left, check = (31 - sum mod 31) mod 31
    total = sum(_USCC_SET.index(ch) * pow(3, i, 31) for i, ch in enumerate(body))
    assert uscc_check_character(body) == _USCC_SET[(31 - total % 31) % 31]


@settings(max_examples=300)
@given(st.text(alphabet=_USCC_SET + "IOSVZa -\u0663", min_size=18, max_size=18)
       | st.text(alphabet=_USCC_SET, min_size=18, max_size=18))
def test_uscc_problem_is_the_check_character_rule(code: str) -> None:
    bad = sorted({ch for ch in code if ch not in _USCC_SET})
    problem = uscc_problem(code)
    if bad:
        assert problem is not None and f"contains {', '.join(repr(ch) for ch in bad)};" in problem
    elif code[17] == uscc_check_character(code[:17]):
        assert problem is None
    else:
        assert problem == (f"USCC {code!r} has check character {code[17]}; the GB 32100-2015 "
                           f"check character is {uscc_check_character(code[:17])}")
