"""Domain errors raised by the library; the CLI turns each into one line and an exit status."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Every exit status krq uses, in one place."""

    SUCCESS = 0
    ERROR = 1  # an unexpected failure (a bug): traceback with --debug
    USAGE = 2  # bad options or arguments (typer/click also use 2)
    NOT_FOUND = 3  # a path, document or entity that does not exist
    BAD_INPUT = 4  # input krq cannot read: not UTF-8 text, empty, no .txt files
    INDEX = 5  # the index is corrupt, locked, read-only or from an unknown version
    PARTIAL = 6  # ingest finished but skipped some files
    MODEL = 7  # the spaCy model is missing or unusable
    INTERRUPTED = 130  # SIGINT (Ctrl-C)
    TERMINATED = 143  # SIGTERM


class KrqError(Exception):
    """A failure the user can act on; its message is one line."""

    status: ExitStatus = ExitStatus.ERROR


class UsageError(KrqError):
    status = ExitStatus.USAGE


class NotFoundError(KrqError):
    status = ExitStatus.NOT_FOUND


class InputError(KrqError):
    status = ExitStatus.BAD_INPUT


class IndexFault(KrqError):
    """The index cannot be used: corrupt, locked, read-only or of an unknown version."""

    status = ExitStatus.INDEX


class ModelError(KrqError):
    status = ExitStatus.MODEL


class DataFileError(KrqError):
    """A gazetteer, taxonomy, catalog or gold file that is missing or malformed."""

    status = ExitStatus.BAD_INPUT


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main process like Ctrl-C's KeyboardInterrupt: both unwind the same
    way (open transactions roll back), only the exit status differs."""


class Interrupted(KrqError):
    """A run stopped by a signal, with what it kept."""

    def __init__(self, message: str, terminated: bool) -> None:
        super().__init__(message)
        self.status = ExitStatus.TERMINATED if terminated else ExitStatus.INTERRUPTED
