"""Trust-list versions are never issued twice; a list may name the scheme's resolver."""

from __future__ import annotations

import datetime as dt

import pytest
from signing_world import SIGNED_AT, world

from cfl.errors import InputError
from cfl.trust.trust_list import (
    CONTENT_KEY,
    issue_version,
    new_trust_list,
    sign_trust_list,
    signed_version,
    trust_list_from_content,
)

EXPIRES = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)


def test_a_version_signed_already_is_not_issued_again() -> None:
    draft = new_trust_list("Op", expires=EXPIRES, at=SIGNED_AT)
    assert signed_version(draft) is None
    assert issue_version(draft, last_signed=None) == (1, None)
    assert issue_version(draft, last_signed=1) == (2, 1)
    assert issue_version(draft, last_signed=4, requested=3) == (5, 3)
    assert issue_version(draft, last_signed=1, requested=7) == (7, None)
    signed = sign_trust_list(draft, world().operator, at=SIGNED_AT)
    assert signed_version(signed) == 1


def test_the_resolver_is_part_of_the_signed_list() -> None:
    draft = new_trust_list("Op", expires=EXPIRES, at=SIGNED_AT,
                           resolver="HTTPS://LABELS.EXAMPLE.CN/V/")
    signed = sign_trust_list(draft, world().operator, at=SIGNED_AT)
    parsed = trust_list_from_content(signed[CONTENT_KEY], source="x")
    assert parsed.resolver == "HTTPS://LABELS.EXAMPLE.CN/V/"
    changed = sign_trust_list(signed, world().operator, at=SIGNED_AT,
                              resolver="HTTPS://OTHER.EXAMPLE/V/")
    assert changed[CONTENT_KEY]["resolver"] == "HTTPS://OTHER.EXAMPLE/V/"
    with pytest.raises(InputError):
        new_trust_list("Op", expires=EXPIRES, at=SIGNED_AT, resolver="https://lower/")
    assert trust_list_from_content(new_trust_list("Op", expires=EXPIRES, at=SIGNED_AT)[
        CONTENT_KEY], source="x").resolver is None
