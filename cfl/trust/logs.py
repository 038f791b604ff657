"""The transparency logs a trust list names (``transparencyLogs``, docs/transparency-log.md
§7): which register logs a verifier believes, by their origin and log keys, with the window
in which their checkpoints count, the witnesses that must cosign them, and whether the
scheme requires every declaration to carry a proof of disclosure.

The scheme operator lists them; :func:`transparency_logs_from_content` reads them out of the
signed content (schema-checked already) and refuses what a verifier could not use: a key
that is not an Ed25519 note key named after the origin, an origin listed twice, a window
that ends before it starts, a quorum more than the witnesses listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cfl.errors import InputError
from cfl.log.errors import LogFormatError
from cfl.log.note import SIG_COSIGNATURE_V1, SIG_ED25519, VerifierKey, parse_verifier_key
from cfl.log.witness import WitnessPolicy
from cfl.timeutil import format_time, parse_time

MEMBER = "transparencyLogs"


@dataclass(frozen=True)
class TransparencyLog:
    """A log the scheme trusts."""

    origin: str
    url: str
    log_keys: tuple[VerifierKey, ...]
    valid_from: dt.datetime
    valid_until: dt.datetime
    witnesses: WitnessPolicy
    #: Whether a declaration without a proof of disclosure in this scheme's logs fails.
    required: bool = False

    def valid_at(self, when: dt.datetime) -> bool:
        return self.valid_from <= when <= self.valid_until

    @property
    def window_text(self) -> str:
        return f"{format_time(self.valid_from)} to {format_time(self.valid_until)}"


def _keys(texts: Sequence[str], sig_type: int, *, source: str, where: str
          ) -> tuple[VerifierKey, ...]:
    keys = []
    for n, text in enumerate(texts):
        try:
            key = parse_verifier_key(text)
        except LogFormatError as exc:
            raise InputError(exc.message, source=source, location=f"{where}[{n}]",
                             code="bad_log_key") from None
        if key.sig_type != sig_type:
            raise InputError(f"a key of type {key.sig_type:#04x}; expected type "
                             f"{sig_type:#04x}", source=source, location=f"{where}[{n}]",
                             code="bad_log_key")
        keys.append(key)
    return tuple(keys)


def transparency_logs_from_content(content: dict[str, Any], *, source: str
                                   ) -> tuple[TransparencyLog, ...]:
    """The logs of a (schema-checked) trust list content, checked as the module says."""
    logs: list[TransparencyLog] = []
    for i, raw in enumerate(content.get(MEMBER, ())):
        where = f"$.trustList.{MEMBER}[{i}]"
        origin = raw["origin"]
        if any(log.origin == origin for log in logs):
            raise InputError(f"the log {origin!r} is listed twice", source=source,
                             location=f"{where}.origin", code="duplicate_entry")
        log_keys = _keys(raw["logKeys"], SIG_ED25519, source=source, where=f"{where}.logKeys")
        for n, key in enumerate(log_keys):
            if key.name != origin:
                raise InputError(f"the log key is named {key.name!r}; a log's key is named "
                                 "after its origin", source=source,
                                 location=f"{where}.logKeys[{n}]", code="bad_log_key")
        witnesses = raw.get("witnesses", {"quorum": 0, "keys": []})
        witness_keys = _keys(witnesses["keys"], SIG_COSIGNATURE_V1, source=source,
                             where=f"{where}.witnesses.keys")
        try:
            policy = WitnessPolicy(witness_keys, witnesses["quorum"])
        except LogFormatError as exc:
            raise InputError(exc.message, source=source, location=f"{where}.witnesses",
                             code="bad_log_key") from None
        valid_from, valid_until = parse_time(raw["validFrom"]), parse_time(raw["validUntil"])
        if valid_until <= valid_from:
            raise InputError("'validUntil' must be after 'validFrom'", source=source,
                             location=f"{where}.validUntil", code="bad_window")
        logs.append(TransparencyLog(origin, raw["url"], log_keys, valid_from, valid_until,
                                    policy, bool(raw.get("required", False))))
    return tuple(logs)


def transparency_log_json(*, origin: str, url: str, log_keys: Sequence[str],
                          valid_from: dt.datetime, valid_until: dt.datetime,
                          witness_keys: Sequence[str] = (), quorum: int = 0,
                          required: bool = False) -> dict[str, Any]:
    """A ``transparencyLogs`` item as the operator adds it (``cfl trust add-log``)."""
    return {"origin": origin, "url": url, "logKeys": list(log_keys),
            "validFrom": format_time(valid_from), "validUntil": format_time(valid_until),
            "witnesses": {"quorum": quorum, "keys": list(witness_keys)},
            "required": required}
