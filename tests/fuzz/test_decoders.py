"""One fuzz target per decoder: every input a user or a third party can hand cfl.

Each target draws a mutation of the demo's outputs (tests/fuzz/conftest.py) — bytes, structure,
or structure re-signed with the demo's keys so the checks behind a signature are reached —
runs the decoder, and applies the oracle (fuzz_oracle.py): a result or a CflError, nothing
else; a report prints; a PASSED input's signature verifies over the reference canonical bytes.
The budget is short in a normal run and long with ``--fuzz-long`` (docs/fuzzing.md).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import tempfile
import zlib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import cbor2
from fuzz_mutations import (
    CSV_TOKENS,
    HOSTILE_VALUES,
    JSON_TOKENS,
    PDF_TOKENS,
    TEXT_TOKENS,
    YAML_ATTACKS,
    YAML_TOKENS,
    byte_mutations,
    csv_mutations,
    dump_json,
    dump_yaml,
    json_mutations,
    key_names,
    png_mutations,
)
from fuzz_oracle import (
    attempt,
    claim_bytes,
    cose_holds,
    jws_holds,
    name_of,
    outcome,
    passed,
    pdf_attachments,
    printable_report,
    qr_texts_of_image,
    raw_public_key,
)
from fuzz_register import fuzz_register
from fuzz_world import DEMO_AT, VERIFY_AT, FuzzTally, FuzzWorld
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFilter

from cfl.bundle.model import parse_bundle
from cfl.bundle.sign import sign_bundle
from cfl.claim.decode import decode_claim
from cfl.claim.encode import sign_claim
from cfl.claim.issue import claim_from_declaration
from cfl.claim.model import sig_structure
from cfl.claim.text import claim_to_text
from cfl.declaration.friendly import declaration_from_input, declare_csv_bytes
from cfl.declaration.model import Declaration
from cfl.declaration.schema import check_declaration_or_bundle
from cfl.errors import CflError
from cfl.findings import is_blocking
from cfl.interop.pact import export_pact
from cfl.io.jsonio import dumps_pretty, loads_strict
from cfl.io.kinds import DECLARATION, SIGNED_BUNDLE, require_kind
from cfl.io.yamlio import loads_yaml
from cfl.label.render import LabelRenderer, label_claim_text, prepare_label, render_label
from cfl.label.templates import load_template, parse_template
from cfl.recognition.engine import check_declaration
from cfl.recognition.lint import lint_rule_files
from cfl.recognition.render import render_lint, render_recognition
from cfl.recognition.rules import RuleMapping, load_rule_file
from cfl.recognition.user_rules import merge_rule_files
from cfl.report.model import VerificationReport
from cfl.signing.b64url import b64url_encode
from cfl.signing.jcs import canonical_bytes
from cfl.signing.jws import (
    CLAIM_HEADER,
    ROLE_HEADER,
    TYP_DECLARATION,
    TYP_REVOCATIONS,
    TYP_TRUST_LIST,
    bundle_to_bytes,
    sign_content,
)
from cfl.trust.context import TrustContext, build_trust_context
from cfl.trust.revocation import verify_revocation_list
from cfl.trust.status_list import (
    STATUS_LIST_SIZE_STEP,
    TYP_STATUS_LIST,
    issue_status_list,
    verify_status_list,
)
from cfl.trust.store import StoredTrust
from cfl.verification import verify

SOURCE = "<fuzz>"
#: What the fuzzer's own tools may raise on a mutation they cannot handle (it is then used
#: as it is, unsigned or unrendered): never counted against cfl.
TOOL_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError,
               RecursionError, UnicodeError, ArithmeticError)


def _fuzz(target: str, strategy: st.SearchStrategy[Any], fuzz_settings: Any,
          check: Callable[[Any], str], tally: FuzzTally) -> None:
    """Run ``check`` (which returns the outcome's name) on every input ``strategy`` draws."""

    @fuzz_settings(target)
    @given(value=strategy)
    def run(value: Any) -> None:
        tally.record(target, check(value))

    run()


def _verify(data: bytes | str, world: FuzzWorld, context: TrustContext | None = None
            ) -> VerificationReport:
    report = verify(data, context or _context(world), source=SOURCE)
    printable_report(report)
    return report


_CONTEXTS: dict[int, TrustContext] = {}


def _context(world: FuzzWorld) -> TrustContext:
    """The demo verifier's trust, built once per world."""
    if id(world) not in _CONTEXTS:
        _CONTEXTS[id(world)] = world.context()
    return _CONTEXTS[id(world)]


def _bundle_holds(data: bytes, world: FuzzWorld) -> None:
    """A PASSED bundle's certifier signature verifies over the reference JCS bytes."""
    assert jws_holds(data, "declaration", raw_public_key(world.certifier), world.certifier.kid)


def _claim_holds(text: str, world: FuzzWorld) -> None:
    assert cose_holds(claim_bytes(text), raw_public_key(world.certifier))


# --------------------------------------------------------------------------- re-signing

def _resigned_bundle(declaration: Any, world: FuzzWorld, *, fresh_claim: bool,
                     old_claim: str | None) -> bytes | None:
    """A bundle of ``declaration`` (mutated) signed by the demo certifier, with a claim issued
    for it (``fresh_claim``) or the seed's claim; None if it cannot be signed at all."""
    if not isinstance(declaration, dict):
        return None
    payload = attempt(lambda: canonical_bytes(declaration), *TOOL_ERRORS)
    if payload is None:
        return None
    entry = sign_content(declaration, world.certifier, typ=TYP_DECLARATION, at=DEMO_AT,
                         extra_header={ROLE_HEADER: "certifier"}, payload=payload)
    claim = None
    if fresh_claim:
        # format 2 (bound to this signature) for every other declaration, else format 1
        index = len(payload) % 7 if len(payload) % 2 else None
        issued = attempt(lambda: claim_from_declaration(
            declaration, digest=hashlib.sha256(payload).digest(), issuer_kid=world.certifier.kid,
            at=DEMO_AT, status_index=index, signature=_unb64(entry["signature"])), *TOOL_ERRORS)
        encoded = attempt(lambda: sign_claim(issued, world.certifier), *TOOL_ERRORS) \
            if issued is not None else None
        claim = b64url_encode(encoded) if encoded is not None else None
    claim = claim or old_claim
    if claim is not None:
        entry = {"protected": entry["protected"], "header": {CLAIM_HEADER: claim},
                 "signature": entry["signature"]}
    return attempt(lambda: bundle_to_bytes({"declaration": declaration, "signatures": [entry]}),
                   *TOOL_ERRORS)


def _resigned_list(content: Any, signer: Any, *, key: str, typ: str) -> bytes | None:
    if not isinstance(content, dict):
        return None
    entry = attempt(lambda: sign_content(content, signer, typ=typ, at=DEMO_AT), *TOOL_ERRORS)
    if entry is None:
        return None
    return dump_json({key: content, "signatures": [entry]})


def _resigned_protected(bundle: dict[str, Any], header: Any, world: FuzzWorld) -> bytes | None:
    """The seed bundle with its protected header replaced by ``header`` and signed again."""
    encoded = attempt(lambda: b64url_encode(dump_json(header)), *TOOL_ERRORS)
    payload = attempt(lambda: canonical_bytes(bundle["declaration"]), *TOOL_ERRORS)
    if encoded is None or payload is None:
        return None
    signature = world.certifier.sign(encoded.encode() + b"." + b64url_encode(payload).encode())
    entry = dict(bundle["signatures"][0])
    entry["protected"], entry["signature"] = encoded, b64url_encode(signature)
    return dump_json({"declaration": bundle["declaration"], "signatures": [entry]})


# --------------------------------------------------------------------------- declaration

def test_fuzz_declaration(fuzz_world: FuzzWorld, fuzz_settings: Any,
                          fuzz_tally: FuzzTally) -> None:
    """cfl validate, then for a valid declaration: the model, PACT export, signing, verifying."""
    seeds = fuzz_world.declarations
    parsed = [loads_strict(seed) for seed in seeds]
    names = key_names(parsed[0])
    strategy = st.one_of(
        st.sampled_from(seeds),
        *[byte_mutations(seed, others=seeds) for seed in seeds[:4]],
        *[st.tuples(json_mutations(value, names=names), st.booleans()).map(
            lambda pair: dump_json(pair[0], ascii_only=pair[1])) for value in parsed])

    def check(data: bytes) -> str:
        result = outcome(lambda: _declaration_flow(data, fuzz_world))
        return name_of(result)

    _fuzz("declaration", strategy, fuzz_settings, check, fuzz_tally)


def _declaration_flow(data: bytes, world: FuzzWorld) -> object:
    document = loads_strict(data, source=SOURCE)
    require_kind(document, (SIGNED_BUNDLE, DECLARATION), source=SOURCE,
                 wanted="declaration or signed bundle")
    findings = check_declaration_or_bundle(document, source=SOURCE)
    for finding in findings:
        str(finding).encode("utf-8")
    if is_blocking(findings) or "signatures" in document:
        return "invalid" if is_blocking(findings) else "bundle"
    declaration = Declaration.from_json(document, source=SOURCE)
    dumps_pretty(export_pact(declaration)).encode("utf-8")
    bundle = bundle_to_bytes(_sign(document, world))
    report = _verify(bundle, world)
    if passed(report):
        _bundle_holds(bundle, world)
    return report


def _sign(document: dict[str, Any], world: FuzzWorld) -> dict[str, Any]:
    return sign_bundle(document, world.certifier, role="certifier", at=DEMO_AT, source=SOURCE)


# --------------------------------------------------------------------------- friendly input

def test_fuzz_friendly_input(fuzz_world: FuzzWorld, fuzz_settings: Any,
                             fuzz_tally: FuzzTally) -> None:
    """cfl declare of a YAML or JSON friendly input; a declaration made is signed and verified."""
    seeds = fuzz_world.friendly_inputs
    yaml_seeds = [seed for seed in seeds if not seed.startswith(b"{")]
    parsed = [loads_yaml(seed) for seed in yaml_seeds]
    names = key_names(parsed[0])
    structure = [st.tuples(json_mutations(value, names=names), st.sampled_from(
        ("yaml", "flow", "json", "ascii"))).map(_friendly_text) for value in parsed]
    strategy = st.one_of(
        st.sampled_from(seeds),
        *[byte_mutations(seed, tokens=YAML_TOKENS if not seed.startswith(b"{") else JSON_TOKENS,
                         others=seeds) for seed in seeds[::2]],
        *structure,
        st.tuples(st.sampled_from(yaml_seeds), YAML_ATTACKS).map(
            lambda pair: pair[0] + b"\n" + pair[1].encode("utf-8", "surrogatepass")),
        YAML_ATTACKS.map(lambda text: text.encode("utf-8", "surrogatepass")))

    def check(data: bytes) -> str:
        return name_of(outcome(lambda: _friendly_flow(data, fuzz_world)))

    _fuzz("friendly", strategy, fuzz_settings, check, fuzz_tally)


def _friendly_text(pair: tuple[Any, str]) -> bytes:
    value, form = pair
    if form in ("json", "ascii"):
        return dump_json(value, ascii_only=form == "ascii")
    return dump_yaml(value, flow=form == "flow")


def _friendly_flow(data: bytes, world: FuzzWorld) -> object:
    if data.lstrip()[:1] == b"{":
        value = loads_strict(data, source=SOURCE)
    else:
        value = loads_yaml(data, source=SOURCE)
    declaration = declaration_from_input(value, at=DEMO_AT, source=SOURCE)
    dumps_pretty(declaration.document).encode("utf-8")
    for warning in declaration.warnings:
        str(warning).encode("utf-8")
    bundle = bundle_to_bytes(_sign(declaration.document, world))
    report = _verify(bundle, world)
    if passed(report):
        _bundle_holds(bundle, world)
    return report


# --------------------------------------------------------------------------- CSV

def test_fuzz_csv(fuzz_world: FuzzWorld, fuzz_settings: Any, fuzz_tally: FuzzTally) -> None:
    """cfl declare of a CSV: every row becomes a declaration or a CflError naming the row."""
    seed = fuzz_world.csv
    strategy = st.one_of(st.just(seed), csv_mutations(seed),
                         byte_mutations(seed, tokens=CSV_TOKENS),
                         csv_mutations(seed).flatmap(lambda data: byte_mutations(
                             data, tokens=CSV_TOKENS, max_edits=2)))

    def check(data: bytes) -> str:
        result = outcome(lambda: declare_csv_bytes(data, at=DEMO_AT, source=SOURCE))
        if isinstance(result, CflError):
            return name_of(result)
        for row in result.rows:
            if row.error is not None:
                assert isinstance(row.error, CflError)
                str(row.error).encode("utf-8")
            else:
                assert row.declaration is not None
                dumps_pretty(row.declaration.document).encode("utf-8")
        return "ok" if result.ok else "some rows failed"

    _fuzz("csv", strategy, fuzz_settings, check, fuzz_tally)


# --------------------------------------------------------------------------- bundle

def test_fuzz_bundle(fuzz_world: FuzzWorld, fuzz_settings: Any, fuzz_tally: FuzzTally) -> None:
    """cfl verify of a signed bundle: bytes, the envelope, and re-signed declarations and
    protected headers."""
    seeds = fuzz_world.bundles
    parsed = [loads_strict(seed) for seed in seeds]
    names = key_names(parsed[0])

    def declaration_resigned(index: int) -> st.SearchStrategy[bytes | None]:
        bundle = parsed[index]
        claim = bundle["signatures"][0].get("header", {}).get(CLAIM_HEADER)
        return st.tuples(json_mutations(bundle["declaration"], names=names), st.booleans()).map(
            lambda pair: _resigned_bundle(pair[0], fuzz_world, fresh_claim=pair[1],
                                          old_claim=claim))

    def header_resigned(index: int) -> st.SearchStrategy[bytes | None]:
        bundle = parsed[index]
        header = loads_strict(_unb64(bundle["signatures"][0]["protected"]))
        return json_mutations(header, names=("alg", "kid", "typ", "iat", "crit", "jwk", "b64",
                                             ROLE_HEADER, "x5c", "cfl.claim")).map(
            lambda value: _resigned_protected(bundle, value, fuzz_world))

    strategy = st.one_of(
        st.sampled_from(seeds),
        *[byte_mutations(seed, others=seeds) for seed in seeds[:3]],
        *[declaration_resigned(i) for i in range(len(parsed))],
        *[header_resigned(i) for i in range(2)],
        *[json_mutations(value, names=[*names, "header", "payload", "protected"]).map(dump_json)
          for value in parsed[:2]],
    ).filter(lambda data: data is not None)

    def check(data: bytes) -> str:
        report = _verify(data, fuzz_world)
        if passed(report):
            _bundle_holds(data, fuzz_world)
        return name_of(report)

    _fuzz("bundle", strategy, fuzz_settings, check, fuzz_tally)


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --------------------------------------------------------------------------- COSE and QR text

CBOR_VALUES: st.SearchStrategy[Any] = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70), st.binary(max_size=40),
    st.text(max_size=40), st.none(), st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from((cbor2.undefined, cbor2.CBORSimpleValue(99), b"\x00" * 32, "urn:gtin:0",
                     Decimal("1.5"), Decimal("1E+30"), 2**64, -(2**64) - 1, 253402300800)),
    st.builds(cbor2.CBORTag, st.sampled_from((0, 1, 2, 3, 4, 5, 24, 32, 37, 258, 55799)),
              st.one_of(st.integers(), st.binary(max_size=9), st.text(max_size=9),
                        st.lists(st.integers(), max_size=3))),
    st.lists(st.integers(), max_size=4), st.dictionaries(st.integers(-5, 20), st.integers(),
                                                         max_size=3),
)


