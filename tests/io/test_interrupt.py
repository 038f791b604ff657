"""SIGTERM as an interruption (cfl.io.interrupt), and the temporary file of a stopped writer
(cfl.io.atomic.remove_stale_temporary)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from cfl.io.atomic import lock_file, remove_stale_temporary, temporary_name
from cfl.io.interrupt import Terminated, terminate_as_interrupt


def test_sigterm_raises_terminated_inside_the_block_and_the_default_is_put_back() -> None:
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    with pytest.raises(Terminated), terminate_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # the handler runs between bytecodes
            pass
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert issubclass(Terminated, KeyboardInterrupt)


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_worker_forked_inside_the_block_ends_quietly_before_it_sets_its_handlers(
        signum: int, status: int) -> None:
    """A signal to the whole group can reach a pool worker between the fork and its
    initializer: it used to raise the parent's interruption there ("Exception in
    initializer" and a traceback); the worker now just ends."""
    with terminate_as_interrupt():
        pid = os.fork()
        if pid == 0:  # the worker, still with the parent's handlers
            try:
                os.kill(os.getpid(), signum)
                for _ in range(100_000):
                    pass
            finally:
                os._exit(0)  # reached only if the signal raised instead of ending the worker
        _, wait_status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(wait_status) == status
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_handler_the_application_set_is_left_alone() -> None:
    seen: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    try:
        with terminate_as_interrupt():
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):
                pass
        assert seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_stopped_writers_temporary_file_is_removed_and_a_live_ones_kept(tmp_path: Path
                                                                         ) -> None:
    target = tmp_path / "label.pdf"
    temporary = temporary_name(target)
    temporary.write_bytes(b"%PDF half")
    assert remove_stale_temporary(target) and not temporary.exists()
    assert not remove_stale_temporary(target)  # nothing there
    temporary.write_bytes(b"%PDF being written")
    fd = os.open(temporary, os.O_RDWR)
    try:
        assert lock_file(fd, wait=False)  # a live writer holds it (flock: per open file)
        assert not remove_stale_temporary(target) and temporary.exists()
    finally:
        os.close(fd)


def test_a_signal_held_around_a_fork_arrives_after_it() -> None:
    """SIGINT during a fork used to be raised inside Python's at-fork handlers, which drop
    it (a Ctrl-C lost, the label batch running on); held, it arrives when the block ends."""
    from cfl.io.interrupt import signals_held

    arrived: list[str] = []
    with pytest.raises(KeyboardInterrupt), signals_held():
        os.kill(os.getpid(), signal.SIGINT)
        arrived.append("still in the block")
    assert arrived == ["still in the block"]
