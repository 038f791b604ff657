"""The nine crash classes fuzzing found, each from a minimal input: every one must now be a
report row or a :class:`~cfl.errors.CflError`, never a Python traceback."""

from __future__ import annotations

import copy
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from label_world import label_pdf
from PIL import Image
from signing_world import AT, SIGNED_AT, world

from cfl.bundle.sign import sign_bundle
from cfl.claim.model import protected_bytes, sign1_bytes
from cfl.claim.text import claim_to_text
from cfl.declaration.model import Declaration
from cfl.declaration.schema import check_declaration
from cfl.errors import CflError, InputError
from cfl.findings import is_blocking
from cfl.io.jsonio import loads_strict
from cfl.io.resources import data_dir
from cfl.io.yamlio import loads_yaml
from cfl.label.readback import decode_qr_from_image
from cfl.recognition.lint import lint_rule_files
from cfl.signing.jws import bundle_to_bytes, sign_content
from cfl.trust.revocation import CONTENT_KEY, TYP_REVOCATIONS, verify_revocation_list
from cfl.verification import Status, verify

RULESETS = Path(__file__).resolve().parents[2] / "rulesets"


def _short_payload_claim() -> bytes:
    """A COSE_Sign1 whose payload starts like a usual claim but stops at byte 34."""
    payload = b"\xad\x01\x01\x02\x50" + bytes(16) + b"\x03\x58\x20" + bytes(10)
    return sign1_bytes(protected_bytes(-8, bytes(8)), payload, bytes(64))


def test_c1_a_claim_payload_shorter_than_the_usual_layout() -> None:
    text = claim_to_text(_short_payload_claim())
    report = verify(text, world().context())
    assert report.bottom_line is Status.FAILED
    assert report.rows[0].code == "bad_claim"


@pytest.mark.parametrize("document", [
    b'{"a\\ud800": 1}',                # lone high surrogate in a key
    b'{"a": ["\\udc00"]}',             # lone low surrogate in an array item
    b'{"a": "\\ud83d x"}',             # high surrogate not followed by its low half
])
def test_c2_a_lone_surrogate_is_refused_when_json_is_read(document: bytes) -> None:
    with pytest.raises(InputError) as info:
        loads_strict(document)
    assert info.value.code == "lone_surrogate"


def test_c2_a_surrogate_pair_and_an_escaped_backslash_still_read() -> None:
    assert loads_strict(b'{"e": "\\ud83d\\ude00", "f": "\\\\ud800"}') == {
        "e": "\U0001F600", "f": "\\ud800"}


def test_c2_a_declaration_with_a_lone_surrogate_key_cannot_be_verified_or_signed() -> None:
    bundle = bundle_to_bytes(world().bundle()).replace(b'"companyName"',
                                                      b'"company\\ud800Name"', 1)
    report = verify(bundle, world().context())
    assert report.rows[0].code == "lone_surrogate"


def test_c3_an_unsigned_revocation_list_with_an_off_calendar_time_is_refused_unread() -> None:
    content = {"issuer": world().certifier.kid, "version": 2,
               "issued": "9999-12-31T23:59:59-23:59", "entries": []}
    forged = sign_content(content, world().stranger, typ=TYP_REVOCATIONS, at=SIGNED_AT)
    data = bundle_to_bytes({CONTENT_KEY: content, "signatures": [forged]})
    with pytest.raises(InputError) as info:
        verify_revocation_list(data, key_for=world().context().certifier_key_for)
    assert info.value.code == "revocation_list_signature"


def test_c3_a_signed_revocation_list_with_an_off_calendar_time_is_a_schema_error() -> None:
    content = {"issuer": world().certifier.kid, "version": 2,
               "issued": "9999-12-31T23:59:59-23:59", "entries": []}
    signed = sign_content(content, world().certifier, typ=TYP_REVOCATIONS, at=SIGNED_AT)
    data = bundle_to_bytes({CONTENT_KEY: content, "signatures": [signed]})
    with pytest.raises(InputError) as info:
        verify_revocation_list(data, key_for=world().context().certifier_key_for)
    assert info.value.code == "schema_invalid"


@pytest.mark.parametrize(("folder", "pattern", "replacement"), [
    ("", r"^id: .*$", "id: []"),
    ("mappings", r"^from: (.*)$", r"from: [\1]"),
])
def test_c4_rule_set_lint_with_a_list_for_an_id(folder: str, pattern: str,
                                                replacement: str) -> None:
    source = sorted((RULESETS / folder).glob("*.yaml"))[0]
    broken = re.sub(pattern, replacement, source.read_text(encoding="utf-8"), count=1,
                    flags=re.M)
    report = lint_rule_files([("broken.yaml", broken.encode())])
    assert "schema" in [finding.code for finding in report.findings]


