"""Rendering labels: a template, a signed bundle and its claim → PDF pages (reportlab).

:func:`prepare_label` turns a bundle into a :class:`LabelContent` (the texts, the stage and gas
numbers, the signatures, the QR claim text and the bundle bytes to embed). A
:class:`LabelRenderer` draws contents on pages of one template and embeds every bundle as a
PDF file attachment (``/AFRelationship /Data``, listed in the catalog's ``/AF`` array and its
``EmbeddedFiles`` name tree), so the label alone carries everything a verifier needs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfgen import canvas as rl_canvas

from cfl.bundle.claim import claim_in_bundle
from cfl.bundle.model import Bundle, parse_bundle
from cfl.claim.decode import decode_claim
from cfl.claim.encode import sign_claim
from cfl.claim.issue import claim_from_declaration
from cfl.claim.text import DEFAULT_RESOLVER, claim_to_text, split_claim_text
from cfl.declaration.gwp import GAS_KEYS, gwp_table
from cfl.declaration.view import DeclarationView
from cfl.errors import InputError
from cfl.io.kinds import SIGNED_BUNDLE, wrong_kind_error
from cfl.label.fonts import LabelFont, load_font
from cfl.label.qr import DEFAULT_MASK, QUIET_ZONE, QrSymbol, encode_claim_qr, path_operators
from cfl.label.record import RENDER_ATTACHMENT_NAME, RenderRecord, make_record
from cfl.label.templates import Element, Messages, Template, fill_text, load_messages
from cfl.signing.b64url import b64url_decode
from cfl.signing.jws import ROLE_HEADER
from cfl.signing.keys import Signer
from cfl.timeutil import format_time

MM = 72.0 / 25.4
#: Smallest QR module accepted by default, mm (ADR 0022: scanners at 150 dpi and up).
MIN_MODULE_MM = 0.33
#: Smallest text size in a field list or table unless the element says ``min_size``, pt.
MIN_TEXT_SIZE = 6.0
_WORD = re.compile(r"\s*\S+")
STAGES = ("rawMaterial", "production", "distribution", "use", "endOfLife")
GASES = ("co2Fossil", "co2Biogenic", "ch4Fossil", "ch4NonFossil", "n2o", "sf6", "nf3")
ATTACHMENT_NAME = "bundle.json"
#: The embedded proof of disclosure beside the bundle (ADR 0103), when the label has one.
PROOF_ATTACHMENT_NAME = "proof.tlog-proof"


#: kid → (name, accreditation) of the signers an accepted trust list names.
SignerNames = Mapping[str, tuple[str, str]]


@dataclass(frozen=True)
class SignatureInfo:
    """One signature as a label shows it. ``signer_name`` and ``accreditation`` come from
    the trust list (None when the key is not in it or no list was given: ``listed`` says
    which: None without a list)."""

    kid: str
    role: str
    signed_at: dt.datetime
    signer_name: str | None = None
    accreditation: str | None = None
    listed: bool | None = None


def in_languages(messages: Messages, key: str, langs: Sequence[str],
                 default: str | None = None) -> str:
    """The message ``key`` in each of ``langs``, in order, each distinct text once
    (``从摇篮到大门 cradle to gate``; ``GB/T 24067-2024`` once)."""
    texts = [messages.get(key, lang, default) for lang in langs]
    return " ".join(dict.fromkeys(text for text in texts if text))


def decimal_places(value: Decimal) -> int:
    """The decimal places of a declared figure (``0.1200`` → 4, ``1500`` → 0)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def figure(value: Decimal, places: int) -> str:
    """A kg CO₂e figure at ``places`` decimal places (half up): the one precision rule of a
    label, whose figures all have the headline value's places."""
    quantum = Decimal(1).scaleb(-places)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{abs(rounded) if rounded == 0 else rounded:f}"  # never "-0.00"


@dataclass(frozen=True)
class GasRow:
    name_key: str
    label: str | None
    mass: Decimal
    factor: Decimal | None