def _cose_parts(claim: bytes) -> tuple[dict[Any, Any], dict[Any, Any] | list[Any]]:
    """The protected header and the payload (format 1: a map, format 2: an array)."""
    outer = cbor2.loads(claim)
    protected, _, payload, _ = outer.value
    return cbor2.loads(protected), cbor2.loads(payload)


def _list_edits(seed: list[Any]) -> st.SearchStrategy[list[Any]]:
    """Format 2's array edited item by item: replaced, dropped, inserted, or the whole
    array cut (a wrong count, a truncated array)."""
    edit = st.tuples(st.sampled_from(("set", "set", "set", "delete", "insert", "cut")),
                     st.integers(0, len(seed)), CBOR_VALUES)

    def apply(edits: list[tuple[Any, ...]]) -> list[Any]:
        out = list(seed)
        for kind, index, value in edits:
            where = index % (len(out) + 1)
            if kind == "set" and out:
                out[where % len(out)] = value
            elif kind == "delete" and out:
                del out[where % len(out)]
            elif kind == "insert":
                out.insert(where, value)
            elif kind == "cut":
                out = out[:where]
        return out

    return st.lists(edit, min_size=1, max_size=3).map(apply)


def _payload_edits(seed: dict[Any, Any] | list[Any], keys: st.SearchStrategy[Any]
                   ) -> st.SearchStrategy[Any]:
    return _list_edits(seed) if isinstance(seed, list) else _map_edits(seed, keys)


