"""The render record: what a label PDF was drawn with, embedded as ``render.json``.

A verifier that has the same template, font and cfl version draws the label again from the
signed bundle and compares the two drawings (ADR 0132). The record is small, has a fixed set
of keys and is read strictly (:func:`parse_render_record`); everything printed from it is
informational only: the verifier draws from the signed bundle, the QR code's claim and its
own trust list, never from the record's free text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from cfl import __version__
from cfl.errors import InputError
from cfl.io.jsonio import loads_strict
from cfl.label.fonts import LabelFont, font_digest
from cfl.label.qr import DEFAULT_MASK
from cfl.label.templates import Template

RENDER_ATTACHMENT_NAME = "render.json"
RECORD_FORMAT = "cfl-label-render/1"
#: Bound on the embedded record (a real one is about 600 bytes).
MAX_RECORD_BYTES = 4096
#: Bound on each text field of the record.
MAX_FIELD_CHARS = 512
#: The time zone every time on a label is printed in (cfl.timeutil.format_time).
TIME_ZONE = "UTC"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEYS = frozenset({"format", "cfl_version", "template", "template_sha256", "font_sha256",
                   "font_subfont", "page_mm", "languages", "qr_mask", "resolver",
                   "verified_by", "signer_names", "time_zone"})


@dataclass(frozen=True)
class RenderRecord:
    """The parameters a label was rendered with."""

    cfl_version: str
    template: str
    template_sha256: str
    font_sha256: str
    font_subfont: int
    page_mm: tuple[float, float]
    languages: tuple[str, ...]
    #: The QR mask pattern of the template's first QR element ("auto": chosen by score).
    qr_mask: str
    resolver: str
    verified_by: str
    #: Whether signers were named from an accepted trust list (else no name was printed).
    signer_names: bool
    time_zone: str = TIME_ZONE

    def to_json(self) -> bytes:
        data = {"format": RECORD_FORMAT, "cfl_version": self.cfl_version,
                "template": self.template, "template_sha256": self.template_sha256,
                "font_sha256": self.font_sha256, "font_subfont": self.font_subfont,
                "page_mm": list(self.page_mm), "languages": list(self.languages),
                "qr_mask": self.qr_mask, "resolver": self.resolver,
                "verified_by": self.verified_by, "signer_names": self.signer_names,
                "time_zone": self.time_zone}
        return json.dumps(data, ensure_ascii=False, sort_keys=True,
                          separators=(",", ":")).encode("utf-8")


def qr_mask_of(template: Template) -> str:
    """The mask of the template's first QR element as a record names it."""
    for element in template.elements:
        if element.kind == "qr":
            mask = element.props.get("mask", DEFAULT_MASK)
            return "auto" if mask is None or mask == "auto" else str(int(mask))
    return "auto"


def make_record(template: Template, font: LabelFont, *, resolver: str, verified_by: str,
                signer_names: bool) -> RenderRecord:
    """The record of a document rendered with ``template`` and ``font``."""
    return RenderRecord(
        cfl_version=__version__, template=template.name, template_sha256=template.digest,
        font_sha256=font_digest(font.path), font_subfont=template.font_subfont,
        page_mm=(template.width_mm, template.height_mm), languages=template.languages,
        qr_mask=qr_mask_of(template), resolver=resolver, verified_by=verified_by,
        signer_names=signer_names)


def parse_render_record(data: bytes, *, source: str) -> RenderRecord:
    """Read a record strictly (:func:`~cfl.io.jsonio.loads_strict`: bounded, UTF-8, no key
    twice), exactly the known keys, each of its type. Raises :class:`InputError`
    ``bad_render_record`` otherwise."""
    def bad(why: str) -> InputError:
        return InputError(f"its {RENDER_ATTACHMENT_NAME} is not a cfl render record: {why}",
                          source=source, code="bad_render_record")

    try:  # bounded, UTF-8, no key twice, no NaN
        raw = loads_strict(data, source=source, max_bytes=MAX_RECORD_BYTES, max_depth=4,
                           parse_float=float)
    except InputError as exc:
        raise bad(exc.message) from None
    if not isinstance(raw, dict):
        raise bad("not a JSON object")
    if set(raw) != _KEYS:
        missing, extra = sorted(_KEYS - set(raw)), sorted(set(raw) - _KEYS)
        raise bad(f"missing {missing}" if missing else f"unknown key {extra[0]!r}")
    if raw["format"] != RECORD_FORMAT:
        raise bad(f"format {str(raw['format'])[:40]!r}; expected {RECORD_FORMAT!r}")

    def text(key: str, pattern: re.Pattern[str] | None = None) -> str:
        value = raw[key]
        if not isinstance(value, str) or len(value) > MAX_FIELD_CHARS or (
                pattern is not None and not pattern.fullmatch(value)):
            raise bad(f"{key!r} is not " + ("a SHA-256 in lowercase hex" if pattern
                                            else f"text of at most {MAX_FIELD_CHARS} chars"))
        return value

    page = raw["page_mm"]
    if not (isinstance(page, list) and len(page) == 2 and all(
            isinstance(side, int | float) and not isinstance(side, bool)
            and 0 < side <= 10_000 for side in page)):
        raise bad("'page_mm' is not [width, height] in mm")
    languages = raw["languages"]
    if not (isinstance(languages, list) and 0 < len(languages) <= 8 and all(
            isinstance(lang, str) and 0 < len(lang) <= 35 for lang in languages)):
        raise bad("'languages' is not a list of language tags")
    subfont = raw["font_subfont"]
    if not isinstance(subfont, int) or isinstance(subfont, bool) or not 0 <= subfont <= 255:
        raise bad("'font_subfont' is not an index")
    if not isinstance(raw["signer_names"], bool):
        raise bad("'signer_names' is not true or false")
    mask = text("qr_mask")
    if mask != "auto" and mask not in {str(i) for i in range(8)}:
        raise bad("'qr_mask' is not 'auto' or 0-7")
    return RenderRecord(
        cfl_version=text("cfl_version"), template=text("template"),
        template_sha256=text("template_sha256", _HEX64),
        font_sha256=text("font_sha256", _HEX64), font_subfont=subfont,
        page_mm=(float(page[0]), float(page[1])), languages=tuple(languages),
        qr_mask=mask, resolver=text("resolver"), verified_by=text("verified_by"),
        signer_names=raw["signer_names"], time_zone=text("time_zone"))


__all__ = ["MAX_RECORD_BYTES", "RECORD_FORMAT", "RENDER_ATTACHMENT_NAME", "RenderRecord",
           "make_record", "parse_render_record", "qr_mask_of"]