@dataclass(frozen=True)
class LabelContent:
    """Everything one label page shows and carries."""

    base_fields: Mapping[str, str]
    coded: Mapping[str, str]
    product_names: Mapping[str, str]
    stages: tuple[tuple[str, Decimal], ...]
    gases: tuple[GasRow, ...]
    signatures: tuple[SignatureInfo, ...]
    claim_text: str
    bundle_bytes: bytes
    illustrative: bool
    name: str = "label"
    #: Decimal places of every kg CO₂e figure: those of the headline value as declared.
    places: int = 2
    #: The bundle's proof of disclosure (a tlog-proof), embedded beside it (ADR 0103).
    proof_bytes: bytes | None = None
    _cache: dict[str, dict[str, str]] = field(default_factory=dict, compare=False, repr=False)

    def fields(self, langs: str | Sequence[str], messages: Messages) -> dict[str, str]:
        """The text of every field in ``langs`` (a language or several, in order): codes and
        units translated through the messages into each, each distinct text once."""
        langs = (langs,) if isinstance(langs, str) else tuple(langs)
        key = "|".join(langs)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        out = dict(self.base_fields)
        names = self.product_names
        first = langs[0]
        out["product_name"] = names.get(first) or names.get("en") or next(
            iter(names.values()), "")
        out["product_name_zh"] = names.get("zh", out["product_name"])
        out["product_name_en"] = names.get("en", out["product_name"])
        coded = self.coded
        unit = in_languages(messages, f"unit.{coded['unit']}", langs, coded["unit"])
        amount = coded["unit_amount"]
        out["unit"] = unit
        out["declared_unit"] = unit if amount == "1" else f"{amount} {unit}"
        out["per_unit"] = f"kg CO₂e/{unit}" if amount == "1" else \
            f"kg CO₂e / {amount} {unit}"
        out["boundary"] = in_languages(messages, f"boundary.{coded['boundary']}", langs,
                                       coded["boundary"])
        out["category"] = in_languages(messages, f"category.{coded['category']}", langs,
                                       coded["category"])
        out["rule_set_name"] = in_languages(messages, f"ruleset.{coded['rule_set']}", langs,
                                            coded["rule_set"])
        approach = coded.get("electricity_approach", "")
        if approach:
            out["electricity"] = " ".join(part for part in (
                in_languages(messages, f"electricity.{approach}", langs, approach),
                self.base_fields.get("electricity", "")) if part)
        level = coded.get("verification_level", "")
        out["verification_level"] = in_languages(messages, f"level.{level}", langs, level) \
            if level else ""
        grade = self.base_fields.get("grade", "")
        if not grade:
            out["grade"] = out["grade_class"] = in_languages(messages, "not_graded", langs)
            out["grade_note"] = ""
        else:
            note = in_languages(messages, "grade_illustrative", langs) \
                if self.base_fields.get("grade_illustrative") else ""
            out["grade_class"], out["grade_note"] = grade, note
            out["grade"] = f"{grade} ({note})" if note else grade
        self._cache[key] = out
        return out

    def figure(self, value: Decimal) -> str:
        """``value`` (kg CO₂e) at the headline value's decimal places."""
        return figure(value, self.places)


# --------------------------------------------------------------------------- preparing


def make_claim_text(bundle: Bundle, signer: Signer, *, at: dt.datetime,
                    resolver: str = DEFAULT_RESOLVER) -> str:
    """Sign the compact claim for ``bundle`` with the certifier's ``signer``.

    The signer must have signed the bundle itself, and that signature must verify: a label is
    never printed for a bundle its certifier did not sign or that was altered since.
    """
    entry = next((e for e in bundle.signatures if e.kid == signer.kid), None)
    if entry is None:
        raise InputError(f"the claim key {signer.kid} has not signed this bundle; sign it "
                         "first (cfl sign --role certifier)", code="claim_signer_not_in_bundle")
    if not signer.public_key.verify(entry.signature, entry.signing_input(bundle.payload)):
        raise InputError("the bundle's signature by the claim key does not verify; the bundle "
                         "was altered after signing", code="bundle_signature_invalid")
    # the status index is the ledger's to assign: a claim issued again for a signature whose
    # claim is format 2 keeps that claim's index (and binding); otherwise it is format 1
    claim = claim_from_declaration(bundle.declaration, digest=bundle.digest,
                                   issuer_kid=signer.kid, at=at,
                                   status_index=_status_index_of(entry.claim),
                                   signature=entry.signature)
    return claim_to_text(sign_claim(claim, signer), resolver)


def _status_index_of(encoded: str | None) -> int | None:
    """The status index of a signature entry's format-2 claim (None: none, or format 1)."""
    if encoded is None:
        return None
    try:
        return decode_claim(b64url_decode(encoded, what="'cfl.claim'")).claim.status_index
    except InputError:
        return None


def label_claim_text(bundle: Bundle, signer: Signer | None = None, *,
                     at: dt.datetime | None = None, resolver: str = DEFAULT_RESOLVER,
                     source: str = "<bundle>") -> str:
    """The QR text for ``bundle``'s label: the claim its certifier issued when signing
    (ADR 0025), or, with ``signer`` (the certifier's key), a claim issued now at ``at``."""
    if signer is None:
        return claim_to_text(claim_in_bundle(bundle, source=source).encoded, resolver)
    if at is None:
        raise InputError("a claim issued now needs the time (--at)", code="no_time")
    return make_claim_text(bundle, signer, at=at, resolver=resolver)


