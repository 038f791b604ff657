"""SIGTERM as an interruption: the same clean-up paths as Ctrl-C (ADR 0128).

A process ended by SIGTERM's default action runs no Python code: a temporary file being
written (``.NAME.tmp``), a scratch folder or a worker pool is left as it was. While
:func:`terminate_as_interrupt` is active, SIGTERM raises :class:`Terminated` (a
``KeyboardInterrupt``) wherever the process is, so every ``finally`` and every clean-up of
an interruption runs, and the command line says what was done and exits 143.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType

#: The exit status of a command stopped by SIGTERM (128 + 15).
EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived while :func:`terminate_as_interrupt` was active."""


#: The process that installed the handlers below; a worker forked from it inherits them
#: until its own initializer replaces them.
_owner_pid: int | None = None


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    if os.getpid() != _owner_pid:  # a worker forked before it set its own handlers
        os._exit(EXIT_TERMINATED)
    raise Terminated


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    if os.getpid() != _owner_pid:  # the same, for Ctrl-C sent to the whole process group
        os._exit(128 + signal.SIGINT)
    raise KeyboardInterrupt


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated`; the handler before is put back
    after it. Only in the main thread (where Python runs signal handlers), and only if
    SIGTERM still has its default action (a handler the application set is left alone).

    A worker process forked inside the block inherits these handlers until its initializer
    sets its own (:func:`exit_quietly_on_terminate`); a signal in that window ends the
    worker at once, with nothing to clean up and no traceback, instead of raising inside
    the pool's start-up code."""
    global _owner_pid
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return
    _owner_pid = os.getpid()
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    previous_int = signal.getsignal(signal.SIGINT)
    if previous_int is signal.default_int_handler:
        signal.signal(signal.SIGINT, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        if previous_int is signal.default_int_handler:
            signal.signal(signal.SIGINT, previous_int)


#: The signals :func:`signals_held` holds back.
_HELD = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Within the block SIGINT and SIGTERM are only noted, and raised again when it ends (to
    the handlers before). Meant around forking workers: a signal whose handler raises while
    Python runs its at-fork handlers is raised inside them, where Python reports and drops
    it (a Ctrl-C lost, the batch running on). A child forked in the block ends at once on
    such a signal until its initializer sets its own handlers. Main thread only (where
    Python runs signal handlers); elsewhere nothing is held."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    owner, arrived = os.getpid(), list[int]()

    def note(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != owner:  # a worker forked in the block, before its initializer
            os._exit(128 + signum)
        arrived.append(signum)

    previous = {signum: signal.signal(signum, note) for signum in _HELD}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for pending in dict.fromkeys(arrived):
            signal.raise_signal(pending)


def exit_quietly_on_terminate() -> None:
    """In a worker process: SIGINT is ignored (the parent stops the batch) and SIGTERM, which
    the parent's pool sends to stop its workers, raises ``SystemExit`` where the worker is,
    so a file it is writing is removed on the way out (no traceback is printed)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_worker)


def _exit_worker(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(EXIT_TERMINATED)
