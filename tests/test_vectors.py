"""The published test vectors (tests/vectors/, docs/test-vectors.md): every manifest entry
through the library, and the committed set equal to a fresh run of its generator."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from cfl.bundle.model import parse_bundle
from cfl.io.jsonio import loads_strict
from cfl.io.yamlio import load_yaml_file
from cfl.report.model import Status
from cfl.signing.keys import PublicKey
from cfl.timeutil import parse_time
from cfl.trust.context import load_trust_context
from cfl.trust.store import MemoryTrustStore
from cfl.verification.bundle_check import verify_bundle
from cfl.verification.claim_check import verify_claim
from cfl.verification.policy import STRICT_POLICY, VerificationPolicy

VECTORS = Path(__file__).resolve().parent / "vectors"
MANIFEST = load_yaml_file(VECTORS / "manifest.yaml")["vectors"]
POLICIES = {"strict": STRICT_POLICY,
            "ignore-unlisted-cosigners": VerificationPolicy(ignore_unlisted_cosigners=True)}


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cfl_vectors_generate",
                                                  VECTORS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def _read(path: str) -> bytes:
    return (VECTORS / path).read_bytes()


@pytest.mark.parametrize("vector", MANIFEST, ids=[vector["id"] for vector in MANIFEST])
def test_vector(vector: dict[str, Any]) -> None:
    at = parse_time(vector["at"])
    assert isinstance(at, dt.datetime)
    trust = vector["trust"]
    anchor = PublicKey.from_jwk(loads_strict(_read(trust["anchor"])))
    context = load_trust_context(_read(trust["trust_list"]), anchor=anchor, at=at,
                                 store=MemoryTrustStore(),
                                 revocations=[_read(path) for path in trust["revocations"]],
                                 status_lists=[_read(path)
                                               for path in trust.get("status_lists", [])])
    files = vector["files"]
    if "claim" in files:
        bundle = parse_bundle(_read(files["bundle"])) if "bundle" in files else None
        report = verify_claim(_read(files["claim"]).decode("ascii"), context, at=at,
                              bundle=bundle)
    else:
        report = verify_bundle(_read(files["bundle"]), context, at=at,
                               policy=POLICIES[vector["policy"]])
    rows = [row.to_json() for row in report.rows]
    expect = vector["expect"]
    assert report.bottom_line.value == expect["bottom_line"], rows
    first = next((row.code for row in report.rows if row.status is report.bottom_line
                  and report.bottom_line is not Status.PASSED), None)
    assert first == expect["reason"], rows


def test_the_committed_vectors_equal_a_fresh_run_of_the_generator() -> None:
    """generate.py is deterministic (Ed25519, RFC 6979 ES256): the committed files are its
    output byte for byte, and the folder holds nothing else."""
    built = _generator().build()
    for path, data in built.items():
        assert _read(path) == data, f"{path} differs: run python3 tests/vectors/generate.py"
    on_disk = {path.relative_to(VECTORS).as_posix() for path in VECTORS.rglob("*")
               if path.is_file() and "__pycache__" not in path.parts}
    # log/ is the transparency-log set, with its own generator (tests/log/test_vectors.py)
    on_disk = {path for path in on_disk if not path.startswith("log/")}
    assert on_disk - {"generate.py"} == set(built)


def test_the_manifest_covers_every_vector_file_and_names_only_existing_ones() -> None:
    named = {path for vector in MANIFEST for path in vector["files"].values()}
    named |= {vector["trust"][key] for vector in MANIFEST for key in ("anchor", "trust_list")}
    named |= {path for vector in MANIFEST for path in vector["trust"]["revocations"]}
    named |= {path for vector in MANIFEST for path in vector["trust"].get("status_lists", [])}
    for path in named:
        assert (VECTORS / path).is_file(), path
    for folder in ("bundles", "claims", "trust"):
        for path in (VECTORS / folder).iterdir():
            assert f"{folder}/{path.name}" in named, f"{folder}/{path.name} is in no vector"


def test_no_private_key_in_pem_form_is_published() -> None:
    pattern = re.compile("BEGIN " + ".*PRIVATE" + " KEY")
    for path in VECTORS.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            assert not pattern.search(path.read_text(encoding="utf-8")), path


def test_the_published_keys_are_the_ones_in_the_jwk_files() -> None:
    keys = _generator().make_keys()
    assert keys.c1.kid == "1IG2tMH7J2wbJZnOf8LJzQitKf7LMvoAElsuDMVM54Y"  # claim-format.md §6
    private = loads_strict(_read("keys/private-test-keys.json"))
    assert "PUBLISHED TEST KEYS" in private["warning"]
    for name, entry in private["keys"].items():
        jwk = loads_strict(_read(f"keys/{name}.jwk.json"))
        assert PublicKey.from_jwk(jwk).kid == entry["kid"]
