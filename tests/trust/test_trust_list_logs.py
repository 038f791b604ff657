"""The transparency logs a trust list names (``transparencyLogs``): added by the operator,
read back as keys and a witness policy, and refused when a verifier could not use them."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from log_world import ORIGIN, log_world
from signing_world import AT, SIGNED_AT, world

from cfl.errors import InputError
from cfl.signing.jws import bundle_to_bytes
from cfl.trust.logs import transparency_log_json
from cfl.trust.trust_list import add_transparency_log, sign_trust_list, trust_list_from_content


def _log(**changes: object) -> dict[str, object]:
    logs = log_world()
    item = transparency_log_json(
        origin=ORIGIN, url="https://log.example.org/cfl-test-suite",
        log_keys=[logs.log.verifier_key.text], valid_from=SIGNED_AT - dt.timedelta(days=30),
        valid_until=AT + dt.timedelta(days=365),
        witness_keys=[w.verifier_key.text for w in logs.witnesses], quorum=2)
    item.update(changes)
    return item


def test_a_listed_log_reads_back_as_keys_and_a_witness_policy() -> None:
    document = add_transparency_log(world().trust_list_document, _log())
    signed = sign_trust_list(document, world().operator, at=SIGNED_AT)
    context = world().context(trust_list=bundle_to_bytes(signed))
    assert context.trust_list is not None
    (log,) = context.trust_list.transparency_logs
    assert log.origin == ORIGIN and log.log_keys == (log_world().log.verifier_key,)
    assert log.witnesses.quorum == 2 and len(log.witnesses.witnesses) == 3
    assert log.valid_at(AT) and not log.required
    again = add_transparency_log(signed, _log(required=True))  # same origin: replaced
    content = again["trustList"]
    assert len(content["transparencyLogs"]) == 1 and content["transparencyLogs"][0]["required"]
    assert content["version"] == signed["trustList"]["version"] + 1


@pytest.mark.parametrize(("changes", "code"), [
    ({"logKeys": ["not a key"]}, "schema_invalid"),
    ({"logKeys": [log_world().witnesses[0].verifier_key.text]}, "bad_log_key"),
    ({"origin": "another.example/log"}, "bad_log_key"),
    ({"witnesses": {"quorum": 4, "keys": []}}, "bad_log_key"),
    ({"validUntil": "2020-01-01T00:00:00Z"}, "bad_window"),
])
def test_a_log_a_verifier_could_not_use_is_refused(changes: dict[str, object],
                                                  code: str) -> None:
    content = copy.deepcopy(world().trust_list_document["trustList"])
    content["transparencyLogs"] = [_log(**changes)]
    with pytest.raises(InputError) as caught:
        trust_list_from_content(content, source="list.json")
    assert caught.value.code == code


def test_a_log_listed_twice_is_refused() -> None:
    content = copy.deepcopy(world().trust_list_document["trustList"])
    content["transparencyLogs"] = [_log(), _log()]
    with pytest.raises(InputError, match="listed twice"):
        trust_list_from_content(content, source="list.json")