#: Protected headers of both formats and their crossings: format 2's algorithms with either
#: hint length, format 1's with a 4-byte hint.
HEADER_SWAPS = (
    {1: -19, 4: b"\x00\x01\x02\x03"}, {1: -9, 4: b"\x00\x01\x02\x03"},
    {1: -19, 4: b"\x00" * 8}, {1: -8, 4: b"\x00\x01\x02\x03"}, {1: -8, 4: b"\x00" * 8},
)


def _map_edits(seed: dict[Any, Any], keys: st.SearchStrategy[Any]
               ) -> st.SearchStrategy[dict[Any, Any]]:
    edit = st.tuples(st.sampled_from(("set", "set", "delete", "add")),
                     st.sampled_from(sorted(seed, key=repr)), keys, CBOR_VALUES)

    def apply(edits: list[tuple[Any, ...]]) -> dict[Any, Any]:
        out = dict(seed)
        for kind, key, new_key, value in edits:
            if kind == "set":
                out[key] = value
            elif kind == "delete":
                out.pop(key, None)
            else:
                out[new_key] = value
        return out

    return st.lists(edit, min_size=1, max_size=3).map(apply)


def _signed_cose(world: FuzzWorld, protected: Any, payload: Any, canonical: bool,
                 tail: int) -> bytes | None:
    """A COSE_Sign1 of (mutated) header and payload maps, signed by the demo certifier over
    their encoding; ``tail`` picks an envelope edit (none, unprotected header, extra item)."""
    encoded = attempt(lambda: (cbor2.dumps(protected, canonical=canonical),
                               cbor2.dumps(payload, canonical=canonical)), *TOOL_ERRORS)
    if encoded is None:
        return None
    protected_bytes, payload_bytes = encoded
    signature = world.certifier.sign(sig_structure(protected_bytes, payload_bytes)) \
        if len(protected_bytes) < 65536 and len(payload_bytes) < 65536 else bytes(64)
    items: list[Any] = [protected_bytes, {}, payload_bytes, signature]
    if tail == 1:
        items[1] = {4: b"x"}
    elif tail == 2:
        items.append(b"")
    return attempt(lambda: cbor2.dumps(cbor2.CBORTag(18, items), canonical=canonical),
                   *TOOL_ERRORS)


