"""To-do lists (least effort first) and the one-page HTML report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cfl.recognition.actions import ActionKind, actions_for
from cfl.recognition.engine import check_declaration
from cfl.recognition.html_report import CheckedDeclaration, render_html_report

AT = dt.datetime(2026, 3, 15, tzinfo=dt.UTC)


def test_every_target_not_recognised_gets_an_ordered_to_do_list(
        battery_declaration: dict[str, Any]) -> None:
    result = check_declaration(battery_declaration, at=AT)
    for report in result.reports:
        actions = actions_for(report)
        if report.verdict.value in ("recognised", "recognised-with-conditions"):
            assert actions == ()
            continue
        assert actions, report.target
        efforts = [a.kind.effort for a in actions]
        assert efforts == sorted(efforts)
        assert all(a.citation and a.requirement for a in actions)
    eu = next(r for r in result.reports if r.target == "eu-battery-regulation-2023-1542")
    kinds = [a.kind for a in actions_for(eu)]
    assert ActionKind.ATTESTATION in kinds and ActionKind.CONFIRM_FACT in kinds
    pact = next(r for r in result.reports if r.target == "pact-methodology-v3")
    add = [a for a in actions_for(pact) if a.kind is ActionKind.ADD_DATA]
    assert add and "$.pcf.dqi" in add[0].text


def test_the_html_report_escapes_and_shows_every_declaration_and_target(
        battery_declaration: dict[str, Any]) -> None:
    hostile = dict(battery_declaration)
    hostile["extensions"] = [dict(battery_declaration["extensions"][0])]
    hostile["extensions"][0]["data"] = dict(hostile["extensions"][0]["data"],
                                            productNames={"en": "<script>x</script>"})
    items = [CheckedDeclaration(name, d, check_declaration(d, at=AT))
             for name, d in (("a.json", battery_declaration), ("b<.json", hostile))]
    page = render_html_report(items)
    assert page.startswith("<!DOCTYPE html>") and "default-src 'none'" in page
    assert "<script>" not in page and "&lt;script&gt;" in page and "b&lt;.json" in page
    for report in items[0].result.reports:
        assert f">{report.target}</th>" in page
    assert page.count("<tr><td class=d>") == 2
