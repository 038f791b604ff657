"""The product category catalogue (``rulesets/data/categories.yaml``).

One entry per product category cfl knows: China's CFP label certification catalogue (batch 1,
17 products, with the groups the pilot names), the categories cfl had before it, and compute
services. Each entry holds its zh/en names, the declared units that fit it, the HS codes it
covers, the product rules that apply (with the rule set that encodes one, where there is one),
the label types and where it sits in the catalogue, every fact with a source and an evidence
level. A new category is data: the claim writes a category it has no code for as text
(docs/claim-format.md), so adding one here needs no format change.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cfl.errors import InputError
from cfl.io.resources import read_data_bytes
from cfl.io.yamlio import loads_yaml
from cfl.recognition.rules import Confidence, Source, schema_errors

CATALOGUE_FILE = "rulesets/data/categories.yaml"
CATEGORIES_SCHEMA = "categories.schema.json"


@dataclass(frozen=True)
class Cite:
    """A fact's source (an id of the catalogue's source list), place and evidence level."""

    source: Source
    locator: str
    confidence: Confidence

    def describe(self) -> str:
        url = f" <{self.source.url}>" if self.source.url else ""
        return (f"[{self.source.id}] {self.source.title}, {self.locator} "
                f"({self.confidence.value}){url}")


@dataclass(frozen=True)
class ProductRule:
    name: str
    cite: Cite
    number: str | None = None
    rule_set: str | None = None


@dataclass(frozen=True)
class Category:
    id: str
    names: Mapping[str, str]
    declared_units: tuple[str, ...]
    hs_codes: tuple[str, ...]
    hs_cite: Cite | None
    label_types: tuple[str, ...]
    product_rules: tuple[ProductRule, ...]
    group: str | None = None
    catalogue_item: str | None = None
    catalogue_batch: int | None = None
    catalogue_cite: Cite | None = None
    service: bool = False
    notes: str | None = None

    def name(self, lang: str = "en") -> str:
        return self.names.get(lang) or self.names["en"]

    @property
    def in_catalogue(self) -> bool:
        """True if the CFP label certification catalogue lists it (a confirmed fact only)."""
        return (self.catalogue_cite is not None
                and self.catalogue_cite.confidence is not Confidence.UNCONFIRMED)

    def covers_hs(self, hs_code: str) -> bool:
        """True if ``hs_code`` falls under one of the category's HS headings."""
        return any(hs_code.startswith(code) for code in self.hs_codes)


@dataclass(frozen=True)
class CategoryCatalogue:
    id: str
    version: str
    sources: Mapping[str, Source]
    label_types: Mapping[str, Mapping[str, str]]
    label_types_cite: Cite
    categories: Mapping[str, Category]

    def get(self, category_id: str) -> Category | None:
        return self.categories.get(category_id)

    def __iter__(self) -> Iterator[Category]:
        return iter(self.categories.values())

    def catalogue_ids(self) -> tuple[str, ...]:
        """The ids of every category the certification catalogue lists, groups included."""
        return tuple(c.id for c in self if c.in_catalogue)

    def children(self, group: str) -> tuple[Category, ...]:
        return tuple(c for c in self if c.group == group)


def _cite(raw: Mapping[str, Any], sources: Mapping[str, Source], where: str) -> Cite:
    source = sources.get(raw["id"])
    if source is None:
        raise InputError(f"cites source {raw['id']!r}, which is not in the source list",
                         source=CATALOGUE_FILE, location=where, code="unknown_source")
    return Cite(source, raw["locator"], Confidence(raw["confidence"]))