def cose_strategy(world: FuzzWorld) -> st.SearchStrategy[bytes]:
    claims = world.claims
    parts = [_cose_parts(claim) for claim in claims]
    keys = st.one_of(st.integers(-10, 20), st.text(max_size=3), st.binary(max_size=2))
    resigned = [
        st.tuples(st.one_of(st.just(header), _map_edits(header, keys),
                            st.sampled_from(HEADER_SWAPS).map(
                                lambda swap, kid=header[4]: {1: swap[1], 4: kid[:len(swap[4])]})),
                  st.one_of(_payload_edits(payload, keys), st.just(payload)), st.booleans(),
                  st.sampled_from((0, 0, 0, 1, 2))).map(
            lambda spec: _signed_cose(world, *spec))
        for header, payload in parts]
    return st.one_of(
        st.sampled_from(claims),
        *[byte_mutations(claim, tokens=(b"\xd2", b"\x84", b"\xa0", b"\x40", b"\x58\xff",
                                        b"\x5f", b"\xff", b"\xf7", b"\xfb"), others=claims)
          for claim in claims[:3]],
        *resigned,
    ).filter(lambda data: data is not None)


def test_fuzz_cose_bytes(fuzz_world: FuzzWorld, fuzz_settings: Any,
                         fuzz_tally: FuzzTally) -> None:
    """The claim decoder and cfl verify of its text, on COSE bytes mutated in their CBOR
    structure and signed again."""
    world = fuzz_world

    def check(data: bytes) -> str:
        outcome(lambda: decode_claim(data, source=SOURCE))
        text = outcome(lambda: claim_to_text(data))
        if isinstance(text, CflError):
            return name_of(text)
        report = _verify(text, world)
        if passed(report):
            _claim_holds(text, world)
        return name_of(report)

    _fuzz("cose", cose_strategy(world), fuzz_settings, check, fuzz_tally)


ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def test_fuzz_qr_text(fuzz_world: FuzzWorld, fuzz_settings: Any, fuzz_tally: FuzzTally) -> None:
    """cfl verify --text: the QR text, edited as characters, and the text of re-signed claims."""
    world = fuzz_world
    texts = [claim_to_text(claim) for claim in world.claims]

    def edited(edits: tuple[int, list[tuple[int, int, int]]]) -> str:
        index, changes = edits
        chars = list(texts[index % len(texts)])
        for kind, position, value in changes:
            where = position % (len(chars) + 1)
            if kind == 0 and chars:
                chars[where % len(chars)] = ALPHANUMERIC[value % len(ALPHANUMERIC)]
            elif kind == 1:
                chars.insert(where, ALPHANUMERIC[value % len(ALPHANUMERIC)])
            elif kind == 2:
                del chars[where:where + 1 + value % 8]
            elif kind == 3:
                chars[where:where] = chars[where:where + value % 32]
        return "".join(chars)

    strategy = st.one_of(
        st.sampled_from(texts),
        st.tuples(st.integers(0, 99), st.lists(st.tuples(st.integers(0, 3),
                                                         st.integers(0, 1 << 20),
                                                         st.integers(0, 255)),
                                               min_size=1, max_size=6)).map(edited),
        cose_strategy(world).map(lambda data: attempt(lambda: claim_to_text(data))),
        st.text(max_size=300),
        st.text(alphabet=ALPHANUMERIC, max_size=400),
        st.sampled_from(texts).flatmap(lambda text: byte_mutations(
            text.encode(), tokens=TEXT_TOKENS).map(lambda b: b.decode("utf-8", "replace"))),
    ).filter(lambda text: text is not None)

    def check(text: str) -> str:
        report = _verify(text, world)
        if passed(report):
            _claim_holds(text, world)
        return name_of(report)

    _fuzz("qr_text", strategy, fuzz_settings, check, fuzz_tally)


# --------------------------------------------------------------------------- label PDF, image

