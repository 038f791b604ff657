"""Fonts for labels: one embedded TrueType font that covers Chinese and Latin text.

The default is WenQuanYi Micro Hei, shipped by the ``paperang-p2-fonts-cjk`` dependency, so
Chinese renders on a fresh machine after ``pip install``. A template (``font:``) or
``cfl label --font`` may name another TTF/TTC file. reportlab embeds TrueType fonts as
subsets; every printed character is checked against the font's character map first, so a
label never shows an empty box instead of a glyph.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from cfl.errors import InputError

DEFAULT_FONT_PACKAGE = "paperang_p2_fonts_cjk"
DEFAULT_FONT_FILE = "wqy-microhei.ttc"


@dataclass(frozen=True)
class LabelFont:
    """A registered reportlab font and the code points it has glyphs for."""

    name: str
    path: str
    code_points: frozenset[int]

    def missing(self, text: str) -> set[str]:
        """Characters of ``text`` this font has no glyph for (whitespace aside)."""
        return {ch for ch in text if ord(ch) not in self.code_points and not ch.isspace()}


def default_font_path() -> str:
    path = importlib.resources.files(DEFAULT_FONT_PACKAGE) / "fonts" / DEFAULT_FONT_FILE
    return str(path)


@functools.cache
def load_font(path: str | None = None, subfont_index: int = 0) -> LabelFont:
    """Register (once per process) and return the font at ``path`` (default: the CJK font)."""
    font_path = path or default_font_path()
    if not Path(font_path).is_file():
        raise InputError("font file does not exist", source=font_path, code="font_missing")
    name = "Cfl-" + hashlib.sha256(f"{font_path}#{subfont_index}".encode()).hexdigest()[:12]
    try:
        font = TTFont(name, font_path, subfontIndex=subfont_index)
    except (TTFError, OSError, ValueError, KeyError, IndexError) as exc:
        raise InputError(f"is not a usable TrueType font ({exc})", source=font_path,
                         code="bad_font") from None
    pdfmetrics.registerFont(font)
    return LabelFont(name=name, path=font_path,
                     code_points=frozenset(font.face.charToGlyph))


@functools.cache
def font_digest(path: str | None = None) -> str:
    """SHA-256 (hex) of the font file at ``path`` (default: the CJK font), read once."""
    font_path = path or default_font_path()
    try:
        return hashlib.sha256(Path(font_path).read_bytes()).hexdigest()
    except OSError:
        raise InputError("font file cannot be read", source=font_path,
                         code="font_missing") from None