def prepare_label(bundle: Bundle, bundle_bytes: bytes, claim_text: str, *,
                  signer_names: SignerNames | None = None,
                  name: str = "label") -> LabelContent:
    """The content of one label; ``signer_names`` maps kid → (name, accreditation) for the
    keys an accepted trust list names (None: no trust list was given)."""
    declaration = bundle.declaration
    view = DeclarationView.of(declaration)
    try:
        pcf = declaration["pcf"]
        data = view.extension
        if data is None:
            raise KeyError("the cfl extension")
        verification = data.get("verification", {})
        grade = data.get("grade", {})
        rule = data["ruleSet"]
        product_rule = rule.get("productRule", {})
        window = view.validity
        if window.start is None or window.end is None:
            raise KeyError("pcf.referencePeriodEnd")
        electricity = data.get("electricity", {})
        base = {
            "value": str(pcf["pcfExcludingBiogenicUptake"]),
            "grade": str(grade.get("class", "")),
            "grade_illustrative": "yes" if grade.get("illustrative") else "",
            "rule_set": str(rule["id"]),
            "product_rule": " ".join(str(product_rule[k]) for k in ("name", "version")
                                     if k in product_rule),
            "certifier": "",  # from the trust list, below
            "accreditation": "",
            "valid_from": format_time(window.start)[:10],
            "valid_until": format_time(window.end)[:10],
            "declaration_id": str(declaration["id"]),
            "product_id": str(declaration["productIds"][0]),
            "hs_code": str(data.get("hsCode", "")),
            "company": str(declaration.get("companyName", "")),
            "gwp_report": str(data.get("gwpReport", "")),
            "reference_period": f"{str(pcf.get('referencePeriodStart', ''))[:10]} – "
                                f"{str(pcf.get('referencePeriodEnd', ''))[:10]}",
            "geography": str(pcf.get("geographyCountry") or pcf.get("geographyRegionOrSubregion")
                             or pcf.get("geographyCountrySubdivision") or "Global"),
            "verification_standard": str(verification.get("standard", "")),
            "statement_id": str(verification.get("statementId", "")),
            "primary_data_share": f"{pcf['primaryDataShare']} %"
            if "primaryDataShare" in pcf else "",
            "electricity": " ".join(str(x) for x in (
                f"{electricity['factor']} kg CO₂e/kWh" if "factor" in electricity else "",
                electricity.get("factorSource", "")) if x),
            "upstream": ", ".join(str(u.get("id", "")) for u in
                                  data.get("upstreamDeclarations", [])),
            "illustrative": "yes" if data.get("illustrative") else "",
        }
        coded = {
            "unit": str(pcf["declaredUnitOfMeasurement"]),
            "unit_amount": str(pcf["declaredUnitAmount"]),
            "boundary": str(data["boundary"]),
            "category": str(data["productCategory"]),
            "rule_set": str(rule["id"]),
            "verification_level": str(verification.get("level", "")),
            "electricity_approach": str(electricity.get("approach", "")),
        }
        stages = tuple((key, Decimal(str(data["stages"][key]))) for key in STAGES
                       if key in data.get("stages", {}))
        gases = _gas_rows(data)
        names = {str(k): str(v) for k, v in data["productNames"].items()}
        places = decimal_places(Decimal(str(pcf["pcfExcludingBiogenicUptake"])))
    except (KeyError, TypeError, AttributeError, IndexError, ValueError, ArithmeticError
            ) as exc:
        raise InputError(f"the declaration lacks a field the label needs ({exc})",
                         code="label_field_missing") from None
    lookup: SignerNames = signer_names or {}
    signatures = tuple(
        SignatureInfo(
            kid=entry.kid,
            role=str(entry.header.get(ROLE_HEADER, "")),
            signed_at=entry.signed_at,
            signer_name=lookup[entry.kid][0] if entry.kid in lookup else None,
            accreditation=lookup[entry.kid][1] if entry.kid in lookup else None,
            listed=None if signer_names is None else entry.kid in lookup,
        )
        for entry in bundle.signatures
    )
    # "Verified by" names the certifier as the trust list does, never as the declaration
    # states it: without an accepted trust list naming the key, no name is printed.
    certifier = next((s for s in signatures if s.role == "certifier" and s.signer_name), None)
    base["certifier"] = certifier.signer_name or "" if certifier is not None else ""
    base["accreditation"] = certifier.accreditation or "" if certifier is not None else ""
    return LabelContent(base_fields=base, coded=coded, product_names=names, stages=stages,
                        gases=gases, signatures=signatures, claim_text=claim_text,
                        bundle_bytes=bundle_bytes, illustrative=bool(data.get("illustrative")),
                        name=name, places=places)


def _gas_rows(data: Mapping[str, Any]) -> tuple[GasRow, ...]:

    gases = data.get("gases", {})
    report = str(data.get("gwpReport", "AR6"))
    table = gwp_table()
    rows: list[GasRow] = []
    for key in GASES:
        if key in gases:
            factor = table.factor(GAS_KEYS[key], report) if key in GAS_KEYS else None
            rows.append(GasRow(f"gas.{key}", None, Decimal(str(gases[key])), factor))
    for group in ("hfcs", "pfcs"):
        for item in gases.get(group, []):
            species = str(item["species"])
            try:
                factor = table.factor(species, report)
            except InputError:
                factor = None
            rows.append(GasRow("", species, Decimal(str(item["mass"])), factor))
    return tuple(rows)


# --------------------------------------------------------------------------- drawing


class _FastFlate(pdfdoc.PDFStreamFilterZCompress):  # type: ignore[misc]
    """Flate at zlib's fastest level. A label page's QR path is ~14 KB of ``re``
    operators: level 1 compresses it in a quarter of the default level's time (0.11 against
    0.47 ms) into ~0.8 KB more; reportlab offers no setting for the level."""

    def encode(self, text: str | bytes) -> bytes:
        return zlib.compress(text.encode("utf-8") if isinstance(text, str) else text, 1)


