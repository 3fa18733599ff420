"""Ctrl-C and SIGTERM end krq within seconds, with one line and no process left behind.

spaCy's multi-process pipe forks its workers from this process, so they inherit these handlers:
a worker that gets the signal (Ctrl-C reaches the whole process group) leaves at once and
silently, and the main process stops the workers still running before it unwinds. Without
that, spaCy's clean-up joins workers blocked on a pipe nobody reads, and waits forever."""

from __future__ import annotations

import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from kyrgyz_ru.errors import Terminated


class Received:
    """The process that installed the handlers, and the signal it got (None: none, so a
    KeyboardInterrupt was raised in-process, by a test say)."""

    main_pid = os.getpid()
    signal: int | None = None


def _on_signal(number: int, _frame: FrameType | None) -> None:
    if os.getpid() != Received.main_pid:  # a forked worker: its parent reports for it
        os._exit(128 + number)
    Received.signal = number
    multiprocessing = sys.modules.get("multiprocessing")
    if multiprocessing is not None:
        for child in multiprocessing.active_children():
            child.terminate()
        # spaCy warns that its workers did not all end well: they were stopped on purpose.
        warnings.filterwarnings("ignore", message=r".*\[W127\]")
    raise KeyboardInterrupt if number == signal.SIGINT else Terminated()


@contextmanager
def stoppable() -> Iterator[None]:
    """SIGINT and SIGTERM raise KeyboardInterrupt and Terminated in the block (main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach only the main thread; an in-process caller keeps its own
        return
    Received.main_pid = os.getpid()
    before = {n: signal.signal(n, _on_signal) for n in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