@pytest.mark.parametrize(("path", "value"), [
    (("created",), "9999-12-31T23:59:59-23:59"),
    (("pcf", "referencePeriodEnd"), "9999-12-31T23:59:59Z"),
    (("validityPeriodEnd",), "0001-01-01T00:00:00+01:00"),
])
def test_c5_a_time_beyond_the_calendar_is_invalid_from_the_start(
        path: tuple[str, ...], value: str) -> None:
    declaration: dict[str, Any] = copy.deepcopy(world().declaration())
    target = declaration
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    codes = [finding.code for finding in check_declaration(declaration)]
    assert "bad_date_time" in codes
    with pytest.raises(CflError):
        Declaration.from_json(declaration)
    with pytest.raises(CflError):
        sign_bundle(declaration, world().certifier, role="certifier", at=SIGNED_AT)


@pytest.mark.parametrize(("text", "expected"), [
    ("x: 1:1.", {"x": "1:1."}),      # YAML 1.1 base 60: text under the core schema
    ("x: 1:30", {"x": "1:30"}),
    ("x: 012", {"x": 12}),           # no leading-zero octal
])
def test_c6_yaml_numbers_follow_the_core_schema(text: str, expected: Any) -> None:
    assert loads_yaml(text) == expected


def test_c6_an_explicit_float_that_is_not_a_number() -> None:
    with pytest.raises(InputError) as info:
        loads_yaml("x: !!float 1:1.")
    assert info.value.code == "bad_number"


@pytest.mark.parametrize("text", ["a: &x [*x]", "a: &x {b: *x}", "a: &x [1, [2, *x]]"])
def test_c7_a_yaml_alias_inside_its_own_node(text: str) -> None:
    with pytest.raises(InputError) as info:
        loads_yaml(text)
    assert info.value.code == "yaml_recursive_alias"


def test_c8_an_attachment_pdfium_cannot_open() -> None:
    pdf = label_pdf("sticker")
    broken, count = re.subn(rb"/Names \[ \(bundle\.json\) \d+ 0 R",
                            b"/Names [ (bundle.json) 99 0 R", pdf, count=1)
    assert count == 1
    report = verify(broken, world().context(at=AT), source="broken.pdf")
    assert report.bottom_line is Status.FAILED
    assert report.rows[0].code == "bad_pdf"


def test_c9_an_image_wider_than_zxing_reads() -> None:
    image = io.BytesIO()
    Image.new("1", (65536, 1), 1).save(image, "PNG")
    with pytest.raises(InputError) as info:
        decode_qr_from_image(image.getvalue())
    assert info.value.code == "too_large"


def test_a_claim_too_large_for_its_text_form_is_refused_before_it_is_written() -> None:
    """Python writes at most 4,300 digits of an integer; a claim is refused long before."""
    with pytest.raises(InputError) as info:
        claim_to_text(b"\xd2" + bytes(2000))
    assert info.value.code == "claim_too_large"


# --------------------------------------------------------------------------- found by the suite
# Crash classes the fuzz suite in this folder found after the nine above (docs/fuzzing.md).


@pytest.mark.parametrize("text", ["x: " + "9" * 4301, "x: -" + "1" * 5000, "x: 0x" + "f" * 4400])
def test_a_yaml_integer_beyond_what_python_converts(text: str) -> None:
    """``int()`` of more than 4,300 decimal digits raised ValueError (friendly inputs, rule
    files, templates); a hexadecimal one read, then crashed wherever it was printed."""
    with pytest.raises(InputError) as info:
        loads_yaml(text)
    assert info.value.code == "number_out_of_range"
    assert loads_yaml("x: " + "9" * 4300)["x"] == int("9" * 4300)


@pytest.mark.parametrize("document", [
    b'{"a": 9e' + b"9" * 4198 + b"}",   # an exponent Decimal cannot hold (InvalidOperation)
    b'{"a": 1e1001}',                    # beyond any double, and Decimal arithmetic's reach
    b'{"a": 0.' + b"1" * 500 + b"}",     # a number of 500 characters
])
def test_a_json_number_beyond_decimals_reach(document: bytes) -> None:
    """``Decimal("9e999…9")`` raised decimal.InvalidOperation out of the strict JSON reader
    (trust lists, revocation lists, every JSON input)."""
    with pytest.raises(InputError) as info:
        loads_strict(document)
    assert info.value.code == "too_large" and "beyond what cfl reads" in str(info.value)
    with pytest.raises(InputError) as info:
        verify_revocation_list(document, key_for=world().context().certifier_key_for)
    assert info.value.code == "too_large"


