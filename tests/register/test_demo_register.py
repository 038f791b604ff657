"""The demo prints the two commands that disclose its bundles in a register; run as
printed (on a free port), the demo's labels resolve to it on loopback."""

from __future__ import annotations

import re
import shlex
import subprocess
import time
from pathlib import Path

import httpx
from click.testing import CliRunner
from register_world import CLI, free_port

from cfl.bundle.claim import claim_in_bundle
from cfl.bundle.model import parse_bundle
from cfl.cli.main import cli


def test_the_demo_register_commands_work_as_printed(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", str(demo)])
    assert result.exit_code == 0, result.output
    serve = re.search(r"^\s+(cfl serve .*)$", result.stdout, re.M)
    publish = re.search(r"^\s+(cfl publish .*)$", result.stdout, re.M)
    assert serve is not None and publish is not None, result.stdout
    port = free_port()
    log = tmp_path / "serve.log"
    process = subprocess.Popen([*CLI, *shlex.split(serve.group(1))[1:], "--port", str(port)],
                               stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        args = shlex.split(publish.group(1).replace("http://127.0.0.1:8000", base))[1:]
        published = CliRunner().invoke(cli, args)
        assert published.exit_code == 0, published.output
        bundles = sorted((demo / "bundles").glob("*.json"))
        assert published.stdout.count("created") == len(bundles)
        for path in bundles:
            claim = claim_in_bundle(parse_bundle(path.read_bytes()))
            digits = claim.to_text().rsplit("/", 1)[1]
            assert httpx.get(f"{base}/V/{digits}").status_code == 200
            served = httpx.get(f"{base}/api/bundles/{claim.claim.digest.hex()}")
            assert served.content == path.read_bytes()
    finally:
        process.terminate()
        process.wait(20)