def parse_catalogue(data: bytes, source: str = CATALOGUE_FILE) -> CategoryCatalogue:
    """Parse and check a catalogue file (schema, source ids, groups, label types)."""
    raw = loads_yaml(data, source=source, max_bytes=1024 * 1024)
    problems = schema_errors(raw, CATEGORIES_SCHEMA)
    if problems:
        parts, message = problems[0]
        raise InputError(f"does not match {CATEGORIES_SCHEMA}: {message}", source=source,
                         location="$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                                                for p in parts), code="catalogue_schema")
    sources = {s["id"]: Source(s["id"], s["title"], s.get("url"), s.get("accessed"))
               for s in raw["sources"]}
    categories: dict[str, Category] = {}
    for i, item in enumerate(raw["categories"]):
        where = f"$.categories[{i}]"
        if item["id"] in categories:
            raise InputError(f"category {item['id']!r} is listed twice", source=source,
                             location=where, code="duplicate_category")
        unknown = sorted(set(item["labelTypes"]) - set(raw["labelTypes"]))
        if unknown:
            raise InputError(f"label type {unknown[0]!r} is not in labelTypes", source=source,
                             location=f"{where}.labelTypes", code="unknown_label_type")
        hs = item.get("hs")
        catalogue = item.get("catalogue")
        categories[item["id"]] = Category(
            id=item["id"], names=dict(item["names"]),
            declared_units=tuple(item["declaredUnits"]),
            hs_codes=tuple(hs["codes"]) if hs else (),
            hs_cite=_cite(hs["source"], sources, f"{where}.hs") if hs else None,
            label_types=tuple(item["labelTypes"]),
            product_rules=tuple(
                ProductRule(r["name"], _cite(r["source"], sources, f"{where}.productRules[{j}]"),
                            r.get("number"), r.get("ruleSet"))
                for j, r in enumerate(item["productRules"])),
            group=item.get("group"),
            catalogue_item=catalogue["item"] if catalogue else None,
            catalogue_batch=catalogue["batch"] if catalogue else None,
            catalogue_cite=(_cite(catalogue["source"], sources, f"{where}.catalogue")
                            if catalogue else None),
            service=bool(item.get("service", False)), notes=item.get("notes"),
        )
    for category in categories.values():
        if category.group is not None and category.group not in categories:
            raise InputError(f"category {category.id!r} names group {category.group!r}, which "
                             "is not a category", source=source, code="unknown_group")
    return CategoryCatalogue(
        id=raw["id"], version=raw["version"], sources=sources,
        label_types={k: dict(v) for k, v in raw["labelTypes"].items()},
        label_types_cite=_cite(raw["labelTypesSource"], sources, "$.labelTypesSource"),
        categories=categories)


@functools.cache
def category_catalogue() -> CategoryCatalogue:
    """The shipped catalogue, parsed once per process."""
    return parse_catalogue(read_data_bytes("rulesets", "data", "categories.yaml"))


def catalogue_text(catalogue: CategoryCatalogue) -> str:
    """What ``cfl declare --list-categories`` prints: one line per category (id, en and zh
    names, declared units, HS codes, catalogue item), then each product rule with its
    source and evidence level."""
    lines = [f"Product categories ({catalogue.id} {catalogue.version}); "
             "* = in China's CFP label certification catalogue, batch 1", ""]
    for c in catalogue:
        mark = "*" if c.in_catalogue else " "
        indent = "  " if c.group else ""
        hs = ", ".join(c.hs_codes) if c.hs_codes else ("service" if c.service else "-")
        lines.append(f"{mark} {indent}{c.id:<{36 - len(indent)}} {c.name('en')} / {c.name('zh')}")
        lines.append(f"    {indent}units: {', '.join(c.declared_units)}; HS: {hs}"
                     + (f"; catalogue item {c.catalogue_item}" if c.catalogue_item else ""))
        for rule in c.product_rules:
            lines.append(f"    {indent}rule: {rule.name}"
                         + (f" (rule set {rule.rule_set})" if rule.rule_set else ""))
            lines.append(f"    {indent}  source: {rule.cite.describe()}")
        if c.notes:
            lines.append(f"    {indent}note: {c.notes}")
    types = ", ".join(f"{k} ({v['en']} / {v['zh']})" for k, v in catalogue.label_types.items())
    lines += ["", f"Label types: {types}", f"  source: {catalogue.label_types_cite.describe()}"]
    return "\n".join(lines) + "\n"


def catalogue_json(catalogue: CategoryCatalogue) -> dict[str, Any]:
    def cite(c: Cite | None) -> dict[str, Any] | None:
        if c is None:
            return None
        return {"source": c.source.id, "title": c.source.title, "url": c.source.url,
                "locator": c.locator, "confidence": c.confidence.value}

    return {
        "id": catalogue.id, "version": catalogue.version,
        "labelTypes": {k: dict(v) for k, v in catalogue.label_types.items()},
        "categories": [{
            "id": c.id, "names": dict(c.names), "group": c.group,
            "declaredUnits": list(c.declared_units), "hsCodes": list(c.hs_codes),
            "hsSource": cite(c.hs_cite), "service": c.service,
            "catalogue": ({"batch": c.catalogue_batch, "item": c.catalogue_item,
                           "source": cite(c.catalogue_cite)} if c.catalogue_cite else None),
            "labelTypes": list(c.label_types),
            "productRules": [{"name": r.name, "number": r.number, "ruleSet": r.rule_set,
                              "source": cite(r.cite)} for r in c.product_rules],
            "notes": c.notes,
        } for c in catalogue],
    }
