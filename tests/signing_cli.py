"""A scheme built on disk through the CLI (keys, trust list, bundle, revocations) for CLI tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner, Result

from cfl.cli.main import cli

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "declarations" / "battery-pack.json"
PASSPHRASE = "pass phrase 1"
SIGNED = "2026-03-10T00:00:00Z"
AT = "2026-04-10T00:00:00Z"
ENV = {"CFL_KEY_PASSPHRASE": PASSPHRASE}
#: The scheme's resolver: the placeholder the labels carry unless told otherwise.
RESOLVER = "HTTPS://CFL.EXAMPLE/V/"


def run(*args: str | Path, env: dict[str, str] | None = None, input: str | None = None
        ) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env=env or ENV, input=input,
                              catch_exceptions=False)


@dataclass(frozen=True)
class Scheme:
    root: Path
    operator: Path
    certifier: Path
    trust_list: Path
    bundle: Path
    revocations: Path
    store: Path
    #: The certifier's status list (its claims are format 2): written with the revocations.
    status_list: Path | None = None

    def verify(self, *extra: str | Path, bundle: Path | None = None) -> Result:
        lists = ("--status-list", self.status_list) if self.status_list is not None else ()
        return run("verify", bundle or self.bundle, "--trust", self.trust_list, "--anchor",
                   self.operator / "public.jwk.json", "--revocations", self.revocations,
                   *lists, "--trust-store", self.store, "--at", AT, *extra)


def make_scheme(tmp_path: Path) -> Scheme:
    operator, certifier = tmp_path / "operator", tmp_path / "certifier"
    assert run("keys", "generate", "-o", operator).exit_code == 0
    assert run("keys", "generate", "--alg", "es256", "-o", certifier).exit_code == 0
    draft, signed = tmp_path / "list.json", tmp_path / "list.signed.json"
    assert run("trust", "init", "-o", draft, "--name", "Operator", "--expires",
               "2026-12-31T00:00:00Z", "--resolver", RESOLVER, "--at", SIGNED).exit_code == 0
    result = run("trust", "add", draft, "--public-key", certifier / "public.jwk.json", "--name",
                 "Cert Body", "--accreditation", "CNAS:CNAS-C123", "--scope",
                 "lithium-ion-battery,pv-module", "--valid-from", "2026-01-01T00:00:00Z",
                 "--valid-until", "2027-01-01T00:00:00Z")
    assert result.exit_code == 0, result.output
    assert run("trust", "sign", draft, "--key", operator, "-o", signed, "--at",
               SIGNED).exit_code == 0
    bundle = tmp_path / "bundle.json"
    result = run("sign", FIXTURE, "--key", certifier, "--role", "certifier", "-o", bundle,
                 "--at", SIGNED)
    assert result.exit_code == 0, result.output
    revocations, status_list = tmp_path / "revocations.json", tmp_path / "status-list.json"
    assert run("revoke", "--key", certifier, "-o", revocations, "--status-list", status_list,
               "--at", SIGNED).exit_code == 0
    return Scheme(tmp_path, operator, certifier, signed, bundle, revocations, tmp_path / "store",
                  status_list)


