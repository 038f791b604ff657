"""The public register's pages (HTML, escaped by Jinja2's autoescape), its feeds (JSON Feed
1.1 and Atom) and the label preview of a declaration."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import jinja2

from cfl.declaration.view import DeclarationView
from cfl.label.render import render_label
from cfl.label.templates import load_template
from cfl.register.storage import FeedEntry, StoredDeclaration
from cfl.timeutil import format_time

#: The Content-Security-Policy of the register's own HTML pages: its style sheet and images
#: from the same origin, nothing else.
PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")
STAGE_NAMES = {"rawMaterial": "原材料获取 · Raw material", "production": "生产 · Production",
               "distribution": "分销 · Distribution", "use": "使用 · Use",
               "endOfLife": "废弃处置 · End of life"}
GAS_NAMES = {"co2Fossil": "CO2 (fossil)", "co2Biogenic": "CO2 (biogenic)",
             "ch4Fossil": "CH4 (fossil)", "ch4NonFossil": "CH4 (non-fossil)", "n2o": "N2O",
             "sf6": "SF6", "nf3": "NF3"}
LABEL_TEMPLATE = "standard"


def _time(value: int) -> str:
    return format_time(dt.datetime.fromtimestamp(value, dt.UTC))


def _day(value: int) -> str:
    return _time(value)[:10]


def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("cfl.register", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["time"] = _time
    env.filters["day"] = _day
    return env


def status_text(row: StoredDeclaration, now: int) -> str:
    if row.revoked_at is not None:
        return "已撤销 · revoked"
    if now > row.valid_until:
        return "已过期 · expired"
    if now < row.valid_from:
        return "尚未生效 · not yet valid"
    return "有效 · valid"


def declaration_facts(row: StoredDeclaration, declaration: Mapping[str, Any]
                      ) -> dict[str, Any]:
    """What the declaration page shows, read through the one declaration view."""
    view = DeclarationView.of(declaration)
    data = view.extension or {}
    pcf = view.pcf
    unit = f"{pcf.get('declaredUnitAmount', '?')} {pcf.get('declaredUnitOfMeasurement', '?')}"
    names = view.product_names
    facts: list[tuple[str, str, str]] = []

    def add(zh: str, en: str, value: Any) -> None:
        if value not in (None, "", [], ()):
            facts.append((zh, en, str(value)))

    add("中文名称", "Name (zh)", names.get("zh"))
    add("英文名称", "Name (en)", names.get("en"))
    add("产品编号", "Product ids", ", ".join(view.product_ids))
    add("企业", "Company", view.company_name)
    add("碳足迹", "Carbon footprint",
        f"{pcf.get('pcfExcludingBiogenicUptake', '?')} kg CO2e / {unit}")
    add("类别", "Category", view.product_category)
    rule = data.get("ruleSet")
    rule = rule if isinstance(rule, dict) else {}
    product_rule = rule.get("productRule")
    product_rule = product_rule if isinstance(product_rule, dict) else {}
    add("规则集", "Rule set", view.rule_set_id)
    add("产品类别规则", "Product rule", product_rule.get("name"))
    add("系统边界", "Boundary", view.boundary)
    add("等级", "Grade", view.grade_class)
    add("地理范围", "Geography", pcf.get("geographyCountry") or pcf.get("geographyRegion"))
    verification = data.get("verification") if isinstance(data.get("verification"), dict) \
        else {}
    if verification:
        add("核查", "Verification", " · ".join(str(verification[k]) for k in (
            "bodyName", "standard", "level", "date") if k in verification))
    add("签名认证机构", "Certified by", f"{row.certifier_name} ({row.certifier_kid})")
    add("有效期", "Valid", f"{_time(row.valid_from)} – {_time(row.valid_until)}")
    add("声明编号", "Declaration id", row.declaration_id)
    add("摘要", "SHA-256", row.digest)
    add("披露时间", "Disclosed", _time(row.published_at))
    if view.illustrative:
        add("注意", "Note", "示例数据 · illustrative data, not to be relied on")
    stages = [(STAGE_NAMES.get(k, k), str(v)) for k, v in
              (data.get("stages") or {}).items()] if isinstance(data.get("stages"), dict) \
        else []
    gases: list[tuple[str, str]] = []
    if isinstance(data.get("gases"), dict):
        for key, value in data["gases"].items():
            if isinstance(value, list):
                gases += [(str(item.get("species")), str(item.get("mass"))) for item in value
                          if isinstance(item, dict)]
            else:
                gases.append((GAS_NAMES.get(key, key), str(value)))
    upstream = [(str(item.get("id")), str(item.get("sha256")))
                for item in data.get("upstreamDeclarations", [])
                if isinstance(item, dict)] if isinstance(
                    data.get("upstreamDeclarations"), list) else []
    return {"facts": facts, "stages": stages, "gases": gases, "upstream": upstream,
            "unit": unit}


def label_pdf(row: StoredDeclaration, *, resolver: str) -> bytes:
    """The standard label of a disclosed bundle, its QR code pointing at ``resolver``."""
    return render_label(row.bundle, template=load_template(LABEL_TEMPLATE), resolver=resolver,
                        source=f"declaration {row.declaration_id}")


def label_png(pdf: bytes, *, scale: float = 2.0) -> bytes:
    import pypdfium2  # the PDF renderer is loaded on the first label preview only

    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=scale).to_pil()
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


# --------------------------------------------------------------------------- feeds


def _entry_title(entry: FeedEntry) -> str:
    if entry.kind == "revoked":
        return f"Revoked: {entry.declaration_id} ({entry.detail})"
    return f"Disclosed: {entry.detail}"


def json_feed(entries: Sequence[FeedEntry], *, base: str, next_url: str | None
              ) -> dict[str, Any]:
    """JSON Feed 1.1 of disclosures and revocations (``_cfl`` carries the machine fields)."""
    feed: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Carbon footprint disclosure register: disclosures and revocations",
        "home_page_url": f"{base}/", "feed_url": f"{base}/feed.json",
        "items": [{
            "id": f"{base}/feed/{entry.seq}",
            "url": f"{base}/d/{entry.declaration_id}",
            "title": _entry_title(entry),
            "content_text": _entry_title(entry),
            "date_published": _time(entry.at),
            "_cfl": {"seq": entry.seq, "kind": entry.kind,
                     "declarationId": entry.declaration_id, "digest": entry.digest},
        } for entry in entries],
    }
    if next_url is not None:
        feed["next_url"] = next_url
    return feed


def atom_feed(entries: Sequence[FeedEntry], *, base: str, updated: str) -> bytes:
    """The same entries as an Atom feed (RFC 4287)."""
    parts = ['<?xml version="1.0" encoding="utf-8"?>',
             '<feed xmlns="http://www.w3.org/2005/Atom">',
             "<title>Carbon footprint disclosure register: disclosures and revocations</title>",
             f"<id>{xml_escape(base)}/feed.atom</id>",
             f'<link rel="self" href="{xml_escape(base)}/feed.atom"/>',
             f"<updated>{updated}</updated>", "<author><name>cfl register</name></author>"]
    for entry in entries:
        parts += ["<entry>", f"<id>{xml_escape(base)}/feed/{entry.seq}</id>",
                  f"<title>{xml_escape(_entry_title(entry))}</title>",
                  f'<link href="{xml_escape(base)}/d/{xml_escape(entry.declaration_id)}"/>',
                  f"<updated>{_time(entry.at)}</updated>",
                  f'<category term="{entry.kind}"/>', "</entry>"]
    parts.append("</feed>")
    return "\n".join(parts).encode("utf-8")
