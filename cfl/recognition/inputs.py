"""What `cfl check`, `grade` and `convert` read, and the successor of a declaration.

``check`` accepts a declaration, a signed bundle (``{"declaration": …, "signatures": …}``,
whose declaration is read; the signatures are NOT verified by ``check``) or a label PDF (the
embedded bundle, read through ``cfl.label.readback`` when that module is installed).
``grade`` and ``convert`` accept an unsigned declaration only: they produce a new declaration,
which must then be signed again.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfl.errors import InputError
from cfl.io.jsonio import loads_strict, read_bytes
from cfl.io.kinds import DECLARATION, require_kind
from cfl.timeutil import format_time

#: Bound on a label PDF handed to `cfl check` (labels are a few hundred KiB).
MAX_PDF_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class CheckInput:
    """The declaration found in a file, what kind of file it was, and a note for the user."""

    declaration: dict[str, Any]
    kind: str  # "declaration" | "bundle" | "label-pdf"
    source: str
    note: str | None = None


def _is_bundle(value: Any) -> bool:
    return isinstance(value, Mapping) and "declaration" in value and "signatures" in value


def _declaration_from(value: Any, source: str, kind: str) -> CheckInput:
    if _is_bundle(value):
        inner = value["declaration"]
        if not isinstance(inner, dict):
            raise InputError("the bundle's declaration is not a JSON object", source=source,
                             location="$.declaration", code="bad_bundle")
        return CheckInput(inner, "bundle" if kind == "declaration" else kind, source,
                          "signatures are not verified by `cfl check` (use `cfl verify`)")
    if not isinstance(value, dict):
        raise InputError("expected a declaration (a JSON object)", source=source, location="$",
                         code="not_a_declaration")
    require_kind(value, (DECLARATION,), source=source)
    return CheckInput(value, kind, source)


def parse_check_input(data: bytes, source: str) -> CheckInput:
    """A declaration, bundle or label PDF given as bytes."""
    if data.startswith(b"%PDF-"):
        try:
            readback = importlib.import_module("cfl.label.readback")
        except ModuleNotFoundError:
            raise InputError("is a PDF, but reading labels back is not available in this "
                             "installation (cfl.label.readback is missing)", source=source,
                             code="pdf_unsupported") from None
        bundle_bytes = readback.extract_bundle(data, source=source)
        value = loads_strict(bundle_bytes, source=f"{source} (embedded bundle)")
        checked = _declaration_from(value, source, "label-pdf")
        return CheckInput(checked.declaration, "label-pdf", source,
                          "declaration read from the bundle embedded in the label; signatures "
                          "are not verified by `cfl check` (use `cfl verify`)")
    return _declaration_from(loads_strict(data, source=source), source, "declaration")


def read_check_input(path: str | Path) -> CheckInput:
    source = "<stdin>" if str(path) == "-" else str(path)
    return parse_check_input(read_bytes(path, max_bytes=MAX_PDF_BYTES), source)


def read_unsigned_declaration(path: str | Path, *, action: str) -> CheckInput:
    """A declaration that is about to be changed; a bundle or PDF is refused."""
    source = "<stdin>" if str(path) == "-" else str(path)
    data = read_bytes(path)
    if data.startswith(b"%PDF-"):
        raise InputError(f"is a label PDF; {action} works on the unsigned declaration JSON",
                         source=source, code="signed_input")
    value = loads_strict(data, source=source)
    if _is_bundle(value):
        raise InputError(
            f"is a signed bundle; {action} happens before signing, because it makes a new "
            "declaration (a new id) that the signatures would not cover. Run it on the "
            "unsigned declaration, then sign the result", source=source, code="signed_input",
        )
    return _declaration_from(value, source, "declaration")


def next_version(declaration: Mapping[str, Any], *, at: dt.datetime,
                 new_id: str | None = None) -> dict[str, Any]:
    """A copy with a new id, the old id first in ``precedingPfIds`` and ``created`` = ``at``.

    Declarations are immutable (PACT v3): a change is a new declaration that names its
    predecessor.
    """
    out = copy.deepcopy(dict(declaration))
    old_id = declaration.get("id")
    out["id"] = new_id or str(uuid.uuid4())
    preceding = [p for p in declaration.get("precedingPfIds", []) or [] if p != old_id]
    if isinstance(old_id, str):
        preceding.insert(0, old_id)
    if preceding:
        out["precedingPfIds"] = preceding
    out["created"] = format_time(at)
    return out
