"""The fuzz targets' seeds, keys, budget and tally (fixtures in tests/fuzz/conftest.py).

* :func:`build_world`: ``cfl demo`` run into a folder; its outputs are the seeds, and its keys
  (decrypted with the demo passphrase) re-sign mutated content so the checks behind a
  signature are reached.
* :func:`settings_for`: the Hypothesis settings of a target. The short budget (a few seconds
  a target, derandomized so CI replays the same inputs) runs in every test run; the long
  budget (``--fuzz-long`` or ``CFL_FUZZ_LONG=1``) runs ``CFL_FUZZ_EXAMPLES`` inputs a target
  (default 100,000) from a fresh random seed.
* :data:`TALLY`: the inputs each target ran and what they came to; printed at the end of a
  run, and appended as JSON lines to ``$CFL_FUZZ_REPORT`` when that is set.
"""

from __future__ import annotations

import collections
import datetime as dt
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
from click.testing import CliRunner
from fuzz_mutations import dump_json, flatten_for_csv
from hypothesis import HealthCheck, Phase, settings

from cfl.bundle.sign import sign_bundle
from cfl.cli.main import cli
from cfl.io.jsonio import load_json_file, loads_strict
from cfl.io.resources import data_dir, read_data_bytes
from cfl.io.yamlio import loads_yaml
from cfl.signing.b64url import b64url_decode
from cfl.signing.jws import bundle_to_bytes
from cfl.signing.keys import LocalSigner, load_signer
from cfl.trust.context import TrustContext, build_trust_context
from cfl.trust.revocation import revoke

#: When the demo is made, and when its outputs are verified (within every validity window).
DEMO_AT = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
VERIFY_AT = dt.datetime(2026, 4, 10, tzinfo=dt.UTC)

#: Inputs per target in the short budget: about two to four seconds each on one core of the
#: reference machine (slow decoders run fewer).
SHORT_EXAMPLES = {
    "declaration": 120, "friendly": 120, "csv": 40, "bundle": 150, "qr_text": 150,
    "cose": 200, "label_pdf": 40, "image": 20, "trust_list": 150, "revocation_list": 150,
    "rule_set": 40, "mapping": 40, "template": 25, "register": 60, "status_list": 150,
}
DEFAULT_LONG_EXAMPLES = 100_000


def long_budget(option: bool) -> bool:
    """True for the long budget: ``--fuzz-long`` given, or ``CFL_FUZZ_LONG`` set (not 0)."""
    return option or os.environ.get("CFL_FUZZ_LONG", "") not in ("", "0")


def settings_for(target: str, *, long: bool) -> settings:
    """The Hypothesis settings of ``target`` for the budget of this run."""
    examples = int(os.environ.get("CFL_FUZZ_EXAMPLES", DEFAULT_LONG_EXAMPLES))
    return settings(
        max_examples=examples if long else SHORT_EXAMPLES[target],
        deadline=None, derandomize=not long, database=None, print_blob=long,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck))


@dataclass
class FuzzTally:
    """Inputs run per target, and what each came to (a report's bottom line, an error code)."""

    runs: collections.Counter[str] = field(default_factory=collections.Counter)
    outcomes: dict[str, collections.Counter[str]] = field(
        default_factory=lambda: collections.defaultdict(collections.Counter))

    def record(self, target: str, outcome: str) -> None:
        self.runs[target] += 1
        self.outcomes[target][outcome] += 1


TALLY = FuzzTally()


@dataclass(frozen=True)
class FuzzWorld:
    """The demo's outputs as seeds, and the demo's keys."""

    root: Path
    operator: LocalSigner
    certifier: LocalSigner
    trust_list: bytes
    revocations: bytes
    revocations_with_entry: bytes
    bundles: tuple[bytes, ...]
    declarations: tuple[bytes, ...]
    friendly_inputs: tuple[bytes, ...]
    csv: bytes
    labels: tuple[bytes, ...]
    images: tuple[bytes, ...]
    claims: tuple[bytes, ...]
    rule_sets: tuple[tuple[str, bytes], ...]
    mappings: tuple[tuple[str, bytes], ...]
    templates: tuple[bytes, ...]
    #: The demo certifier's status list (its claims are format 2).
    status_lists: tuple[bytes, ...] = ()

    def context(self, *, revocations: tuple[bytes, ...] | None = None,
                trust_list: bytes | None = None) -> TrustContext:
        """The trust a verifier of the demo has at :data:`VERIFY_AT`."""
        return build_trust_context(
            self.trust_list if trust_list is None else trust_list,
            anchor=self.operator.public_key, at=VERIFY_AT,
            revocations=(self.revocations,) if revocations is None else revocations,
            status_lists=self.status_lists)


