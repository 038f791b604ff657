"""One HTML page for a buyer: many declarations × all targets, with the to-do lists.

The page is self-contained (inline CSS, no script, a Content-Security-Policy that forbids
everything else), prints on A4, and escapes every text that comes from a declaration or a rule
file. Rows are declarations, columns are targets; each cell shows the verdict, and below the
matrix each declaration gets its to-do list per target (:mod:`cfl.recognition.actions`) and
the notes of the check (attestations used or ignored).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from cfl.declaration.view import cfl_extension
from cfl.recognition.actions import actions_for
from cfl.recognition.engine import RecognitionResult, Verdict
from cfl.timeutil import format_time


@dataclass(frozen=True)
class CheckedDeclaration:
    """One declaration's result, with the name of the file it came from."""

    source: str
    declaration: dict[str, object]
    result: RecognitionResult


_VERDICT_CLASS = {
    Verdict.RECOGNISED: "ok",
    Verdict.RECOGNISED_WITH_CONDITIONS: "cond",
    Verdict.NOT_RECOGNISED: "no",
    Verdict.UNDETERMINABLE: "undet",
}
_VERDICT_SHORT = {
    Verdict.RECOGNISED: "yes",
    Verdict.RECOGNISED_WITH_CONDITIONS: "yes*",
    Verdict.NOT_RECOGNISED: "no",
    Verdict.UNDETERMINABLE: "?",
}
_VERDICT_LONG = {
    Verdict.RECOGNISED: "yes: recognised",
    Verdict.RECOGNISED_WITH_CONDITIONS: "yes*: recognised with conditions (a conversion)",
    Verdict.NOT_RECOGNISED: "no: not recognised",
    Verdict.UNDETERMINABLE: "?: undeterminable (a manual check or an unconfirmed fact)",
}

_CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;margin:24px;
color:#1b1f23}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 6px}
p.meta{color:#57606a;margin:0 0 16px}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top}
th.t{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-weight:600;
font-size:12px}
td.v{text-align:center;font-weight:600;min-width:22px}
td.d{min-width:220px}
.ok{background:#dafbe1}.cond{background:#fff8c5}.no{background:#ffebe9}.undet{background:#eaeef2}
ol{margin:4px 0 8px 20px;padding:0}li{margin:2px 0}
.k{font-family:ui-monospace,monospace;font-size:12px;color:#57606a}
.legend span{display:inline-block;padding:1px 8px;margin-right:6px;border:1px solid #d0d7de}
@media print{body{margin:10mm}h2{break-after:avoid}}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _product(item: CheckedDeclaration) -> str:
    data = cfl_extension(item.declaration) or {}
    names = data.get("productNames")
    name = ""
    if isinstance(names, dict):
        name = str(names.get("en") or names.get("zh") or "")
    pcf = item.declaration.get("pcf")
    value = unit = ""
    if isinstance(pcf, dict):
        value = str(pcf.get("pcfExcludingBiogenicUptake", ""))
        unit = str(pcf.get("declaredUnitOfMeasurement", ""))
    category = data.get("productCategory", "")
    return (f"<b>{_e(name or item.source)}</b><br><span class=k>{_e(category)} · {_e(value)} "
            f"kg CO2e per {_e(unit)} · {_e(item.source)}</span>")


def render_html_report(items: Sequence[CheckedDeclaration], *, title: str =
                       "Recognition of product carbon footprint declarations") -> str:
    """The page for ``items`` (each checked against the same targets, at the same time)."""
    targets: list[str] = []
    names: dict[str, str] = {}
    for item in items:
        for report in item.result.reports:
            if report.target not in names:
                targets.append(report.target)
                names[report.target] = report.target_name
    at = format_time(items[0].result.at) if items else ""
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
           'style-src \'unsafe-inline\'">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{_e(title)}</h1>",
           f"<p class=meta>{len(items)} declaration(s) × {len(targets)} target rule set(s), "
           f"checked at {_e(at)} by cfl. Every verdict cites its rules; a rule resting on an "
           "unconfirmed fact is never guessed (undeterminable).</p>",
           '<p class="legend meta">'
           + "".join(f'<span class="{_VERDICT_CLASS[v]}">{_e(_VERDICT_LONG[v])}</span>'
                     for v in Verdict) + "</p>",
           "<table><thead><tr><th>declaration</th>"]
    out += [f'<th class=t title="{_e(names[t])}">{_e(t)}</th>' for t in targets]
    out.append("</tr></thead><tbody>")
    for item in items:
        by_target = {r.target: r for r in item.result.reports}
        out.append(f"<tr><td class=d>{_product(item)}</td>")
        for target in targets:
            found = by_target.get(target)
            if found is None:
                out.append("<td class=v>–</td>")
                continue
            cls = _VERDICT_CLASS[found.verdict]
            out.append(f'<td class="v {cls}" title="{_e(found.target)}: '
                       f'{_e(found.verdict.value)}">{_e(_VERDICT_SHORT[found.verdict])}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    for item in items:
        out.append(f"<h2>{_product(item)}</h2>")
        todo = [(r, actions_for(r)) for r in item.result.reports]
        todo = [(r, a) for r, a in todo if a]
        if not todo:
            out.append("<p>Every target recognises this declaration.</p>")
        for report, actions in todo:
            out.append(f"<p><b>{_e(report.target)}</b> — {_e(report.target_name)}: "
                       f"{_e(report.verdict.value)}. To do, least effort first:</p><ol>")
            out += [f"<li><span class=k>[{_e(a.kind.value)}] {_e(a.requirement)}</span> "
                    f"{_e(a.text)}<br><span class=k>cite: {_e(a.citation)}</span></li>"
                    for a in actions]
            out.append("</ol>")
        if item.result.notes:
            out.append("<p class=meta>" + "<br>".join(f"note: {_e(n)}" for n in
                                                      item.result.notes) + "</p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
