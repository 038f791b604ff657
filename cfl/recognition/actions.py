"""What an exporter can do about a verdict: the to-do list of a recognition report.

For a target that does not recognise a declaration (not recognised, or undeterminable), each
row that keeps it from being recognised becomes one action, least effort first:

1. ``convert`` — restate the declaration with a conversion the mapping path offers
   (``cfl convert``); no new data needed;
2. ``add-data`` — fill in fields the check looks for (named by their paths);
3. ``attestation`` — a requirement only a person can check: obtain a signed attestation
   from a certifier in the trust list (``cfl attest``), answering the requirement id;
4. ``change-data`` — the declaration states something the target does not accept (a
   boundary, a GWP report, a unit …): re-quantify or re-state it;
5. ``confirm-fact`` — the requirement rests on a fact nobody has confirmed from a source
   (or no mapping leads to the target): outside the exporter's data; ask the scheme operator
   or wait for a corrected rule set, citing the source named.

The list names the requirement, what to do and the citation; it never guesses an outcome.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from cfl.recognition.engine import (
    Outcome,
    RecognitionReport,
    RecognitionResult,
    RequirementResult,
    Verdict,
)
from cfl.recognition.rules import Confidence


class ActionKind(enum.Enum):
    CONVERT = "convert"
    ADD_DATA = "add-data"
    ATTESTATION = "attestation"
    CHANGE_DATA = "change-data"
    CONFIRM_FACT = "confirm-fact"

    @property
    def effort(self) -> int:
        """1 (least effort) … 5 (outside the exporter's data)."""
        return list(ActionKind).index(self) + 1


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    requirement: str
    text: str
    citation: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "effort": self.kind.effort,
                "requirement": self.requirement, "text": self.text, "citation": self.citation}


def _action(row: RequirementResult, target: str) -> Action | None:
    def make(kind: ActionKind, text: str) -> Action:
        return Action(kind, row.requirement_id, text, row.citation)

    if row.outcome is Outcome.MET_AFTER_CONVERSION:
        return make(ActionKind.CONVERT, f"restate it with conversion {row.conversion} "
                    f"(`cfl convert FILE --for {target}`), then sign the new declaration")
    if row.outcome is Outcome.UNDETERMINABLE:
        if row.confidence is Confidence.UNCONFIRMED:
            return make(ActionKind.CONFIRM_FACT,
                        f"{row.sentence} — rests on a fact not confirmed from a source; "
                        "confirm it with the scheme operator (or a corrected rule set)")
        if row.missing:
            return make(ActionKind.ADD_DATA, f"add {', '.join(row.missing)} — {row.sentence}")
        if row.manual:
            return make(ActionKind.ATTESTATION,
                        f"obtain a signed attestation of {row.requirement_id} from a certifier "
                        f"in the trust list (`cfl attest`) — {row.sentence}")
        return make(ActionKind.CONFIRM_FACT, f"{row.sentence} — {row.detail}")
    if row.outcome is Outcome.NOT_MET:
        if row.missing:
            return make(ActionKind.ADD_DATA, f"add {', '.join(row.missing)} — {row.sentence}")
        if row.attested_by:
            return make(ActionKind.CHANGE_DATA,
                        f"{row.attested_by} attested that it is not met ({row.evidence}); "
                        f"meet it and obtain a new attestation — {row.sentence}")
        return make(ActionKind.CHANGE_DATA, f"{row.sentence} — now: {row.detail}")
    return None


def actions_for(report: RecognitionReport) -> tuple[Action, ...]:
    """The to-do list for one target, least effort first (empty when it recognises)."""
    if report.verdict in (Verdict.RECOGNISED, Verdict.RECOGNISED_WITH_CONDITIONS):
        return ()
    found = [a for a in (_action(row, report.target) for row in report.rows) if a]
    order = {id(a): i for i, a in enumerate(found)}
    return tuple(sorted(found, key=lambda a: (a.kind.effort, order[id(a)])))


def result_json_with_actions(result: RecognitionResult) -> dict[str, Any]:
    """:meth:`RecognitionResult.to_json` with each report's ``actions``."""
    out = result.to_json()
    for report, data in zip(result.reports, out["reports"], strict=True):
        data["actions"] = [a.to_json() for a in actions_for(report)]
    return out