def test_fuzz_label_pdf(fuzz_world: FuzzWorld, fuzz_settings: Any,
                        fuzz_tally: FuzzTally) -> None:
    """cfl verify of a label PDF: bytes edited with PDF tokens, and labels rendered from
    re-signed mutated declarations."""
    world = fuzz_world
    labels = world.labels
    parsed = [loads_strict(seed) for seed in world.bundles]
    names = key_names(parsed[0])
    templates = {name: load_template(name) for name in ("sticker", "standard", "sheet")}

    def rendered(spec: tuple[Any, str]) -> bytes | None:
        declaration, template = spec
        bundle = _resigned_bundle(declaration, world, fresh_claim=False, old_claim=None)
        if bundle is None:
            return None
        return attempt(lambda: render_label(bundle, template=templates[template],
                                            signer=world.certifier, at=DEMO_AT), *TOOL_ERRORS)

    strategy = st.one_of(
        st.sampled_from(labels),
        *[byte_mutations(label, tokens=PDF_TOKENS, others=labels) for label in labels[::4]],
        *[st.tuples(json_mutations(value["declaration"], names=names, max_edits=2),
                    st.sampled_from(sorted(templates))).map(rendered) for value in parsed[:3]],
    ).filter(lambda data: data is not None)

    def check(data: bytes) -> str:
        report = _verify(data, world)
        if passed(report):
            for attachment in pdf_attachments(data):
                _bundle_holds(attachment, world)
        return name_of(report)

    _fuzz("label_pdf", strategy, fuzz_settings, check, fuzz_tally)