def test_a_yaml_decimal_whose_exponent_overflows_arithmetic() -> None:
    """``1e999999999`` read as a Decimal, then ``abs()`` in cfl declare raised
    decimal.Overflow."""
    from cfl.declaration.friendly import decimal_text

    with pytest.raises(InputError) as info:
        loads_yaml("pcf: 1e999999999")
    assert info.value.code == "number_out_of_range"
    with pytest.raises(InputError) as info:
        decimal_text(Decimal("1e999999999999"), source=None, path="$.pcf")
    assert info.value.code == "number_out_of_range"


def test_an_unknown_member_holding_a_decimal_is_written_as_read() -> None:
    """A valid declaration may carry members cfl does not know; one holding a non-integer
    number made ``cfl export pact`` (and every pretty writer) raise TypeError."""
    from cfl.interop.pact import export_pact
    from cfl.io.jsonio import dumps_pretty

    document = bundle_to_bytes(world().declaration())[:-2] + b', "x-note": 0.10}\n'
    declaration = Declaration.from_json(loads_strict(document))
    text = dumps_pretty(export_pact(declaration, keep_cfl_extension=True))
    assert '"x-note": 0.10' in text


def test_a_csv_factor_year_of_thousands_of_digits() -> None:
    """``int()`` of a 4,301-digit electricity.factorYear raised ValueError in cfl declare."""
    from cfl.declaration.friendly import declare_csv_bytes

    header = ("company.name,company.ids,product.names.en,product.category,product.ids,"
              "declaredUnit.unit,productMassPerDeclaredUnit,referencePeriod.start,"
              "referencePeriod.end,boundary,ruleSet,gwpReport,pcf,fossilCarbonContent,"
              "exemptedEmissionsPercent,electricity.factorYear")
    row = ("Acme,urn:uscc:91350100M000100Y43,Glass,flat-glass,urn:gtin:06901234567892,"
           "kilogram,1,2025-01-01T00:00:00Z,2026-01-01T00:00:00Z,cradle-to-gate,"
           "gbt-24067-2024,AR6,1.2,0,0," + "9" * 4301)
    result = declare_csv_bytes(f"{header}\n{row}\n".encode(), at=AT, source="p.csv")
    assert result.rows[0].error is not None and result.rows[0].declaration is None


def test_a_valid_declaration_whose_value_a_claim_cannot_carry() -> None:
    """A PCF value of 28 significant digits is a valid declaration (decimal strings of up to
    40 characters), but a claim carries 24: ``cfl sign`` raised ValueError from the claim
    encoder instead of saying so."""
    declaration: dict[str, Any] = copy.deepcopy(world().declaration())
    declaration["pcf"]["declaredUnitAmount"] = "0.1201234567890123456789012340"
    assert not is_blocking(check_declaration(declaration))
    with pytest.raises(InputError) as info:
        sign_bundle(declaration, world().certifier, role="certifier", at=SIGNED_AT)
    assert info.value.code == "claim_field_invalid" and "QR claim" in str(info.value)


# --------------------------------------------------------------------------- found by the long run


def test_a_photo_beyond_pillows_bomb_warning_is_refused_without_a_python_warning() -> None:
    """A PNG of 100 million pixels (a few KB) made Pillow print a DecompressionBombWarning
    (a Python warning with a file and line) before cfl refused it by its own bound."""
    import warnings

    image = io.BytesIO()
    Image.new("1", (10_000, 10_000), 1).save(image, "PNG")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(InputError) as info:
            decode_qr_from_image(image.getvalue())
    assert info.value.code == "too_large"
    assert [str(w.message) for w in caught] == []


def test_a_grading_whose_classes_are_empty_is_a_lint_finding() -> None:
    """``classes: ''`` under a grading category (a long fuzz run of the rule-set target):
    linting raised IndexError looking at the lowest class."""
    shipped = Path(str(data_dir("rulesets"))) / "gbt-24067-2024.yaml"
    document = yaml.safe_load(shipped.read_text("utf-8"))
    category = next(iter(document["grading"]))
    document["grading"][category]["classes"] = ""
    data = yaml.safe_dump(document, allow_unicode=True).encode("utf-8")
    report = lint_rule_files([("rulesets/gbt-24067-2024.yaml", data)])
    assert not report.ok