_FAST_FLATE = _FastFlate()


class LabelRenderer:
    """Draws label pages of one template; reusable across many labels."""

    def __init__(self, template: Template, *, font_path: str | None = None,
                 messages: Messages | None = None) -> None:
        self.template = template
        path = font_path or template.font_path
        self.font: LabelFont = load_font(path, template.font_subfont if path else 0)
        self.messages = messages or load_messages()
        self.page_size = (template.width_mm * MM, template.height_mm * MM)

    # -- public

    def render(self, contents: Iterable[LabelContent],
               qr_operators: Sequence[Sequence[str]] | None = None, *,
               first_page: int | None = None) -> bytes:
        """One PDF with a page per content; bundles embedded as attachments.

        ``qr_operators`` may hold pre-computed QR drawing operators per page (see
        :meth:`qr_ops`), so the costly QR encoding can run in worker processes.
        ``first_page`` (0-based) renders a part of a larger batch: the attachments are then
        named ``bundle-NNNNN.json`` after their page in the whole batch, even for one page.
        """
        previous_a85, previous_flate = rl_config.useA85, pdfdoc.PDFZCompress
        rl_config.useA85 = 0  # plain Flate streams: ASCII85 costs time and 25 % size
        pdfdoc.PDFZCompress = _FAST_FLATE
        try:
            return self._render(contents, qr_operators, first_page)
        finally:
            rl_config.useA85, pdfdoc.PDFZCompress = previous_a85, previous_flate

    def _render(self, contents: Iterable[LabelContent],
                qr_operators: Sequence[Sequence[str]] | None,
                first_page: int | None) -> bytes:
        buffer = io.BytesIO()
        canvas = rl_canvas.Canvas(buffer, pagesize=self.page_size, pageCompression=1,
                                  invariant=1, initialFontName=self.font.name)
        canvas.setTitle(f"cfl label ({self.template.name})")
        canvas.setCreator("cfl")
        embedded: list[tuple[str, bytes]] = []
        proofs: list[bytes | None] = []
        first: LabelContent | None = None
        for index, content in enumerate(contents):
            first = first or content
            ops = qr_operators[index] if qr_operators is not None else None
            self.draw_page(canvas, content, qr_ops=ops)
            canvas.showPage()
            embedded.append((content.name, content.bundle_bytes))
            proofs.append(content.proof_bytes)
        if not embedded:
            raise InputError("nothing to render", code="empty_batch")
        offset = first_page or 0
        single = len(embedded) == 1 and first_page is None
        names = [ATTACHMENT_NAME] if single else [
            f"bundle-{offset + i + 1:05d}.json" for i in range(len(embedded))]
        files = [(n, data) for n, (_, data) in zip(names, embedded, strict=True)]
        files += [(PROOF_ATTACHMENT_NAME if single else f"proof-{offset + i + 1:05d}.tlog-proof",
                   proof) for i, proof in enumerate(proofs) if proof is not None]
        if not first_page and first is not None:
            # a whole document records what it was drawn with (ADR 0132); of a batch merged
            # from parts, the first part carries the record of all (every part is drawn with
            # the same template, font and settings; the merged PDF holds one record)
            files.append((RENDER_ATTACHMENT_NAME, self.record(first).to_json()))
        _embed_files(canvas, files)
        canvas.save()
        return buffer.getvalue()

    def record(self, content: LabelContent) -> RenderRecord:
        """What this renderer draws with, as a label records it (``content``: the first
        page's, for the resolver and the certifier's name it prints)."""
        resolver = split_claim_text(content.claim_text.strip())[0]
        listed = any(s.listed is not None for s in content.signatures)
        return make_record(self.template, self.font, resolver=resolver,
                           verified_by=content.base_fields.get("certifier", ""),
                           signer_names=listed)

    def qr_ops(self, content: LabelContent) -> list[str]:
        """The QR drawing operators of every QR element of the template for ``content``."""
        return [self._qr_operators(element, content) for element in self.template.elements
                if element.kind == "qr"]

    def draw_page(self, canvas: Any, content: LabelContent,
                  qr_ops: Sequence[str] | str | None = None) -> None:
        precomputed = list(qr_ops) if isinstance(qr_ops, list | tuple) else (
            [qr_ops] if isinstance(qr_ops, str) else [])
        for element in self.template.elements:
            when = element.props.get("when")
            if when is not None and not content.base_fields.get(when.replace("-", "_")):
                continue
            if element.kind == "qr":
                ops = precomputed.pop(0) if precomputed else self._qr_operators(element,
                                                                                content)
                canvas.addLiteral(ops)
            else:
                getattr(self, "_draw_" + element.kind.replace("-", "_"))(canvas, element,
                                                                          content)

    # -- helpers

    def _x(self, mm: float) -> float:
        return mm * MM

    def _y(self, mm: float) -> float:
        return self.page_size[1] - mm * MM

    def _lang(self, element: Element) -> str:
        return element.text("lang", self.template.language)

    def _langs(self, element: Element) -> tuple[str, ...]:
        """The languages the element prints values in (its own, else the template's)."""
        own = element.props.get("languages")
        return tuple(str(lang) for lang in own) if own else self.template.languages

    def _say(self, element: Element, key: str, default: str | None = None) -> str:
        """A message in every language of the element, each distinct text once."""
        return in_languages(self.messages, key, self._langs(element), default)

    def _string(self, canvas: Any, element: Element, text: str, x_mm: float, y_mm: float,
                size: float, *, align: str = "left", max_width_mm: float | None = None
                ) -> None:
        if not text:
            return
        missing = self.font.missing(text)
        if missing:
            raise InputError(
                f"the font {self.font.path} has no glyph for {''.join(sorted(missing))!r}; "
                "pass a font that has (--font or the template's 'font')",
                source=self.template.source, location=f"$.elements[{element.index}]",
                code="missing_glyph")
        if max_width_mm is not None:
            width = pdfmetrics.stringWidth(text, self.font.name, size)
            limit = max_width_mm * MM
            if width > limit:
                size = max(size * limit / width, 2.0)
        canvas.setFont(self.font.name, size)
        x, y = self._x(x_mm), self._y(y_mm)
        if align == "center":
            canvas.drawCentredString(x, y, text)
        elif align == "right":
            canvas.drawRightString(x, y, text)
        else:
            canvas.drawString(x, y, text)

    def _qr_operators(self, element: Element, content: LabelContent) -> str:
        mask = element.props.get("mask", DEFAULT_MASK)
        symbol: QrSymbol = encode_claim_qr(content.claim_text,
                                           error=element.text("error", "Q"),
                                           mask=None if mask == "auto" else mask)
        side = element.number("size")
        modules = symbol.size + 2 * QUIET_ZONE
        module_mm = side / modules
        minimum = element.number("min_module", MIN_MODULE_MM)
        if module_mm < minimum:
            raise InputError(
                f"the QR code (version {symbol.version}, {modules} modules with quiet zone) "
                f"needs at least {modules * minimum:.1f} mm; the template gives {side:g} mm",
                source=self.template.source, location=f"$.elements[{element.index}]",
                code="qr_too_small")
        return path_operators(symbol, x=self._x(element.number("x")),
                              y_top=self._y(element.number("y")), module=module_mm * MM)

    # -- element kinds

    def _draw_text(self, canvas: Any, element: Element, content: LabelContent) -> None:
        lang = self._lang(element)
        text = fill_text(element.text("text"), content.fields(self._langs(element),
                                                              self.messages),
                         self.messages, lang)
        grey = element.number("grey", 0)
        if grey:
            canvas.setFillGray(grey)
        self._string(canvas, element, text.strip(), element.number("x"), element.number("y"),
                     element.number("size", 7), align=element.text("align", "left"),
                     max_width_mm=element.props.get("max_width"))
        if grey:
            canvas.setFillGray(0)

    def _draw_value(self, canvas: Any, element: Element, content: LabelContent) -> None:
        fields = content.fields(self._langs(element), self.messages)
        size = element.number("size", 16)
        unit_size = element.number("unit_size", size * 0.4)
        value, unit = fields["value"], fields["per_unit"]
        limit = element.props.get("max_width")
        value_width = pdfmetrics.stringWidth(value, self.font.name, size) / MM
        unit_width = pdfmetrics.stringWidth(unit, self.font.name, unit_size) / MM
        x, y = element.number("x"), element.number("y")
        if element.text("unit_position", "right") == "below":
            self._string(canvas, element, value, x, y, size, max_width_mm=limit)
            self._string(canvas, element, unit, x, y + unit_size / MM * 1.45, unit_size,
                         max_width_mm=limit)
            return
        scale = 1.0
        if limit is not None and value_width + 1 + unit_width > float(limit):
            scale = float(limit) / (value_width + 1 + unit_width)
        self._string(canvas, element, value, x, y, size * scale)
        self._string(canvas, element, unit, x + (value_width + 1) * scale, y,
                     unit_size * scale)

    def _draw_rect(self, canvas: Any, element: Element, content: LabelContent) -> None:
        stroke = element.number("stroke", 0.5)
        fill = element.props.get("fill")
        canvas.setLineWidth(stroke)
        if fill is not None:
            canvas.setFillGray(float(fill))
        x, y = element.number("x"), element.number("y")
        w, h = element.number("w"), element.number("h")
        canvas.rect(self._x(x), self._y(y + h), w * MM, h * MM, stroke=1 if stroke else 0,
                    fill=1 if fill is not None else 0)
        canvas.setFillGray(0)

    def _draw_line(self, canvas: Any, element: Element, content: LabelContent) -> None:
        canvas.setLineWidth(element.number("stroke", 0.5))
        canvas.line(self._x(element.number("x")), self._y(element.number("y")),
                    self._x(element.number("x2")), self._y(element.number("y2")))

    def _draw_logo(self, canvas: Any, element: Element, content: LabelContent) -> None:
        path = Path(element.text("path"))
        if not path.is_absolute() and self.template.base_dir is not None:
            path = self.template.base_dir / path
        try:
            image = ImageReader(str(path))
        except Exception:  # reportlab/Pillow raise many kinds, with unhelpful messages
            raise InputError(f"cannot read the logo image {str(path)!r}; expected a PNG or "
                             "JPEG file", source=self.template.source,
                             location=f"$.elements[{element.index}].path",
                             code="bad_logo") from None
        x, y, w, h = (element.number(k) for k in ("x", "y", "w", "h"))
        canvas.drawImage(image, self._x(x), self._y(y + h), w * MM, h * MM,
                         preserveAspectRatio=True, anchor="c", mask="auto")

    def _draw_stage_chart(self, canvas: Any, element: Element, content: LabelContent
                          ) -> None:
        """A bar per life-cycle stage, named in every language of the element, its figure
        at the label's precision; the first line names the chart and the unit."""
        if not content.stages:
            return
        x, y, w, h = (element.number(k) for k in ("x", "y", "w", "h"))
        size = element.number("size", 5)
        if element.props.get("caption", True):
            unit = content.fields(self._langs(element), self.messages)["per_unit"]
            caption = f"{self._say(element, 'stages')} ({unit})"
            self._string(canvas, element, caption, x, y + size / MM, size, max_width_mm=w)
            y, h = y + size / MM * 1.5, h - size / MM * 1.5
        labels = [self._say(element, f"stage.{key}", key) for key, _ in content.stages]
        figures = [content.figure(value) for _, value in content.stages]
        row = h / len(content.stages)
        widest = max(self._width_mm(label, size) for label in labels)
        label_w = min(max(widest + 1.5, w * 0.25), w * 0.45)
        value_w = max(self._width_mm(text, size) for text in figures) + 1.5
        bar_w = w - label_w - value_w
        biggest = max(abs(v) for _, v in content.stages) or Decimal(1)
        for i, ((_, value), label, text) in enumerate(zip(content.stages, labels, figures,
                                                          strict=True)):
            top = y + i * row
            baseline = top + row * 0.5 + size / MM * 0.35
            self._string(canvas, element, label, x, baseline, size, max_width_mm=label_w - 1)
            length = float(abs(value) / biggest) * (bar_w - 1)
            canvas.setFillGray(0.25 if value >= 0 else 0.6)
            if length > 0:
                canvas.rect(self._x(x + label_w), self._y(top + row * 0.8), length * MM,
                            row * 0.6 * MM, stroke=0, fill=1)
            canvas.setFillGray(0)
            self._string(canvas, element, text, x + w, baseline, size, align="right",
                         max_width_mm=value_w)

    def _draw_grade_scale(self, canvas: Any, element: Element, content: LabelContent
                          ) -> None:
        """The grade classes with the declaration's class marked; nothing for a declaration
        without a grade (an empty scale would read as a grade not reached)."""
        grade = content.base_fields.get("grade", "")
        if not grade:
            return
        classes = [str(c) for c in element.props["classes"]]
        x, y, w, h = (element.number(k) for k in ("x", "y", "w", "h"))
        size = element.number("size", 6)
        cell = w / len(classes)
        canvas.setLineWidth(0.4)
        for i, name in enumerate(classes):
            current = name == grade
            canvas.setFillGray(0.1 if current else 0.88)
            canvas.rect(self._x(x + i * cell + 0.2), self._y(y + h), (cell - 0.4) * MM, h * MM,
                        stroke=0, fill=1)
            canvas.setFillGray(1 if current else 0.25)
            self._string(canvas, element, name, x + (i + 0.5) * cell,
                         y + h / 2 + size / MM * 0.35, size, align="center",
                         max_width_mm=cell - 0.6)
        canvas.setFillGray(0)

    def _labels(self, element: Element, key: str) -> str:
        langs = element.props.get("labels") or [self.template.language]
        return " ".join(dict.fromkeys(self.messages.get(key, str(lang)) for lang in langs))

    def _draw_field_list(self, canvas: Any, element: Element, content: LabelContent
                         ) -> None:
        fields = content.fields(self._langs(element), self.messages)
        w = element.number("w")
        label_w = element.number("label_width", w * 0.35)
        rows = [(self._labels(element, name), fields.get(name, "") or "—")
                for name in element.props["fields"]]
        self._draw_rows(canvas, element, rows, ((0.0, label_w - 1), (label_w, w - label_w)))

    def _draw_rows(self, canvas: Any, element: Element, rows: Sequence[Sequence[str]],
                   columns: Sequence[tuple[float, float]]) -> list[tuple[float, int]]:
        """Draw ``rows`` of cells in ``columns`` (left offset and width, mm) from the
        element's ``y`` down; a cell too wide for its column is shrunk (never below
        ``min_size``) or else wrapped onto further lines, which move the next rows down.

        Lines are drawn while their baseline lies in the element's box (``h``, default to the
        bottom of the page); a row cut short ends with an ellipsis and the rows after it are
        left out. Returns the first baseline (mm) and the line count of every row drawn.
        """
        x, y = element.number("x"), element.number("y")
        size = element.number("size", 7)
        min_size = element.number("min_size", MIN_TEXT_SIZE)
        line = element.number("line_height", size / MM * 1.5)
        room = int(element.number("h", self.template.height_mm - y) / line + 1e-9) + 1
        shown: list[list[_Cell]] = []
        used = 0
        for cells in rows:
            fitted = [self._fit_cell(text, size, min_size, width)
                      for text, (_, width) in zip(cells, columns, strict=True)]
            count = max(len(cell.lines) for cell in fitted)
            if used + count <= room:
                shown.append(fitted)
                used += count
                continue
            count = room - used
            if count > 0:  # the part that fits, each cell cut short marked
                shown.append([self._cut(cell, count, columns[i][1])
                              for i, cell in enumerate(fitted)])
            elif shown:  # no room for this row at all: mark the last line drawn
                last = shown[-1]
                i = max(i for i, cell in enumerate(last) if any(cell.lines))
                last[i] = self._cut(last[i], len(last[i].lines), columns[i][1], keep=True)
            break
        drawn: list[tuple[float, int]] = []
        top = y
        for laid_out in shown:
            for cell, (left, _) in zip(laid_out, columns, strict=True):
                for k, text in enumerate(cell.lines):
                    self._string(canvas, element, text, x + left, top + k * line, cell.size)
            count = max(len(cell.lines) for cell in laid_out)
            drawn.append((top, count))
            top += count * line
        return drawn

    def _width_mm(self, text: str, size: float) -> float:
        return float(pdfmetrics.stringWidth(text, self.font.name, size)) / MM

    def _fit_cell(self, text: str, size: float, min_size: float, width_mm: float) -> _Cell:
        """One cell: the text on one line at ``size`` if it fits, shrunk if ``min_size`` or
        more makes it fit, else wrapped at ``size`` (between words; a word wider than the
        column, or text without spaces such as Chinese, between characters)."""
        width = self._width_mm(text, size)
        if width <= width_mm:
            return _Cell(size, [text])
        if size * width_mm / width >= min_size:
            return _Cell(size * width_mm / width, [text])
        lines: list[str] = []
        current = ""
        for token in _WORD.findall(text):
            if current and self._width_mm(current + token, size) > width_mm:
                lines.append(current)
                current = token.lstrip()
            else:
                current += token
            while len(current) > 1 and self._width_mm(current, size) > width_mm:
                end, used = 1, self._width_mm(current[0], size)
                while end < len(current) and used + self._width_mm(current[end], size) \
                        <= width_mm:
                    used += self._width_mm(current[end], size)
                    end += 1
                lines.append(current[:end])
                current = current[end:].lstrip()
        if current or not lines:
            lines.append(current)
        return _Cell(size, lines)

    def _cut(self, cell: _Cell, count: int, width_mm: float, *, keep: bool = False) -> _Cell:
        """``cell`` with its first ``count`` lines, the last ending with an ellipsis if lines
        were left out (or, with ``keep``, in any case)."""
        if len(cell.lines) <= count and not keep:
            return cell
        lines = cell.lines[:max(count, 1)]
        mark = "…" if not self.font.missing("…") else "..."
        text = lines[-1].rstrip()
        while text and self._width_mm(text + mark, cell.size) > width_mm:
            text = text[:-1].rstrip()
        return _Cell(cell.size, [*lines[:-1], text + mark])

    def _table(self, canvas: Any, element: Element, header: Sequence[str],
               rows: Sequence[Sequence[str]], widths: Sequence[float]) -> None:
        x, w = element.number("x"), element.number("w")
        line = element.number("line_height", element.number("size", 7) / MM * 1.5)
        columns, left = [], 0.0
        for share in widths:
            columns.append((left, w * share - 1))
            left += w * share
        drawn = self._draw_rows(canvas, element, [header, *rows], columns)
        if drawn:
            top, count = drawn[0]
            rule = top + (count - 1) * line + line * 0.3
            canvas.setLineWidth(0.3)
            canvas.line(self._x(x), self._y(rule), self._x(x + w), self._y(rule))

    def _draw_gas_table(self, canvas: Any, element: Element, content: LabelContent) -> None:
        """Mass, GWP100 and kg CO₂e per gas and the total; every kg CO₂e figure at the
        label's precision (the headline value's decimal places)."""
        if not content.gases:
            return
        header = [self._labels(element, k) for k in ("gas", "mass", "gwp", "co2e")]
        rows: list[list[str]] = []
        total = Decimal(0)
        for gas in content.gases:
            name = gas.label or self._say(element, gas.name_key, gas.name_key)
            co2e = gas.mass * gas.factor if gas.factor is not None else None
            if co2e is not None:
                total += co2e
            rows.append([name, str(gas.mass), "—" if gas.factor is None else str(gas.factor),
                         "—" if co2e is None else content.figure(co2e)])
        rows.append([self._labels(element, "total"), "", "", content.figure(total)])
        self._table(canvas, element, header, rows, (0.34, 0.22, 0.18, 0.26))

    def _draw_signatures(self, canvas: Any, element: Element, content: LabelContent) -> None:
        """Every signature: the signer named from the trust list (or, without one, as the
        declaration states it, marked so), its role, accreditation, time and key id."""
        header = [self._labels(element, k) for k in
                  ("signer", "role", "accreditation", "signed_at", "kid")]
        rows = [[self._signer_name(element, content, s),
                 self._say(element, f"role.{s.role}", s.role or "—"),
                 s.accreditation or "—",
                 format_time(s.signed_at), s.kid]
                for s in content.signatures]
        self._table(canvas, element, header, rows, (0.26, 0.14, 0.16, 0.17, 0.27))

    def _signer_name(self, element: Element, content: LabelContent,
                     signature: SignatureInfo) -> str:
        if signature.signer_name:
            return signature.signer_name
        # a certifier is named by the trust list only; a manufacturer's own company name
        # is its statement about itself, shown marked as declared
        declared = (content.base_fields.get("company")
                    if signature.role == "manufacturer" else "") or ""
        if not declared:
            return self._say(element, "unknown_signer")
        mark = "not_in_trust_list" if signature.listed is False else "as_declared"
        return f"{declared} ({self._say(element, mark)})"