def _transformed(spec: tuple[bytes, int, int, int, str]) -> bytes:
    """An image seed photographed badly: scaled, turned, cropped, blurred, drawn over,
    saved in another mode or format."""
    data, kind, amount, seed, form = spec
    image = Image.open(io.BytesIO(data))
    image.load()
    if kind == 0:
        size = (max(1, image.width * (1 + amount % 300) // 100),
                max(1, image.height * (1 + (amount // 7) % 300) // 100))
        image = image.resize(size)
    elif kind == 1:
        image = image.rotate(amount % 360, expand=True)
    elif kind == 2:
        box = (amount % image.width, seed % image.height, image.width, image.height)
        image = image.crop(box)
    elif kind == 3:
        image = image.filter(ImageFilter.GaussianBlur(amount % 6))
    elif kind == 4:
        draw = ImageDraw.Draw(image)
        for i in range(1 + amount % 40):
            x, y = (seed * (i + 3)) % image.width, (seed * (i + 7)) % image.height
            draw.rectangle((x, y, x + amount % 25, y + amount % 25), fill=(i * 37) % 256)
    elif kind == 5:
        image = image.convert(("1", "L", "P", "RGBA", "CMYK", "I;16", "LA")[amount % 7])
    out = io.BytesIO()
    if form == "JPEG" and image.mode not in ("L", "RGB", "CMYK"):
        image = image.convert("RGB")
    if form == "PNG" and image.mode == "CMYK":
        image = image.convert("RGB")
    image.save(out, format=form, quality=1 + amount % 95)
    return out.getvalue()


def test_fuzz_image(fuzz_world: FuzzWorld, fuzz_settings: Any, fuzz_tally: FuzzTally) -> None:
    """cfl verify of a photo of a label's QR code (PNG or JPEG)."""
    world = fuzz_world
    pngs = [image for image in world.images if image.startswith(b"\x89PNG")]
    strategy = st.one_of(
        st.sampled_from(world.images),
        *[png_mutations(png) for png in pngs],
        *[byte_mutations(image, tokens=(b"IHDR", b"IDAT", b"IEND", b"\xff\xd8", b"\xff\xc0",
                                        b"\xff\xda", b"\xff\xd9", b"\x00\x00\xff\xff"),
                         max_edits=3) for image in world.images],
        st.tuples(st.sampled_from(world.images), st.integers(0, 5), st.integers(0, 1 << 16),
                  st.integers(1, 1 << 16), st.sampled_from(("PNG", "JPEG"))).map(_transformed),
    )

    def check(data: bytes) -> str:
        report = _verify(data, world)
        if passed(report):
            texts = qr_texts_of_image(Image.open(io.BytesIO(data)).convert("L"))
            assert texts
            for text in texts:
                _claim_holds(text, world)
        return name_of(report)

    _fuzz("image", strategy, fuzz_settings, check, fuzz_tally)


# --------------------------------------------------------------------------- trust and revocations

def test_fuzz_trust_list(fuzz_world: FuzzWorld, fuzz_settings: Any,
                         fuzz_tally: FuzzTally) -> None:
    """A trust list given to a verifier, and the same bytes found in its trust store: content
    mutated and signed again by the operator, envelopes and bytes edited."""
    world = fuzz_world
    seed = world.trust_list
    value = loads_strict(seed)
    names = key_names(value)
    strategy = st.one_of(
        st.just(seed),
        byte_mutations(seed),
        json_mutations(value["trustList"], names=names).map(
            lambda content: _resigned_list(content, world.operator, key="trustList",
                                           typ=TYP_TRUST_LIST)),
        json_mutations(value, names=names).map(dump_json),
    ).filter(lambda data: data is not None)
    bundle = world.bundles[0]

    def check(data: bytes) -> str:
        context = outcome(lambda: build_trust_context(
            data, anchor=world.operator.public_key, at=_context(world).at,
            revocations=(world.revocations,), source=SOURCE))
        stored = outcome(lambda: build_trust_context(
            None, anchor=world.operator.public_key, at=_context(world).at,
            stored=StoredTrust(trust_list=data)))
        for result in (context, stored):
            if isinstance(result, CflError):
                return name_of(result)
            for row in result.rows:
                row.message.encode("utf-8")
        assert isinstance(context, TrustContext)
        if context.trust_list is None:
            return "refused"
        assert jws_holds(data, "trustList", raw_public_key(world.operator), world.operator.kid)
        report = _verify(bundle, world, context)
        if passed(report):
            _bundle_holds(bundle, world)
        return f"accepted, bundle {name_of(report)}"

    _fuzz("trust_list", strategy, fuzz_settings, check, fuzz_tally)


def _certifier_list_inputs(seeds: tuple[bytes, ...], world: FuzzWorld, *, key: str, typ: str,
                           names_from: int) -> st.SearchStrategy[bytes]:
    """Inputs for a certifier's signed list: the seeds, their bytes mutated, their content
    (``key``) mutated and signed again by the certifier, their envelopes mutated; key names
    for the mutations from seed ``names_from``."""
    parsed = [loads_strict(seed) for seed in seeds]
    names = key_names(parsed[names_from])
    return st.one_of(
        st.sampled_from(seeds),
        *[byte_mutations(seed, others=seeds) for seed in seeds],
        *[json_mutations(value[key], names=names).map(
            lambda content: _resigned_list(content, world.certifier, key=key, typ=typ))
          for value in parsed],
        *[json_mutations(value, names=names).map(dump_json) for value in parsed],
    ).filter(lambda data: data is not None)


def test_fuzz_revocation_list(fuzz_world: FuzzWorld, fuzz_settings: Any,
                              fuzz_tally: FuzzTally) -> None:
    """A certifier's revocation list: content mutated and signed again by the certifier,
    envelopes and bytes edited; accepted lists then take part in a verification."""
    world = fuzz_world
    seeds = (world.revocations, world.revocations_with_entry)
    strategy = _certifier_list_inputs(seeds, world, key="revocationList", typ=TYP_REVOCATIONS,
                                      names_from=1)
    base = _context(world)
    bundle = world.bundles[0]

    def check(data: bytes) -> str:
        result = outcome(lambda: verify_revocation_list(data, key_for=base.certifier_key_for,
                                                        source=SOURCE))
        context = outcome(lambda: world.context(revocations=(world.revocations, data)))
        if isinstance(context, CflError):
            return name_of(context)
        report = _verify(bundle, world, context)
        if isinstance(result, CflError):
            return name_of(result)
        assert jws_holds(data, "revocationList", raw_public_key(world.certifier),
                         world.certifier.kid)
        return f"accepted, bundle {name_of(report)}"

    _fuzz("revocation_list", strategy, fuzz_settings, check, fuzz_tally)


def test_fuzz_status_list(fuzz_world: FuzzWorld, fuzz_settings: Any,
                          fuzz_tally: FuzzTally) -> None:
    """A certifier's status list: content mutated (size, bits, version, times) and signed
    again by the certifier, envelopes and bytes edited; an accepted list then decides
    whether the demo's format-2 claim is revoked, and each bit it reports is the bit an
    independent inflate of the signed string holds."""
    world = fuzz_world
    revoked = bundle_to_bytes(issue_status_list(
        world.certifier, size=STATUS_LIST_SIZE_STEP, revoked=[0, 1, 7, 8], version=2,
        at=DEMO_AT))
    seeds = (*world.status_lists, revoked)
    strategy = _certifier_list_inputs(seeds, world, key="statusList", typ=TYP_STATUS_LIST,
                                      names_from=-1)
    base = _context(world)
    claim = world.claims[0]

    def check(data: bytes) -> str:
        result = outcome(lambda: verify_status_list(data, key_for=base.certifier_key_for,
                                                    source=SOURCE))
        context = outcome(lambda: build_trust_context(
            world.trust_list, anchor=world.operator.public_key, at=VERIFY_AT,
            revocations=(world.revocations,), status_lists=(data,)))
        if isinstance(context, CflError):
            return name_of(context)
        report = _verify(claim, world, context)
        if isinstance(result, CflError):
            return name_of(result)
        assert jws_holds(data, "statusList", raw_public_key(world.certifier),
                         world.certifier.kid)
        inflated = zlib.decompress(_unb64(loads_strict(data)["statusList"]["bits"]))
        for index in (0, 1, 7, 8, result.size - 1):
            expected = bool(inflated[index >> 3] & (0x80 >> (index & 7)))
            assert result.is_revoked(index) is expected, index
        return f"accepted, claim {name_of(report)}"

    _fuzz("status_list", strategy, fuzz_settings, check, fuzz_tally)


# --------------------------------------------------------------------------- rules and templates

def _rules_strategy(files: tuple[tuple[str, bytes], ...]) -> st.SearchStrategy[tuple[str, bytes]]:
    parsed = [(name, loads_yaml(data)) for name, data in files]
    names = sorted({key for _, value in parsed for key in key_names(value)})
    return st.one_of(
        st.sampled_from(files),
        st.sampled_from(files).flatmap(lambda file: byte_mutations(
            file[1], tokens=YAML_TOKENS).map(lambda data: (file[0], data))),
        *[st.tuples(json_mutations(value, names=names), st.booleans()).map(
            lambda pair, name=name: (name, dump_yaml(pair[0], flow=pair[1])))
          for name, value in parsed],
        st.tuples(st.sampled_from(files), YAML_ATTACKS).map(
            lambda pair: (pair[0][0], pair[1].encode("utf-8", "surrogatepass"))),
    )


def _rules_flow(name: str, data: bytes, declaration: dict[str, Any]) -> str:
    report = lint_rule_files([(name, data)])
    render_lint(report, "text").encode("utf-8")
    render_lint(report, "json").encode("utf-8")
    if not report.ok:
        return "lint errors"
    loaded = outcome(lambda: merge_rule_files([(name, data)]))
    if isinstance(loaded, CflError):
        return name_of(loaded)
    item = load_rule_file(data, name)
    target = item.target_id if isinstance(item, RuleMapping) else item.id
    result = outcome(lambda: check_declaration(declaration, [target], at=DEMO_AT,
                                               registry=loaded.registry))
    if isinstance(result, CflError):
        return name_of(result)
    render_recognition(result, "text").encode("utf-8")
    render_recognition(result, "json").encode("utf-8")
    return "checked"


def test_fuzz_rule_set(fuzz_world: FuzzWorld, fuzz_settings: Any,
                       fuzz_tally: FuzzTally) -> None:
    """A rule set of one's own: linted, merged, and a demo declaration checked against it."""
    declaration = loads_strict(fuzz_world.declarations[-1])

    def check(file: tuple[str, bytes]) -> str:
        return str(outcome(lambda: _rules_flow(*file, declaration)))

    _fuzz("rule_set", _rules_strategy(fuzz_world.rule_sets), fuzz_settings, check, fuzz_tally)


def test_fuzz_mapping(fuzz_world: FuzzWorld, fuzz_settings: Any,
                      fuzz_tally: FuzzTally) -> None:
    """A mapping of one's own: linted, merged, and a demo declaration checked through it."""
    declaration = loads_strict(fuzz_world.declarations[-1])

    def check(file: tuple[str, bytes]) -> str:
        return str(outcome(lambda: _rules_flow(*file, declaration)))

    _fuzz("mapping", _rules_strategy(fuzz_world.mappings), fuzz_settings, check, fuzz_tally)


def test_fuzz_template(fuzz_world: FuzzWorld, fuzz_settings: Any,
                       fuzz_tally: FuzzTally) -> None:
    """A label template of one's own: read, checked, a label rendered with it and verified."""
    world = fuzz_world
    parsed = [loads_yaml(seed) for seed in world.templates]
    names = key_names(parsed[2])
    bundle_bytes = world.bundles[0]
    bundle = parse_bundle(bundle_bytes)
    content = prepare_label(bundle, bundle_bytes, label_claim_text(bundle))
    strategy = st.one_of(
        st.sampled_from(world.templates),
        *[byte_mutations(seed, tokens=YAML_TOKENS) for seed in world.templates],
        *[st.tuples(json_mutations(value, names=names, values=st.one_of(
            HOSTILE_VALUES, st.floats(), st.integers(-10, 400))), st.booleans()).map(
            lambda pair: dump_yaml(pair[0], flow=pair[1])) for value in parsed],
    )
    folder = Path(tempfile.mkdtemp(prefix="cfl-fuzz-template-"))

    def flow(data: bytes) -> object:
        template = parse_template(loads_yaml(data, source=SOURCE), source=SOURCE,
                                  base_dir=folder)
        pdf = LabelRenderer(template).render([copy.copy(content)])
        return _verify(pdf, world)

    def check(data: bytes) -> str:
        return name_of(outcome(lambda: flow(data)))

    _fuzz("template", strategy, fuzz_settings, check, fuzz_tally)


# --------------------------------------------------------------------------- the register

EVENT_TYPE = "org.wbcsd.pact.ProductFootprint.{}.3"
#: The bodies the register takes, with the content type a client sends them with.
PUBLISH_PATHS = {"/api/bundles": "bundle", "/api/revocations": "revocations",
                 "/api/status-lists": "status list", "/api/trust-list": "trust list"}
CONTENT_TYPES = ("application/json", "text/plain", "", "application/json; charset=utf-16",
                 "application/x-www-form-urlencoded", "application/cloudevents+json",
                 "multipart/form-data; boundary=x")


def _events(world: FuzzWorld) -> list[dict[str, Any]]:
    """One PACT event of each kind, about the demo's products."""
    declaration = loads_strict(world.bundles[0])["declaration"]
    product_ids = list(declaration.get("productIds", []))[:2] or ["urn:gtin:06901234567892"]
    common = {"specversion": "1.0", "source": "https://partner.example.org/3/events",
              "time": "2026-04-10T00:00:00Z"}
    return [
        {**common, "type": EVENT_TYPE.format("RequestCreatedEvent"), "id": "request-1",
         "data": {"productId": product_ids, "validOn": "2026-04-10T00:00:00Z"}},
        {**common, "type": EVENT_TYPE.format("RequestFulfilledEvent"), "id": "answer-1",
         "data": {"requestEventId": "request-1", "pfs": [declaration]}},
        {**common, "type": EVENT_TYPE.format("RequestRejectedEvent"), "id": "answer-2",
         "data": {"requestEventId": "request-1",
                  "error": {"code": "NotFound", "message": "none"}}},
        {**common, "type": EVENT_TYPE.format("PublishedEvent"), "id": "published-1",
         "data": {"pfIds": [declaration["id"]]}},
    ]


def _register_requests(world: FuzzWorld, credentials: Any
                       ) -> st.SearchStrategy[tuple[str, bytes, str | None, str | None]]:
    """(path, body, content type or None for the usual one, Authorization or None)."""
    bundles = world.bundles
    parsed = [loads_strict(seed) for seed in bundles]
    names = key_names(parsed[0])

    def declaration_resigned(index: int) -> st.SearchStrategy[bytes | None]:
        bundle = parsed[index]
        claim = bundle["signatures"][0].get("header", {}).get(CLAIM_HEADER)
        return st.tuples(json_mutations(bundle["declaration"], names=names), st.booleans()).map(
            lambda pair: _resigned_bundle(pair[0], world, fresh_claim=pair[1], old_claim=claim))

    def header_resigned(index: int) -> st.SearchStrategy[bytes | None]:
        bundle = parsed[index]
        header = loads_strict(_unb64(bundle["signatures"][0]["protected"]))
        return json_mutations(header, names=("alg", "kid", "typ", "iat", "crit", "b64",
                                             ROLE_HEADER, "cfl.claim")).map(
            lambda value: _resigned_protected(bundle, value, world))

    bundle_bodies = st.one_of(
        st.sampled_from(bundles),
        *[byte_mutations(seed, others=bundles) for seed in bundles[:2]],
        *[declaration_resigned(i) for i in range(min(3, len(parsed)))],
        header_resigned(0),
        json_mutations(parsed[0], names=[*names, "header", "payload", "protected",
                                         "revocationList", "trustList"]).map(dump_json),
    )
    revocation_seeds = (world.revocations, world.revocations_with_entry)
    revocation_parsed = [loads_strict(seed) for seed in revocation_seeds]
    revocation_names = key_names(revocation_parsed[1])
    revocation_bodies = st.one_of(
        st.sampled_from(revocation_seeds),
        *[byte_mutations(seed, others=revocation_seeds) for seed in revocation_seeds],
        *[json_mutations(value["revocationList"], names=revocation_names).map(
            lambda content: _resigned_list(content, world.certifier, key="revocationList",
                                           typ=TYP_REVOCATIONS)) for value in revocation_parsed],
    )
    status_seeds = [path.read_bytes() for path in (world.root / "trust").glob("status-*.json")]
    status_seeds += [bundle_to_bytes(issue_status_list(
        world.certifier, size=size, revoked=revoked, version=version, at=DEMO_AT))
        for size, revoked, version in ((131_072, (), 2), (131_072, (0, 7, 131_071), 3))]
    status_value = loads_strict(status_seeds[-1])
    status_bodies = st.one_of(
        st.sampled_from(status_seeds),
        *[byte_mutations(seed, others=status_seeds) for seed in status_seeds[-2:]],
        json_mutations(status_value["statusList"], names=key_names(status_value)).map(
            lambda content: _resigned_list(content, world.certifier, key="statusList",
                                           typ=TYP_STATUS_LIST)),
        json_mutations(status_value, names=key_names(status_value)).map(dump_json),
    )
    trust_value = loads_strict(world.trust_list)
    trust_bodies = st.one_of(
        st.just(world.trust_list),
        byte_mutations(world.trust_list),
        json_mutations(trust_value["trustList"], names=key_names(trust_value)).map(
            lambda content: _resigned_list(content, world.operator, key="trustList",
                                           typ=TYP_TRUST_LIST)),
    )
    events = _events(world)
    event_names = sorted({name for event in events for name in key_names(event)})
    event_bodies = st.one_of(
        st.sampled_from([dump_json(event) for event in events]),
        *[json_mutations(event, names=event_names).map(dump_json) for event in events],
        byte_mutations(dump_json(events[0])),
    )
    form = (f"grant_type=client_credentials&client_id={credentials.client_id}"
            f"&client_secret={credentials.secret}").encode()
    token_bodies = st.one_of(st.just(form), byte_mutations(form, tokens=(
        b"&", b"=", b"%", b"%00", b"%ff", b"+", b"scope=footprints:read", b"grant_type=")))
    bearer = f"Bearer {credentials.token}"
    basic = "Basic " + base64.b64encode(
        f"{credentials.client_id}:{credentials.secret}".encode()).decode()
    authorizations = st.one_of(st.just(bearer), st.sampled_from((
        None, "Bearer ", "Bearer x", bearer + "x", "bearer " + credentials.token, basic,
        "Basic !!", "Basic " + base64.b64encode(b"\xff:\xfe").decode())))
    content_types = st.one_of(st.none(), st.none(), st.none(), st.sampled_from(CONTENT_TYPES))

    def request(path: str, bodies: st.SearchStrategy[bytes | None],
                auth: st.SearchStrategy[str | None] | None = None
                ) -> st.SearchStrategy[tuple[str, bytes, str | None, str | None]]:
        return st.tuples(st.just(path), bodies.filter(lambda body: body is not None),
                         content_types, auth if auth is not None else st.none())

    return st.one_of(
        request("/api/bundles", bundle_bodies),
        request("/api/revocations", revocation_bodies),
        request("/api/status-lists", status_bodies),
        request("/api/trust-list", trust_bodies),
        request("/3/events", event_bodies, authorizations),
        request("/auth/token", token_bodies, st.one_of(st.none(), st.sampled_from((
            basic, "Basic !!", "Basic " + base64.b64encode(b"nobody:x").decode())))),
    )


def _usual_content_type(path: str) -> str:
    if path == "/auth/token":
        return "application/x-www-form-urlencoded"
    return "application/cloudevents+json" if path == "/3/events" else "application/json"


def test_fuzz_register(fuzz_world: FuzzWorld, fuzz_settings: Any, fuzz_tally: FuzzTally,
                       tmp_path_factory: Any) -> None:
    """The register's request bodies, sent in process to a register on SQLite holding the
    demo's trust list, revocation list and bundles: publishing a bundle, a revocation list,
    a status list or a trust list (mutated and signed again with the demo's keys), PACT
    events and token requests. Every answer is a 2xx or a 4xx whose JSON names what was
    wrong, never a 5xx; a published bundle's signature holds over the reference canonical
    bytes, and the register serves it as it was sent."""
    world = fuzz_world
    with fuzz_register(world, tmp_path_factory.mktemp("fuzz-register")) as register:
        strategy = _register_requests(world, register.credentials)

        def check(request: tuple[str, bytes, str | None, str | None]) -> str:
            path, body, content_type, authorization = request
            headers = {"content-type": content_type if content_type is not None
                       else _usual_content_type(path)}
            if authorization is not None:
                headers["authorization"] = authorization
            client = register.session()
            response = client.post(path, content=body, headers=headers)
            status = response.status_code
            assert status < 500, (status, response.text[:2000])
            if status >= 400:
                answer = response.json()
                assert isinstance(answer, dict), answer
                code = answer.get("code", answer.get("error"))
                message = answer.get("message", answer.get("error_description"))
                assert isinstance(code, str) and code, answer
                assert isinstance(message, str) and message.strip(), answer
                reasons = answer.get("reasons")
                if isinstance(reasons, list) and reasons:
                    code += f" ({reasons[0]})"
                return f"{path} {status} {code}"
            assert status in (200, 201), status
            answer = response.json() if response.content else {}
            kind = PUBLISH_PATHS.get(path)
            if kind == "bundle":
                _bundle_holds(body, world)
                served = client.get(f"/api/bundles/{answer['digest']}")
                assert served.status_code == 200 and served.content == body
            elif kind == "revocations":
                assert jws_holds(body, "revocationList", raw_public_key(world.certifier),
                                 world.certifier.kid)
            elif kind == "status list":
                assert jws_holds(body, "statusList", raw_public_key(world.certifier),
                                 world.certifier.kid)
            elif kind == "trust list":
                assert jws_holds(body, "trustList", raw_public_key(world.operator),
                                 world.operator.kid)
            if answer.get("status") != "unchanged":
                register.restore()  # every input meets the register as it was made
            return f"{path} {status} {answer.get('status', 'ok')}"

        _fuzz("register", strategy, fuzz_settings, check, fuzz_tally)
