"""What every command shows, and how: notes, warnings, per-item lines, totals, progress and
colour, one place for the conventions of ``--quiet``, ``--summary``, ``--format`` and
``NO_COLOR``, and for what an interrupted command says.

A command takes its :class:`Ui` with :func:`ui` and prints through it:

- :meth:`Ui.result`: the command's answer (the JSON document, a report): always printed;
- :meth:`Ui.item`: one line per item of several (a file validated, a bundle signed):
  left out by ``--summary`` and ``--quiet``;
- :meth:`Ui.total`: the totals line: left out by ``--quiet`` only;
- :meth:`Ui.note`: what was written, where (standard error): left out by ``--quiet``;
- :meth:`Ui.warn`: a warning (standard error): always printed, and loud when it matters.

A progress bar is drawn on standard error for more than :data:`PROGRESS_MIN_ITEMS` items,
only on a terminal, never with ``--quiet`` or ``--format json``. Colour is used only on a
terminal, never when ``NO_COLOR`` is set (https://no-color.org) or ``TERM=dumb``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, TextIO

import click

#: A command processing more items than this shows a progress bar (on a terminal).
PROGRESS_MIN_ITEMS = 8

#: Colours of the words a report leads with.
STATUS_COLOURS = {
    "PASSED": "green", "FAILED": "red", "INDETERMINATE": "yellow", "NOT_CHECKED": "cyan",
    "valid": "green", "invalid": "red",
}


def colour_allowed(stream: IO[Any]) -> bool:
    """True when ``stream`` is a terminal and neither ``NO_COLOR`` nor ``TERM=dumb`` says no."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def stderr_is_terminal() -> bool:
    """True when standard error is a terminal (progress bars are drawn only then)."""
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


@dataclass
class Ui:
    """The output settings of one command run (kept in the click context's ``obj``)."""

    quiet: bool = False
    summary: bool = False
    output_format: str = "text"
    #: Says how far an interrupted command got and how to go on (set by batch commands).
    interrupted: Callable[[], str] | None = None

    # -- what goes where

    def result(self, text: str, *, nl: bool = True) -> None:
        """The command's answer on standard output (JSON or a report): always printed."""
        click.echo(text, nl=nl)

    def item(self, text: str) -> None:
        """One line per item on standard output, unless ``--summary`` or ``--quiet``."""
        if not (self.quiet or self.summary):
            click.echo(self.coloured(text, sys.stdout), color=colour_allowed(sys.stdout))

    def total(self, text: str) -> None:
        """The totals line on standard output, unless ``--quiet``."""
        if not self.quiet:
            click.echo(self.coloured(text, sys.stdout), color=colour_allowed(sys.stdout))

    def note(self, text: str) -> None:
        """What was done (standard error), unless ``--quiet``."""
        if not self.quiet:
            click.echo(text, err=True)

    def warn(self, text: str, *, loud: bool = False) -> None:
        """A warning on standard error, always printed; ``loud`` frames it so that it is
        not lost in the output of a long run."""
        colour = colour_allowed(sys.stderr)
        label = click.style("warning:", fg="yellow", bold=True)
        if not loud:
            click.echo(f"{label} {text}", err=True, color=colour)
            return
        rule = "!" * 72
        click.echo(click.style(rule, fg="yellow"), err=True, color=colour)
        click.echo(f"{label} {text}", err=True, color=colour)
        click.echo(click.style(rule, fg="yellow"), err=True, color=colour)

    # -- colour

    @staticmethod
    def coloured(text: str, stream: TextIO) -> str:
        """``text`` with a leading status word (PASSED, FAILED, valid …) coloured, when the
        stream takes colour; unchanged otherwise."""
        if not colour_allowed(stream):
            return text
        return colour_status_words(text)

    # -- progress

    @contextlib.contextmanager
    def progress(self, length: int, label: str) -> Iterator[Callable[[int], None]]:
        """A function advancing a progress bar by ``n`` items; the bar is drawn only on a
        terminal, for more than a few items, and never with ``--quiet`` or JSON output."""
        if (length <= PROGRESS_MIN_ITEMS or self.quiet or self.output_format == "json"
                or not stderr_is_terminal()):
            yield lambda n: None
            return
        with click.progressbar(length=length, label=label, file=sys.stderr,
                               show_pos=True) as bar:
            yield bar.update


def colour_status_words(text: str) -> str:
    """Colour every line's leading status word (and a ``: valid``/``: invalid`` verdict)."""
    lines = []
    for line in text.split("\n"):
        word = line.split(" ", 1)[0].rstrip(":")
        colour = STATUS_COLOURS.get(word)
        if colour is not None:
            line = click.style(line[:len(word)], fg=colour, bold=True) + line[len(word):]
        lines.append(line)
    return "\n".join(lines)


def ui(ctx: click.Context | None = None) -> Ui:
    """The :class:`Ui` of the running command (made on first use)."""
    context = ctx or click.get_current_context()
    found = context.find_object(Ui)
    if found is None:
        found = Ui()
        context.find_root().obj = found
    return found


def _store(attribute: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value:
            setattr(ui(ctx), attribute, value)
        return value

    return callback


def quiet_option() -> click.Option:
    """``-q/--quiet``: added to every command by the ``cfl`` group."""
    return click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, is_eager=True,
                        callback=_store("quiet"),
                        help="Print nothing but the result, warnings and errors.")


def summary_option(function: Any) -> Any:
    """``--summary``: for commands that process several items."""
    return click.option("--summary", is_flag=True, expose_value=False, is_eager=True,
                        callback=_store("summary"),
                        help="Print the totals line only, not one line per item.")(function)
