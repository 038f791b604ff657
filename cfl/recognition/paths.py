"""Declaration paths: how rule sets and mappings name a field of a declaration.

Syntax (a small, closed subset of JSONPath, documented in ``docs/rulesets.md``)::

    $                         the declaration (a PACT v3 ProductFootprint)
    .name                     a member of an object (letters, digits, ``_``)
    [N]                       the N-th item of an array (0-based)
    [cfl]                     the cfl extension: the item of ``extensions`` whose
                              ``dataSchema`` is ``urn:cfl:schema:cfl-extension:1``

So ``$.pcf.ipccCharacterizationFactors`` is a PACT field and
``$.extensions[cfl].data.gwpReport`` is the GWP report recorded in the cfl extension.
Paths are parsed once, when a rule set is loaded; resolving one is a few dict lookups.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from cfl.declaration.view import is_cfl_extension

_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(cfl|0|[1-9][0-9]{0,5})\]")


class _Missing:
    """The value at a path that leads nowhere (distinct from JSON ``null``)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()

@dataclass(frozen=True)
class CflSelector:
    """The ``[cfl]`` step."""

    def __str__(self) -> str:
        return "[cfl]"


CFL: Final = CflSelector()


@dataclass(frozen=True)
class DeclarationPath:
    """A parsed path; ``text`` is what the file said."""

    text: str
    steps: tuple[str | int | CflSelector, ...]

    @classmethod
    def parse(cls, text: str) -> DeclarationPath:
        """Parse ``text``; raise ``ValueError`` saying what is wrong."""
        if not isinstance(text, str) or not text.startswith("$"):
            raise ValueError(f"{text!r} is not a declaration path; paths start with '$'")
        steps: list[str | int | CflSelector] = []
        pos = 1
        while pos < len(text):
            match = _STEP.match(text, pos)
            if match is None:
                raise ValueError(
                    f"{text!r} is not a declaration path: unexpected {text[pos:]!r} at "
                    f"character {pos + 1} (expected .name, [N] or [cfl])"
                )
            name, index = match.group(1), match.group(2)
            if name is not None:
                steps.append(name)
            elif index == "cfl":
                steps.append(CFL)
            else:
                steps.append(int(index))
            pos = match.end()
        return cls(text, tuple(steps))

    def resolve(self, document: Any) -> Any:
        """The value at this path in ``document``, or :data:`MISSING`."""
        node = document
        for step in self.steps:
            if isinstance(step, str):
                if not isinstance(node, Mapping) or step not in node:
                    return MISSING
                node = node[step]
            elif isinstance(step, int):
                if not isinstance(node, Sequence) or isinstance(node, str) or step >= len(node):
                    return MISSING
                node = node[step]
            else:
                node = cfl_extension_item(node)
                if node is MISSING:
                    return MISSING
        return node

    def __str__(self) -> str:
        return self.text


def cfl_extension_item(extensions: Any) -> Any:
    """The cfl extension object in an ``extensions`` array, or :data:`MISSING`."""
    if not isinstance(extensions, Sequence) or isinstance(extensions, str):
        return MISSING
    for item in extensions:
        if is_cfl_extension(item):
            return item
    return MISSING