def _png(pdf: bytes, *, dpi: int = 150, jpeg: bool = False) -> bytes:
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG" if jpeg else "PNG", quality=85)
    return out.getvalue()


def _csv_from_inputs(inputs: list[bytes]) -> bytes:
    rows = [row for row in (flatten_for_csv(loads_yaml(data)) for data in inputs) if row]
    header = sorted({key for row in rows for key in row})
    lines = [",".join(header)]
    for row in rows:
        lines.append(",".join(_csv_cell(row.get(key, "")) for key in header))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def build_world(root: Path) -> FuzzWorld:
    """Run ``cfl demo`` into ``root`` and gather its outputs and keys."""
    result = CliRunner().invoke(cli, ["demo", str(root), "--at", DEMO_AT.isoformat()],
                                env={"CFL_KEY_PASSPHRASE": None})
    # the demo's own verdicts are tests/cli/test_demo.py's business: here, its files are seeds
    assert result.exit_code in (0, 1) and (root / "trust" / "trust-list.json").is_file(), \
        result.output
    passphrase = (root / "keys" / "demo-passphrase.txt").read_text("utf-8").strip().encode()
    operator = load_signer(root / "keys" / "operator", passphrase)
    certifier = load_signer(root / "keys" / "certifier", passphrase)

    def files(folder: str, pattern: str) -> list[Path]:
        return sorted((root / folder).glob(pattern))

    bundles = [path.read_bytes() for path in files("bundles", "*.json")]
    first = loads_strict(bundles[0])
    revoked = bundle_to_bytes(revoke(None, certifier, declaration_id=first["declaration"]["id"],
                                     reason="fuzz seed", at=DEMO_AT))
    inputs = [path.read_bytes() for path in files("inputs", "*.yaml")]
    friendly = inputs + [dump_json(loads_yaml(data), ascii_only=i % 2 == 1)
                         for i, data in enumerate(inputs)]
    label_paths = files("labels", "*.pdf")
    stickers = [path.read_bytes() for path in label_paths if "sticker" in path.name]
    standards = [path.read_bytes() for path in label_paths if "standard" in path.name]
    images = (_png(stickers[0]), _png(standards[0], dpi=100), _png(stickers[1], jpeg=True))
    # the demo issues format-2 claims; two of its graded declarations signed again without a
    # status index give format-1 seeds (claims and a bundle), which must keep verifying
    graded = [load_json_file(path) for path in files("graded", "*.json")[:2]]
    format_1 = [bundle_to_bytes(sign_bundle(declaration, certifier, role="certifier",
                                            at=DEMO_AT)) for declaration in graded]
    bundles.append(format_1[0])
    claims = []
    for data in [*bundles, format_1[1]]:
        header = loads_strict(data)["signatures"][0].get("header", {})
        if "cfl.claim" in header:
            claims.append(b64url_decode(header["cfl.claim"]))
    shipped = data_dir("rulesets")
    rule_sets = tuple((f"rulesets/{p.name}", p.read_bytes()) for p in
                      sorted(shipped.iterdir(), key=lambda p: p.name) if p.name.endswith(".yaml"))
    mappings = tuple((f"rulesets/mappings/{p.name}", p.read_bytes()) for p in
                     sorted(shipped.joinpath("mappings").iterdir(), key=lambda p: p.name)
                     if p.name.endswith(".yaml"))
    templates = tuple(read_data_bytes("templates", name) for name in
                      ("sticker.yaml", "standard.yaml", "sheet.yaml"))
    declarations = [path.read_bytes() for path in files("declarations", "*.json")]
    declarations += [path.read_bytes() for path in files("graded", "*.json")]
    return FuzzWorld(
        root=root, operator=operator, certifier=certifier,
        trust_list=(root / "trust" / "trust-list.json").read_bytes(),
        revocations=(root / "trust" / "revocations.json").read_bytes(),
        revocations_with_entry=revoked, bundles=tuple(bundles),
        declarations=tuple(declarations), friendly_inputs=tuple(friendly),
        csv=_csv_from_inputs(inputs), labels=tuple(p.read_bytes() for p in label_paths),
        images=images, claims=tuple(claims), rule_sets=rule_sets, mappings=mappings,
        templates=templates, status_lists=((root / "trust" / "status-list.json").read_bytes(),))
