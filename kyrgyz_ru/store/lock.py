"""The ingest lock: ingests share it, a rebuild needs it alone.

SQLite's own locks last one transaction; an ingest is many transactions and a rebuild deletes
the file, so a rebuild must know that no ingest is between two of its transactions. Ingests hold
a shared lock on `<index>.lock` for their whole run (two ingests into one index still run side
by side); a rebuild takes it exclusively and refuses when it cannot. The operating system drops
the lock when a process ends, however it ends (kill -9 included)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kyrgyz_ru.errors import IndexFault


def lock_path(index_path: Path) -> Path:
    return index_path.with_name(index_path.name + ".lock")


@contextmanager
def ingest_lock(
    index_path: Path, *, exclusive: bool = False, waiting: Callable[[], None] | None = None
) -> Iterator[None]:
    """Hold the ingest lock of the index at `index_path` for the block.

    Shared (an ingest): waits while a rebuild holds it, calling `waiting` once first.
    Exclusive (a rebuild): refuses at once with IndexFault when an ingest holds it."""
    try:
        index_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path(index_path), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        # No lock can be made where the index cannot be written either: opening the index
        # says so in its own words (read-only storage, no such folder...).
        yield
        return
    try:
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            if exclusive:
                raise IndexFault(
                    f"another krq ingest is writing to the index at {index_path}; a rebuild "
                    "now would discard its work: try again when it is done"
                ) from None
            if waiting:
                waiting()
            fcntl.flock(fd, mode)
        yield
    finally:
        os.close(fd)
