"""``--rules PATH`` (and ``$CFL_RULES``): rule sets and mappings of the user's own.

Shared by ``cfl check``, ``grade``, ``convert`` and ``rulesets list|show``. The files are
linted (any error: exit 1 naming every error's file and line, nothing checked) and merged
with the shipped ones; a replaced shipped rule set or mapping gets a note on stderr.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from cfl.recognition.rules import RuleRegistry
from cfl.recognition.user_rules import RULES_ENV, load_rules

F = TypeVar("F", bound=Callable[..., Any])


def rules_option(function: F) -> F:
    """``--rules PATH``, repeatable: a rule set or mapping .yaml, or a folder of them."""
    return click.option(
        "--rules", "rules", multiple=True, metavar="PATH",
        type=click.Path(exists=True, path_type=str, allow_dash=False),
        help="Your own rule set or mapping (.yaml), or a folder of rule sets with a "
        f"mappings/ subfolder; repeatable. Also read from ${RULES_ENV} (paths separated "
        f"by {os.pathsep!r}). A rule set with a shipped id replaces the shipped one.",
    )(function)


def registry_for(rules: Sequence[str]) -> RuleRegistry:
    """The shipped rules merged with ``--rules`` and ``$CFL_RULES`` (notes on stderr)."""
    loaded = load_rules(rules)
    for note in loaded.notes:
        click.echo(f"note: {note}", err=True)
    return loaded.registry
