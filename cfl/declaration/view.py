"""The one reader of a declaration's JSON: the cfl extension, the validity window, the
fields every consumer shows or carries.

Everything after parsing (claim issuance, labels, verification, recognition, PACT export)
reads a declaration through :class:`DeclarationView`, so that "where is the cfl extension"
and "when is this declaration valid" have one answer. The view is lenient: it works on any
JSON object, also one that fails the schema (verification must still report on it), and a
field it cannot read is ``None``. :class:`~cfl.declaration.model.Declaration` is the strict
model of a *valid* declaration and takes its derived fields from here.

PACT v3 validity: ``validityPeriodStart`` defaults to ``pcf.referencePeriodEnd`` and
``validityPeriodEnd`` to ``pcf.referencePeriodEnd`` + 3 years (on 29 February: 28 February
three years on; past the calendar's end: :data:`~cfl.timeutil.END_OF_CALENDAR`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cfl.timeutil import END_OF_CALENDAR, add_years, parse_time_or_none

#: ``dataSchema`` of the cfl extension (one per declaration).
CFL_EXTENSION_SCHEMA = "urn:cfl:schema:cfl-extension:1"
#: ``specVersion`` written into the cfl extension.
CFL_EXTENSION_SPEC_VERSION = "2.0.0"
#: PACT v3: a validity period that is not stated ends this many years after the reference
#: period's end.
DEFAULT_VALIDITY_YEARS = 3

__all__ = [
    "CFL_EXTENSION_SCHEMA",
    "CFL_EXTENSION_SPEC_VERSION",
    "DEFAULT_VALIDITY_YEARS",
    "DeclarationView",
    "ValidityWindow",
    "cfl_extension",
    "cfl_extension_entries",
    "is_cfl_extension",
    "validity_window",
]


def is_cfl_extension(extension: Any) -> bool:
    """True for an ``extensions`` item whose ``dataSchema`` is the cfl extension's."""
    return (type(extension) is dict or isinstance(extension, Mapping)) \
        and extension.get("dataSchema") == CFL_EXTENSION_SCHEMA


def cfl_extension_entries(document: Any) -> list[tuple[int, dict[str, Any]]]:
    """``(index, extension)`` of every cfl extension in ``document["extensions"]``."""
    if type(document) is not dict and not isinstance(document, Mapping):
        return []
    extensions = document.get("extensions")
    if not isinstance(extensions, list):
        return []
    return [(i, ext) for i, ext in enumerate(extensions) if is_cfl_extension(ext)]


def cfl_extension(document: Any) -> dict[str, Any] | None:
    """The ``data`` object of the (first) cfl extension, or None if there is none (or its
    ``data`` is not an object)."""
    for _, extension in cfl_extension_entries(document):
        data = extension.get("data")
        return data if isinstance(data, dict) else None
    return None


@dataclass(frozen=True)
class ValidityWindow:
    """When a declaration is valid. ``start``/``end`` are None only when neither the stated
    field nor ``pcf.referencePeriodEnd`` can be read; ``*_stated`` say whether the
    declaration gave the field itself (else it is PACT's default)."""

    start: dt.datetime | None
    end: dt.datetime | None
    start_stated: bool
    end_stated: bool

    @property
    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """``(start, end)``."""
        return self.start, self.end


def validity_window(document: Any) -> ValidityWindow:
    """The validity window of a declaration's JSON, PACT v3's defaults applied."""
    document = document if isinstance(document, Mapping) else {}
    start = parse_time_or_none(document.get("validityPeriodStart"))
    end = parse_time_or_none(document.get("validityPeriodEnd"))
    start_stated, end_stated = start is not None, end is not None
    pcf = document.get("pcf")
    reference_end = (parse_time_or_none(pcf.get("referencePeriodEnd"))
                     if isinstance(pcf, Mapping) else None)
    if reference_end is not None:
        if start is None:
            start = reference_end
        if end is None:
            end = add_years(reference_end, DEFAULT_VALIDITY_YEARS) or END_OF_CALENDAR
    return ValidityWindow(start, end, start_stated, end_stated)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


@dataclass(frozen=True)
class DeclarationView:
    """Read-only access to a declaration's JSON object (any object: fields that are absent
    or of the wrong type read as None or empty).

    The cfl extension and the validity window are found once per view and kept (every
    other field reads through them): a view reads the document as it is when first asked,
    so make a new view after changing the document."""

    document: Mapping[str, Any] = field(repr=False)

    @classmethod
    def of(cls, document: Any) -> DeclarationView:
        return cls(document if isinstance(document, Mapping) else {})

    # ------------------------------------------------------------------ PACT fields
    @property
    def id(self) -> str | None:
        return _text(self.document.get("id"))

    @property
    def pcf(self) -> Mapping[str, Any]:
        return _mapping(self.document.get("pcf"))

    @property
    def company_name(self) -> str | None:
        return _text(self.document.get("companyName"))

    @property
    def product_ids(self) -> tuple[str, ...]:
        ids = self.document.get("productIds")
        return tuple(i for i in ids if isinstance(i, str)) if isinstance(ids, list) else ()

    @property
    def product_id(self) -> str | None:
        """The first product id (the one a label and a claim carry)."""
        ids = self.product_ids
        return ids[0] if ids else None

    @property
    def product_name_company(self) -> str | None:
        return _text(self.document.get("productNameCompany"))

    @functools.cached_property
    def validity(self) -> ValidityWindow:
        return validity_window(self.document)

    # ------------------------------------------------------------------ the cfl extension
    @functools.cached_property
    def extension(self) -> dict[str, Any] | None:
        """The cfl extension's ``data``, or None for a plain PACT footprint."""
        return cfl_extension(self.document)

    @property
    def _data(self) -> Mapping[str, Any]:
        return self.extension or {}

    @property
    def product_category(self) -> str | None:
        return _text(self._data.get("productCategory"))

    @property
    def rule_set_id(self) -> str | None:
        return _text(_mapping(self._data.get("ruleSet")).get("id"))

    @property
    def boundary(self) -> str | None:
        return _text(self._data.get("boundary"))

    @property
    def grade_class(self) -> str | None:
        return _text(_mapping(self._data.get("grade")).get("class"))

    @property
    def product_names(self) -> dict[str, str]:
        names = _mapping(self._data.get("productNames"))
        return {str(k): v for k, v in names.items() if isinstance(v, str)}

    @property
    def illustrative(self) -> bool:
        return self._data.get("illustrative") is True
