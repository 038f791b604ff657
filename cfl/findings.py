"""Findings: one shape for every problem found in a document.

Schema errors, semantic (cross-field) checks, rule-set lint and recognition all report
``Finding`` objects, so the CLI can sort and print them the same way.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}[self]


@dataclass(frozen=True)
class Finding:
    """One problem: a stable ``code``, a human ``message`` and where it is.

    ``path`` is a JSON path into the document (``$`` is the root). ``source`` names the
    file it came from; ``rule_id`` and ``citation`` are used by rule-set checks.
    """

    code: str
    message: str
    path: str = "$"
    severity: Severity = Severity.ERROR
    source: str | None = None
    rule_id: str | None = None
    citation: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def with_source(self, source: str) -> Finding:
        return Finding(
            self.code, self.message, self.path, self.severity, source,
            self.rule_id, self.citation, dict(self.extra),
        )

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "code": self.code,
            "severity": self.severity.value,
            "path": self.path,
            "message": self.message,
        }
        for key in ("source", "rule_id", "citation"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"{where}{self.path}: {self.severity.value}: {self.message} [{self.code}]"


def is_blocking(findings: Iterable[Finding]) -> bool:
    """True if any finding is an error (warnings and infos do not block)."""
    return any(f.severity is Severity.ERROR for f in findings)


def best_first(findings: Iterable[Finding]) -> list[Finding]:
    """Errors before warnings; within a severity, shallow paths (the likely cause) first."""
    def key(f: Finding) -> tuple[int, int, str]:
        return (f.severity.rank, f.path.count(".") + f.path.count("["), f.path)

    return sorted(findings, key=key)


def json_path(parts: Sequence[str | int]) -> str:
    """``["pcf", "dqi", 0]`` → ``$.pcf.dqi[0]``; odd keys are quoted."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}"
        else:
            escaped = part.replace("\\", "\\\\").replace("'", "\\'")
            out += f"['{escaped}']"
    return out
