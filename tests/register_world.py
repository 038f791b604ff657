"""A register's world for the register tests: keys, a trust list current *now* (the server
reads the real clock), signed bundles of distinct declarations, revocation lists, and a
running ``cfl serve`` (a real uvicorn process on 127.0.0.1, HTTPS with a throwaway
certificate, or plain HTTP).

PostgreSQL: ``CFL_TEST_POSTGRES_URL`` names a server the tests may create databases on;
without it the PostgreSQL variants skip, unless ``CFL_REQUIRE_POSTGRES=1`` (CI) makes that a
failure.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import os
import secrets
import socket
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cfl.bundle.sign import sign_bundle
from cfl.claim.text import DEFAULT_RESOLVER
from cfl.declaration.identifiers import gtin_check_digit
from cfl.io.jsonio import load_json_file
from cfl.signing.jws import bundle_to_bytes
from cfl.signing.keys import LocalSigner
from cfl.timeutil import format_time
from cfl.trust.revocation import revoke
from cfl.trust.trust_list import Accreditation, add_trust_entry, new_trust_list, sign_trust_list

TESTS = Path(__file__).resolve().parent
FIXTURE = TESTS / "fixtures" / "declarations" / "battery-pack.json"
POSTGRES_VARIABLE = "CFL_TEST_POSTGRES_URL"
#: The passphrase of the registers' log keys (created on first start).
LOG_PASSPHRASE = "register log key passphrase"
LOG_ENV = {"CFL_KEY_PASSPHRASE": LOG_PASSPHRASE}
CLASSIFICATION = "urn:pact:productclassification:hs:850760"
COMPANY_ID = "urn:uscc:91350100M000100Y43"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def gtin(n: int) -> str:
    body = f"690123{n:06d}"
    return f"urn:gtin:0{body}{gtin_check_digit('0' + body)}"


def declaration(n: int, *, at: dt.datetime, **changes: Any) -> dict[str, Any]:
    """A battery-pack declaration valid around ``at``, with its own id and product id."""
    value = load_json_file(FIXTURE)
    assert isinstance(value, dict)
    value["id"] = str(uuid.UUID(int=secrets.randbits(128), version=4))
    value["productIds"] = [gtin(n)]
    value["created"] = format_time(at - dt.timedelta(days=20))
    value["validityPeriodStart"] = format_time(at - dt.timedelta(days=10))
    value["validityPeriodEnd"] = format_time(at + dt.timedelta(days=700))
    value["pcf"]["referencePeriodStart"] = format_time(at - dt.timedelta(days=400))
    value["pcf"]["referencePeriodEnd"] = format_time(at - dt.timedelta(days=35))
    value["extensions"][0]["data"]["productNames"]["en"] = f"LFP battery pack {n}"
    value.update(changes)
    return value


@dataclass
class RegisterWorld:
    folder: Path
    at: dt.datetime
    operator: LocalSigner
    certifier: LocalSigner
    cement_certifier: LocalSigner
    stranger: LocalSigner
    trust_list: Path
    anchor: Path
    revocations: Path
    bundles: list[Path] = field(default_factory=list)
    declarations: list[dict[str, Any]] = field(default_factory=list)

    def sign(self, document: dict[str, Any], signer: LocalSigner | None = None) -> bytes:
        return bundle_to_bytes(sign_bundle(document, signer or self.certifier,
                                           role="certifier", at=self.at - dt.timedelta(hours=1)))

    def new_bundle(self, n: int, **changes: Any) -> tuple[dict[str, Any], bytes]:
        document = declaration(n, at=self.at, **changes)
        return document, self.sign(document)

    def revocation_list(self, *declaration_ids: str) -> bytes:
        """The certifier's list revoking ``declaration_ids`` (a new version each call)."""
        data: bytes | None = self.revocations.read_bytes()
        for declaration_id in declaration_ids:
            data = bundle_to_bytes(revoke(data, self.certifier, declaration_id=declaration_id,
                                          reason="test revocation", at=self.at))
        if not declaration_ids:
            data = bundle_to_bytes(revoke(data, self.certifier, declaration_id=None,
                                          reason=None, at=self.at))
        assert data is not None
        return data

    def trust_list_expiring(self, expires: dt.datetime, issued: dt.datetime,
                            version: int) -> bytes:
        document = json.loads(self.trust_list.read_bytes())
        document["signatures"] = []
        return bundle_to_bytes(sign_trust_list(document, self.operator, at=issued,
                                               version=version, expires=expires))


