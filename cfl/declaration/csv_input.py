"""Naming the outputs of a product-list CSV after one of its columns (``--name-by``)."""

from __future__ import annotations

import re

#: A file name made from a cell keeps these characters; others become "_".
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME_CHARS = 120


def file_name(value: str) -> str:
    """A cell made into a file name stem: unsafe characters become "_", at most
    :data:`MAX_NAME_CHARS` characters, never hidden or empty."""
    name = _UNSAFE_NAME.sub("_", value.strip()).strip("._")[:MAX_NAME_CHARS]
    return name or "_"
