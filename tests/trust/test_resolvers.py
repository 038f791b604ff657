"""The scheme's resolvers (ADR 0138): a trust list names the URL prefixes of its QR codes, and
a QR text's prefix is compared with them as a browser reaches it, never as text."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from signing_world import SIGNED_AT, world

from cfl.errors import InputError
from cfl.signing.jws import bundle_to_bytes
from cfl.trust.resolvers import named_resolver, parse_resolver, resolver_problem
from cfl.trust.trust_list import (
    CONTENT_KEY,
    read_trust_list_document,
    sign_trust_list,
    trust_list_from_content,
)

NAMED = (parse_resolver("https://cfl.example/V/"),)

#: QR text prefixes that must never pass for https://cfl.example/V/.
LOOKALIKES = [
    "HTTPS://CFL.EXAMPLE.ATTACKER.COM/V/",  # the named host as a subdomain of another
    "HTTPS://ATTACKER.COM/CFL.EXAMPLE/V/",  # the named host in the path
    "HTTPS://XCFL.EXAMPLE/V/",              # a longer host ending like it
    "HTTPS://CFL.EXAMPLE:8443/V/",          # another port
    "HTTPS://CFL.EXAMPLE:/V/",              # an empty port
    "HTTPS://CFL.EXAMPLE:0443/V/",          # a zero-led port
    "HTTPS://CFL.EXAMPLE:99999/V/",         # no port at all
    "HTTPS://CFL.EXAMPLE./V/",              # a trailing dot: another name to a browser
    "HTTPS://CFL%2EEXAMPLE/V/",             # an escaped host
    "HTTPS://CFL.EXAMPLE/VX/",              # a longer first segment
    "HTTPS://CFL.EXAMPLE/",                 # above the named path
    "HTTPS://CFL.EXAMPLE/V/../X/",          # a dot segment climbing out
    "HTTPS://CFL.EXAMPLE/V/%2E%2E/X/",      # the same, escaped
    "HTTP://CFL.EXAMPLE/V/",                # plain http
    "FTP://CFL.EXAMPLE/V/",                 # another scheme
    "HTTPS:/CFL.EXAMPLE/V/",                # no authority
]


@pytest.mark.parametrize("text", LOOKALIKES)
def test_a_lookalike_prefix_is_not_the_named_one(text: str) -> None:
    assert named_resolver(NAMED, text) is None
    assert resolver_problem(text, NAMED) is not None


@pytest.mark.parametrize("text", [
    "HTTPS://CFL.EXAMPLE/V/", "https://cfl.example/V/", "HTTPS://CFL.EXAMPLE:443/V/",
    "HTTPS://CFL.EXAMPLE/V/SUB/",
])
def test_the_named_prefix_matches_in_any_case_with_the_default_port_and_below(text: str
                                                                              ) -> None:
    assert named_resolver(NAMED, text) == NAMED[0]
    assert resolver_problem(text, NAMED) is None


def test_an_internationalised_host_is_compared_as_its_a_labels() -> None:
    named = (parse_resolver("https://碳标签.example/V/"),)
    assert named[0].host == "xn--iwvz48al6b.example"
    assert named_resolver(named, "HTTPS://XN--IWVZ48AL6B.EXAMPLE/V/") == named[0]
    assert named_resolver(named, "HTTPS://XN--IWVZ48AL6C.EXAMPLE/V/") is None
    # full-width letters are mapped as a browser maps them (UTS 46)
    assert parse_resolver("https://ＣＦＬ.example/V/").host == "cfl.example"


@pytest.mark.parametrize("text", [
    "https://user@cfl.example/V/", "https://cfl.example/V", "https://cfl.example/V/?x=1/",
    "https://cfl.example/V/#f/", "https://cfl.example:0/V/", "https://cfl.example/V//",
    "https://xn--zz.example/V/", "https://cfl_example/V/",
])
def test_a_resolver_a_browser_might_read_otherwise_is_refused(text: str) -> None:
    with pytest.raises(InputError) as info:
        parse_resolver(text, source="list.json", location="$.trustList.resolvers[0]")
    assert info.value.code == "bad_resolver"


def _content(**members: Any) -> dict[str, Any]:
    content = copy.deepcopy(world().trust_list_document[CONTENT_KEY])
    content.pop("resolver", None)
    content.update(members)
    return content


def test_an_older_list_with_one_resolver_names_that_one() -> None:
    parsed = trust_list_from_content(_content(resolver="HTTPS://LABELS.EXAMPLE.CN/V/"),
                                     source="old.json")
    assert [prefix.text for prefix in parsed.resolvers] == ["https://labels.example.cn/V/"]
    assert trust_list_from_content(_content(), source="none.json").resolvers == ()


def test_resolver_and_resolvers_together_name_each_once() -> None:
    parsed = trust_list_from_content(_content(
        resolver="HTTPS://LABELS.EXAMPLE.CN/V/",
        resolvers=["https://labels.example.cn/V/", "https://碳标签.example/V/"]),
        source="list.json")
    assert [prefix.text for prefix in parsed.resolvers] == [
        "https://labels.example.cn/V/", "https://xn--iwvz48al6b.example/V/"]


@pytest.mark.parametrize(("resolvers", "where"), [
    (["http://labels.example.cn/V/"], "resolvers"),        # https only
    (["https://user@labels.example.cn/V/"], "resolvers"),  # no userinfo
    (["https://labels.example.cn/V%2F/"], "resolvers"),    # no escapes
    ([], "resolvers"),                                     # at least one when present
    (["https://xn--zz.example/V/"], "resolvers[0]"),       # not valid punycode
])
def test_a_list_naming_a_bad_resolver_is_refused_with_its_place(resolvers: list[str],
                                                                where: str) -> None:
    with pytest.raises(InputError) as info:
        trust_list_from_content(_content(resolvers=resolvers), source="list.json")
    assert where in (info.value.location or "") + info.value.message


def test_signing_with_resolvers_names_them_and_keeps_the_first_for_labels() -> None:
    w = world()
    signed = sign_trust_list(w.trust_list_document, w.operator, at=SIGNED_AT,
                             resolvers=["HTTPS://LABELS.EXAMPLE.CN/V/",
                                        "https://old-labels.example.cn/V/"])
    content = signed[CONTENT_KEY]
    assert content["resolver"] == "HTTPS://LABELS.EXAMPLE.CN/V/"
    assert content["resolvers"] == ["HTTPS://LABELS.EXAMPLE.CN/V/",
                                    "https://old-labels.example.cn/V/"]
    again = read_trust_list_document(bundle_to_bytes(signed), source="signed.json")
    assert trust_list_from_content(again[CONTENT_KEY], source="signed.json").resolver == \
        "HTTPS://LABELS.EXAMPLE.CN/V/"
