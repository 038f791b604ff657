"""No dependency error ever reaches the user: every command that reads a user file is fed
junk (random bytes, and truncated or mutated copies of real inputs made by `cfl demo`) and
must end with a documented exit status, a SystemExit, no traceback and no temporary or
partial output file.

The demo is built once for the module; each example runs in a fresh folder.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cfl.cli.main import cli

AT = "2026-04-10T00:00:00Z"
#: Exit statuses a command may end with on junk: 0 (a mutation that stayed valid), 1, 2.
USUAL = frozenset({0, 1, 2})
#: verify and check also have 3 (INDETERMINATE, not recognised).
WITH_INDETERMINATE = USUAL | {3}

#: A friendly CSV input (one product per row) for `cfl declare`.
PRODUCTS_CSV = (
    "company.name,company.ids,product.names.en,product.category,product.ids,declaredUnit.unit,"
    "productMassPerDeclaredUnit,referencePeriod.start,referencePeriod.end,boundary,ruleSet,"
    "gwpReport,pcf,fossilCarbonContent,exemptedEmissionsPercent\n"
    "Acme,urn:uscc:91350100M000100Y43,Glass,flat-glass,urn:gtin:06901234567892,kilogram,1,"
    "2025-01-01T00:00:00Z,2026-01-01T00:00:00Z,cradle-to-gate,gbt-24067-2024,AR6,1.2,0,0\n"
)

FUZZ = settings(max_examples=12, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


@dataclass(frozen=True)
class Demo:
    root: Path

    @property
    def operator(self) -> Path:
        return self.root / "keys" / "operator"

    @property
    def certifier(self) -> Path:
        return self.root / "keys" / "certifier"

    @property
    def passphrase(self) -> Path:
        return self.root / "keys" / "demo-passphrase.txt"

    @property
    def trust_list(self) -> Path:
        return self.root / "trust" / "trust-list.json"

    @property
    def revocations(self) -> Path:
        return self.root / "trust" / "revocations.json"

    def file(self, relative: str) -> Path:
        return self.root / relative


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    root = tmp_path_factory.mktemp("fuzz") / "demo"
    runner = CliRunner()
    result = runner.invoke(cli, ["demo", str(root), "--at", "2026-03-01T00:00:00Z"],
                           env={"CFL_KEY_PASSPHRASE": None})
    assert result.exit_code == 0, result.output
    made = Demo(root)
    # seeds the demo does not write itself: a plain PACT footprint, a label scan, a CSV
    export = runner.invoke(cli, ["export", "pact", str(made.file("declarations/steel.json")),
                                 "-o", str(root / "pact.json")])
    assert export.exit_code == 0, export.output
    pdf = made.file("labels/steel-sticker.pdf").read_bytes()
    image = pdfium.PdfDocument(pdf)[0].render(scale=150 / 72).to_pil()
    png = io.BytesIO()
    image.save(png, format="PNG")
    (root / "scan.png").write_bytes(png.getvalue())
    (root / "products.csv").write_text(PRODUCTS_CSV, encoding="utf-8")
    (root / "batch.csv").write_text(f"bundle\n{made.file('bundles/steel.json')}\n",
                                    encoding="utf-8")
    return made


def junk(seed: bytes) -> st.SearchStrategy[bytes]:
    """Random bytes, a truncated seed, or a seed with a few bytes changed."""
    truncated = st.integers(0, max(len(seed) - 1, 0)).map(lambda n: seed[:n])

    def mutate(edits: list[tuple[int, int]]) -> bytes:
        data = bytearray(seed)
        for position, value in edits:
            data[position % len(data)] = value
        return bytes(data)

    mutated = st.lists(st.tuples(st.integers(0, 1 << 30), st.integers(0, 255)),
                       min_size=1, max_size=8).map(mutate)
    return st.one_of(st.binary(max_size=256), truncated, mutated)


#: An argument list: ``{junk}`` is the junk file, ``{out}`` an output path in the folder,
#: ``{demo}`` the demo folder.
@dataclass(frozen=True)
class Case:
    name: str
    seed: str  # a file under the demo folder
    args: tuple[str, ...]
    codes: frozenset[int] = USUAL
    suffix: str = ""
    in_place: bool = False  # the command rewrites the junk file itself
    many: bool = False  # one output per row or bundle: the good ones are written


    def argv(self, demo: Demo, junk_file: Path, out: Path) -> list[str]:
        passphrase = str(demo.passphrase)
        trust_copy = junk_file.parent / "trust-list.json"
        return [a.format(junk=junk_file, out=out, demo=demo.root, passphrase=passphrase,
                         list=trust_copy) for a in self.args]


VERIFY_TAIL = ("--trust", "{demo}/trust/trust-list.json", "--anchor",
               "{demo}/keys/operator/public.jwk.json", "--revocations",
               "{demo}/trust/revocations.json", "--at", AT)

CASES = [
    Case("declare yaml", "inputs/steel.yaml", ("declare", "{junk}", "-o", "{out}", "--at", AT),
         suffix=".yaml"),
    Case("declare json", "inputs/steel.yaml", ("declare", "{junk}", "-o", "{out}", "--at", AT),
         suffix=".json"),
    Case("declare csv", "products.csv", ("declare", "{junk}", "-o", "{out}/", "--at", AT),
         suffix=".csv", many=True),
    Case("validate declaration", "declarations/steel.json", ("validate", "{junk}")),
    Case("validate bundle", "bundles/steel.json", ("validate", "{junk}")),
    Case("import pact", "pact.json", ("import", "pact", "{junk}", "-o", "{out}")),
    Case("export pact", "declarations/steel.json", ("export", "pact", "{junk}", "-o", "{out}")),
    Case("sign", "declarations/steel.json",
         ("sign", "{junk}", "--key", "{demo}/keys/certifier", "--role", "certifier",
          "--passphrase-file", "{passphrase}", "-o", "{out}", "--at", AT)),
    Case("sign with a junk key", "keys/certifier/private.pem",
         ("sign", "{demo}/declarations/steel.json", "--key", "{junk}", "--passphrase-file",
          "{passphrase}", "-o", "{out}", "--at", AT), suffix=".pem"),
    Case("trust add (list)", "trust/trust-list.json",
         ("trust", "add", "{junk}", "--jwk", "{demo}/keys/certifier/public.jwk.json", "--name",
          "X", "--scope", "steel", "--valid-from", "2026-01-01T00:00:00Z", "--valid-until",
          "2027-01-01T00:00:00Z"), in_place=True),
    Case("trust add (jwk)", "keys/certifier/public.jwk.json",
         ("trust", "add", "{list}", "--jwk", "{junk}", "--name", "X",
          "--scope", "steel", "--valid-from", "2026-01-01T00:00:00Z", "--valid-until",
          "2027-01-01T00:00:00Z"), in_place=False),
    Case("trust sign", "trust/trust-list.json",
         ("trust", "sign", "{junk}", "--key", "{demo}/keys/operator", "--passphrase-file",
          "{passphrase}", "-o", "{out}", "--at", AT)),
    Case("trust show", "trust/trust-list.json", ("trust", "show", "{junk}")),
    Case("revoke", "trust/revocations.json",
         ("revoke", "--key", "{demo}/keys/certifier", "--passphrase-file", "{passphrase}",
          "urn:uuid:00000000-0000-4000-8000-000000000000", "--reason", "test", "--force",
          "--ledger", "{junk}.ledger", "-o", "{junk}", "--at", AT), in_place=True),
    Case("verify bundle", "bundles/steel.json", ("verify", "{junk}", *VERIFY_TAIL),
         WITH_INDETERMINATE),
    Case("verify trust list", "trust/trust-list.json",
         ("verify", "{demo}/bundles/steel.json", "--trust", "{junk}", "--anchor",
          "{demo}/keys/operator/public.jwk.json", "--at", AT), WITH_INDETERMINATE),
    Case("verify revocations", "trust/revocations.json",
         ("verify", "{demo}/bundles/steel.json", "--trust", "{demo}/trust/trust-list.json",
          "--anchor", "{demo}/keys/operator/public.jwk.json", "--revocations", "{junk}",
          "--at", AT), WITH_INDETERMINATE),
    Case("verify anchor", "keys/operator/public.jwk.json",
         ("verify", "{demo}/bundles/steel.json", "--trust", "{demo}/trust/trust-list.json",
          "--anchor", "{junk}", "--at", AT), WITH_INDETERMINATE),
    Case("verify pdf", "labels/steel-sticker.pdf", ("verify", "{junk}", *VERIFY_TAIL),
         WITH_INDETERMINATE, suffix=".pdf"),
    Case("verify image", "scan.png", ("verify", "{junk}", *VERIFY_TAIL), WITH_INDETERMINATE,
         suffix=".png"),
    Case("claim", "bundles/steel.json", ("claim", "{junk}")),
    Case("label", "bundles/steel.json", ("label", "{junk}", "-o", "{out}", "--at", AT)),
    Case("label batch csv", "batch.csv",
         ("label", "--batch", "{junk}", "-o", "{out}/", "--at", AT), suffix=".csv",
         many=True),
    Case("check", "declarations/steel.json", ("check", "{junk}", "--all", "--at", AT),
         WITH_INDETERMINATE),
    Case("check pdf", "labels/steel-sticker.pdf", ("check", "{junk}", "--all", "--at", AT),
         WITH_INDETERMINATE, suffix=".pdf"),
    Case("grade", "declarations/steel.json",
         ("grade", "{junk}", "--rule-set", "gbt-24067-2024", "-o", "{out}", "--at", AT)),
    Case("convert", "declarations/steel.json",
         ("convert", "{junk}", "--gwp", "ar5", "-o", "{out}", "--at", AT)),
    Case("rulesets lint", "", ("rulesets", "lint", "{junk}"), suffix=".yaml"),
    Case("rulesets show --rules", "", ("rulesets", "show", "gbt-24067-2024", "--rules",
                                       "{junk}"), suffix=".yaml"),
    Case("keys show", "keys/certifier/public.jwk.json", ("keys", "show", "{junk}")),
    Case("page build (trust list)", "trust/trust-list.json",
         ("page", "build", "--trust", "{junk}", "--anchor",
          "{demo}/keys/operator/public.jwk.json", "--no-revocations", "--at", AT,
          "-o", "{out}")),
    Case("page build (revocations)", "trust/revocations.json",
         ("page", "build", "--trust", "{demo}/trust/trust-list.json", "--anchor",
          "{demo}/keys/operator/public.jwk.json", "--revocations", "{junk}", "--at", AT,
          "-o", "{out}")),
    Case("page build (anchor)", "keys/operator/public.jwk.json",
         ("page", "build", "--trust", "{demo}/trust/trust-list.json", "--anchor", "{junk}",
          "--no-revocations", "--at", AT, "-o", "{out}")),
]


def shipped_rule_set() -> bytes:
    from cfl.io.resources import read_data_bytes

    return read_data_bytes("rulesets", "gbt-24067-2024.yaml")


def seed_bytes(case: Case, demo: Demo) -> bytes:
    return shipped_rule_set() if not case.seed else demo.file(case.seed).read_bytes()


def leftovers(folder: Path) -> list[str]:
    """Temporary files (``.name.XXXX.tmp``) anywhere below ``folder``."""
    return [p.name for p in folder.rglob("*") if p.name.endswith(".tmp")]


def assert_clean_exit(result: Result, codes: frozenset[int]) -> None:
    assert result.exit_code in codes, result.output
    assert "Traceback" not in result.output, result.output
    if result.exit_code != 0:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    else:
        assert result.exception is None, repr(result.exception)


def run_case(case: Case, demo: Demo, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        junk_file = folder / f"input{case.suffix or Path(case.seed).suffix or '.json'}"
        junk_file.write_bytes(data)
        shutil.copy(demo.trust_list, folder / "trust-list.json")
        out = folder / "out"
        demo_files_before = sorted(p for p in demo.root.rglob("*"))
        result = CliRunner().invoke(cli, case.argv(demo, junk_file, out),
                                    env={"CFL_KEY_PASSPHRASE": None})
        assert_clean_exit(result, case.codes)
        assert not leftovers(folder) and not leftovers(demo.root)
        if result.exit_code != 0 and not case.many:
            assert not out.exists() or (out.is_dir() and not any(out.iterdir())), \
                result.output
            if case.in_place:
                assert junk_file.read_bytes() == data
        assert sorted(p for p in demo.root.rglob("*")) == demo_files_before


# slow: every fuzz example of these loads and lints the whole shipped rule-set library (~0.2 s).
SLOW_CASES = {"rulesets lint", "rulesets show --rules"}


@pytest.mark.parametrize("case", [
    pytest.param(c, id=c.name, marks=pytest.mark.slow if c.name in SLOW_CASES else ())
    for c in CASES])
def test_junk_never_gives_a_traceback(case: Case, demo: Demo) -> None:
    seed = seed_bytes(case, demo)

    @FUZZ
    @given(data=junk(seed))
    @example(data=b"\x00")  # a control character (PyYAML refused it outside the parser)
    def check(data: bytes) -> None:
        run_case(case, demo, data)

    check()


@FUZZ
@given(text=st.one_of(st.text(max_size=200),
                      st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:",
                              max_size=300)))
def test_junk_qr_text_never_gives_a_traceback(text: str, demo: Demo) -> None:
    if "\x00" in text:
        text = text.replace("\x00", "")
    argv = ["verify", "--text", text, "--trust", str(demo.trust_list), "--anchor",
            str(demo.operator / "public.jwk.json"), "--at", AT]
    result = CliRunner().invoke(cli, argv)
    assert_clean_exit(result, WITH_INDETERMINATE)


def mutated_claim_text(demo: Demo) -> Callable[[list[tuple[int, int]]], str]:
    result = CliRunner().invoke(cli, ["claim", str(demo.file("bundles/steel.json"))])
    assert result.exit_code == 0, result.output
    text = result.output.strip()
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

    def mutate(edits: list[tuple[int, int]]) -> str:
        chars = list(text)
        for position, value in edits:
            chars[position % len(chars)] = alphabet[value % len(alphabet)]
        return "".join(chars)

    return mutate


def test_mutated_qr_text_never_gives_a_traceback(demo: Demo) -> None:
    mutate = mutated_claim_text(demo)

    @FUZZ
    @given(edits=st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 63)),
                          min_size=1, max_size=6))
    def check(edits: list[tuple[int, int]]) -> None:
        argv = ["verify", "--text", mutate(edits), "--trust", str(demo.trust_list),
                "--anchor", str(demo.operator / "public.jwk.json"), "--at", AT]
        assert_clean_exit(CliRunner().invoke(cli, argv), WITH_INDETERMINATE)

    check()


def test_a_junk_batch_folder_never_gives_a_traceback(demo: Demo) -> None:
    """A batch folder holding one good bundle and one junk file."""
    seed = demo.file("bundles/steel.json").read_bytes()

    @FUZZ
    @given(data=junk(seed))
    def check(data: bytes) -> None:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            batch = folder / "batch"
            batch.mkdir()
            shutil.copy(demo.file("bundles/cement.json"), batch / "cement.json")
            (batch / "junk.json").write_bytes(data)
            out = folder / "labels"
            result = CliRunner().invoke(cli, ["label", "--batch", str(batch), "-o",
                                              f"{out}/", "--at", AT])
            assert_clean_exit(result, USUAL)
            assert not leftovers(folder)

    check()