def make_world(folder: Path, *, count: int = 3) -> RegisterWorld:
    at = now()
    folder.mkdir(parents=True, exist_ok=True)
    operator, certifier = LocalSigner.generate("EdDSA"), LocalSigner.generate("EdDSA")
    cement, stranger = LocalSigner.generate("EdDSA"), LocalSigner.generate("EdDSA")
    document = new_trust_list("Register test operator", expires=at + dt.timedelta(days=400),
                              at=at - dt.timedelta(hours=2), resolver=DEFAULT_RESOLVER)
    for signer, name, categories in ((certifier, "Battery CB", ["lithium-ion-battery"]),
                                     (cement, "Cement CB", ["cement"])):
        document = add_trust_entry(document, signer.public_key, name=name,
                                   accreditation=Accreditation("CNAS", f"CNAS-{name[:3]}"),
                                   categories=categories, valid_from=at - dt.timedelta(days=30),
                                   valid_until=at + dt.timedelta(days=1000))
    trust_list = folder / "trust-list.json"
    trust_list.write_bytes(bundle_to_bytes(sign_trust_list(document, operator,
                                                           at=at - dt.timedelta(hours=2))))
    anchor = folder / "operator.public.jwk.json"
    anchor.write_text(json.dumps(operator.public_key.jwk))
    revocations = folder / "revocations.json"
    revocations.write_bytes(bundle_to_bytes(revoke(None, certifier, declaration_id=None,
                                                   reason=None, at=at - dt.timedelta(hours=2))))
    world = RegisterWorld(folder, at, operator, certifier, cement, stranger, trust_list,
                          anchor, revocations)
    bundles = folder / "bundles"
    bundles.mkdir(exist_ok=True)
    for n in range(count):
        document, data = world.new_bundle(n)
        path = bundles / f"battery-{n}.json"
        path.write_bytes(data)
        world.bundles.append(path)
        world.declarations.append(document)
    return world


# --------------------------------------------------------------------------- PostgreSQL


def postgres_server_url() -> str:
    url = os.environ.get(POSTGRES_VARIABLE)
    if url:
        return url
    reason = f"no PostgreSQL server for the tests ({POSTGRES_VARIABLE} is not set)"
    if os.environ.get("CFL_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason}, and CFL_REQUIRE_POSTGRES=1 requires it")
    pytest.skip(f"{reason}; .ci/run starts one")


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server (dropped afterwards); its URL."""
    import psycopg

    name = f"cfl_test_{secrets.token_hex(6)}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    base, _, _ = server_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(server_url, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# --------------------------------------------------------------------------- a server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def throwaway_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (cert.pem, key.pem)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cfl register test")])
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    cert, key_file = folder / "cert.pem", folder / "key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_file.chmod(0o600)
    return cert, key_file


CLI = [sys.executable, "-c", "from cfl.cli.main import main; main()"]


@dataclass
class RunningRegister:
    url: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    database: str | None
    ca: Path | None
    log: Path

    @property
    def verify(self) -> bool | ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca)) if self.ca is not None else True

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, verify=self.verify, timeout=30.0, **kwargs)

    def database_args(self) -> list[str]:
        return ["--db", self.database] if self.database else ["--data", str(self.data_dir)]

    def stop(self, *, kill: bool = False) -> None:
        if self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(15)


def start_register(world: RegisterWorld, folder: Path, *, tls: bool = True,
                   database: str | None = None, extra: list[str] | None = None,
                   data_dir: Path | None = None) -> RunningRegister:
    """``cfl serve`` in its own process on a free port; returns once /healthz answers."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    data = data_dir or folder / "data"
    args = [*CLI, "serve", "--trust", str(world.trust_list), "--anchor", str(world.anchor),
            "--revocations", str(world.revocations), "--port", str(port)]
    args += ["--db", database] if database else ["--data", str(data)]
    ca = None
    if tls:
        ca, key = throwaway_certificate(folder)
        args += ["--tls-cert", str(ca), "--tls-key", str(key)]
    args += extra or []
    log = folder / f"serve-{port}.log"
    process = subprocess.Popen(args, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, env={**os.environ, **LOG_ENV})
    scheme = "https" if tls else "http"
    running = RunningRegister(f"{scheme}://127.0.0.1:{port}", process, data, database, ca, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"cfl serve exited: {log.read_text()[-3000:]}")
        try:
            with running.client() as client:
                if client.get("/healthz").status_code == 200:
                    return running
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    running.stop()
    raise AssertionError(f"cfl serve did not answer: {log.read_text()[-3000:]}")
