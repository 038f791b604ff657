"""Headless Chromium for the verification page tests (tests/web/).

Chromium is found with ``shutil.which("chromium")``; without it the browser tests skip,
unless ``CFL_REQUIRE_BROWSER=1`` (CI), in which case they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--virtual-time-budget=5000",
)


@dataclass(frozen=True)
class PageResult:
    """What the dumped DOM of a verification page says."""

    state: str | None
    verdict: str | None
    reason: str | None
    rows: tuple[tuple[str, str, str], ...]  # (check, status, code)
    js_error: str | None
    markers: dict[str, str]  # id -> data-result of elements a test injected
    dom: str

    @property
    def first_reason(self) -> str | None:
        """The code of the first row whose status is the bottom line (as the manifest)."""
        return next((code for _, status, code in self.rows if status == self.verdict), None)


class _DomReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.state: str | None = None
        self.verdict: str | None = None
        self.reason: str | None = None
        self.rows: list[tuple[str, str, str]] = []
        self.js_error: str | None = None
        self.markers: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        element_id = values.get("id")
        if element_id == "app":
            self.state = values.get("data-state")
        elif element_id == "verdict":
            self.verdict = values.get("data-verdict")
            self.reason = values.get("data-reason")
        elif element_id == "js-error":
            self.js_error = values.get("data-error", "")
        elif element_id and "data-result" in values:
            self.markers[element_id] = values["data-result"]
        if tag == "li" and "data-code" in values:
            self.rows.append((values.get("data-check", ""), values.get("data-status", ""),
                              values["data-code"]))


def parse_dom(dom: str) -> PageResult:
    reader = _DomReader()
    reader.feed(dom)
    return PageResult(reader.state, reader.verdict, reader.reason, tuple(reader.rows),
                      reader.js_error, reader.markers, dom)


@pytest.fixture(scope="session")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        reason = "Chromium is not installed (shutil.which('chromium') found nothing)"
        if os.environ.get("CFL_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}, and CFL_REQUIRE_BROWSER=1 requires it")
        pytest.skip(f"{reason}; set CFL_REQUIRE_BROWSER=1 to make this a failure")
    return path


Browser = Callable[..., PageResult]


@pytest.fixture()
def browser(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Browser:
    """``browser(url)`` loads ``url`` in headless Chromium and returns the parsed DOM;
    ``browser(url, screenshot=path)`` writes a screenshot instead."""

    def load(url: str, *, screenshot: Path | None = None) -> PageResult:
        profile = tmp_path_factory.mktemp("chromium-profile")
        output = ([f"--screenshot={screenshot}", "--window-size=412,1400"]
                  if screenshot is not None else ["--dump-dom"])
        completed = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *output, url],
            capture_output=True, text=True, timeout=60, check=False,
        )
        assert completed.returncode == 0, completed.stderr[-2000:]
        return parse_dom(completed.stdout)

    return load
