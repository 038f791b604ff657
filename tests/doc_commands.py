"""The shell commands of a documentation walk-through, so tests can run them as written."""

from __future__ import annotations

import re
from pathlib import Path


def shell_commands(document: Path, heading: str) -> list[str]:
    """The commands of the first ```sh block after ``heading`` in ``document``: continuation
    lines joined, comments and blank lines dropped."""
    text = document.read_text(encoding="utf-8")
    assert heading in text, f"{document.name} lost its section {heading!r}"
    section = text.split(heading, 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, f"{document.name}: no sh block after {heading!r}"
    joined = block.group(1).replace("\\\n", " ")
    commands = []
    for line in joined.splitlines():
        command = line.split("#", 1)[0].strip()
        if command:
            commands.append(command)
    return commands