@dataclass(frozen=True)
class _Cell:
    """One table or field-list cell laid out: its text size and its lines."""

    size: float
    lines: list[str]


class _RawName(pdfdoc.PDFObject):  # type: ignore[misc]
    """A PDF name written verbatim (reportlab would escape the '#' of ``#2F``)."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def format(self, document: Any) -> bytes:
        return self.raw


def _embed_files(canvas: Any, files: Sequence[tuple[str, bytes]]) -> None:
    """Attach ``files`` as embedded files with ``AFRelationship /Data`` (PDF/A-3 style)."""
    doc = canvas._doc
    names: list[Any] = []
    specs: list[Any] = []
    for name, data in files:
        proof = name.endswith(".tlog-proof")
        stream = pdfdoc.PDFStream(
            pdfdoc.PDFDictionary({
                "Type": pdfdoc.PDFName("EmbeddedFile"),
                "Subtype": _RawName(b"/text#2Fplain" if proof else b"/application#2Fjson"),
                "Params": pdfdoc.PDFDictionary({"Size": len(data)}),
            }),
            content=data,
            filters=[pdfdoc.PDFZCompress],
        )
        stream_ref = doc.Reference(stream)
        spec = pdfdoc.PDFDictionary({
            "Type": pdfdoc.PDFName("Filespec"),
            "F": pdfdoc.PDFString(name),
            "UF": pdfdoc.PDFString(name),
            "EF": pdfdoc.PDFDictionary({"F": stream_ref, "UF": stream_ref}),
            "AFRelationship": pdfdoc.PDFName("Data"),
            "Desc": pdfdoc.PDFString("proof of disclosure (C2SP tlog-proof)" if proof
                                     else "cfl render record (JSON)"
                                     if name == RENDER_ATTACHMENT_NAME
                                     else "cfl signed bundle (JSON)"),
        })
        spec_ref = doc.Reference(spec)
        names.extend([pdfdoc.PDFString(name), spec_ref])
        specs.append(spec_ref)
    catalog = doc.Catalog
    catalog.__NoDefault__ = [*type(catalog).__NoDefault__, "AF"]
    catalog.AF = pdfdoc.PDFArray(specs)
    catalog.Names = pdfdoc.PDFDictionary({
        "EmbeddedFiles": pdfdoc.PDFDictionary({"Names": pdfdoc.PDFArray(names)}),
    })


def render_label(bundle_bytes: bytes, *, template: Template, signer: Signer | None = None,
                 at: dt.datetime | None = None, resolver: str = DEFAULT_RESOLVER,
                 font_path: str | None = None, source: str = "<bundle>",
                 signer_names: SignerNames | None = None,
                 proof: bytes | None = None) -> bytes:
    """The PDF of one label for a signed bundle: the claim issued at signing (or one issued
    now with ``signer``) in the QR, the bundle embedded (and ``proof``, its proof of
    disclosure, beside it); ``signer_names`` (from an accepted trust list) names the
    signers. Raises ``CflError`` on bad input."""
    parsed = parse_label_bundle(bundle_bytes, source=source)
    text = label_claim_text(parsed, signer, at=at, resolver=resolver, source=source)
    renderer = LabelRenderer(template, font_path=font_path)
    content = prepare_label(parsed, bundle_bytes, text, signer_names=signer_names)
    if proof is not None:
        content = dataclasses.replace(content, proof_bytes=proof)
    return renderer.render([content])


def parse_label_bundle(data: bytes, *, source: str) -> Bundle:
    """``parse_bundle``, but a declaration, trust list, … given instead of a signed bundle
    is refused as such ("is a declaration, not a signed bundle; sign it with cfl sign")."""
    try:
        return parse_bundle(data, source=source)
    except InputError as exc:
        raise wrong_kind_error(data, (SIGNED_BUNDLE,), source=source) or exc from None
