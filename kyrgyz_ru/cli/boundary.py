"""The one error boundary: library errors become one line on stderr and an exit status."""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import sys
from collections.abc import Sequence

from kyrgyz_ru.cli.app import COMMANDS, Flags, build
from kyrgyz_ru.cli.console import err
from kyrgyz_ru.cli.signals import Received, stoppable
from kyrgyz_ru.errors import ExitStatus, Interrupted, KrqError, Terminated
from kyrgyz_ru.store.index import describe_error


def main(argv: Sequence[str] | None = None) -> None:
    """Run krq and exit with its status; tracebacks only with --debug (or $KRQ_DEBUG)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--debug" in args[1:]:  # accepted after the command too: the root option reads it
        args = ["--debug", *(a for a in args if a != "--debug")]
    Flags.debug = bool(os.environ.get("KRQ_DEBUG"))
    name = next((a for a in args if not a.startswith("-")), None)
    try:
        # Standalone mode: typer reports its own usage errors (status 2) and exits itself.
        with stoppable():
            build(name if name in COMMANDS else None)(args=args, prog_name="krq")
        status: int = ExitStatus.SUCCESS
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if _pipe_closed(exc.__context__):  # click exits 1 when the reader went away
            status = _quiet_stdout()
    except KrqError as exc:
        _traceback()
        if Received.signal is not None and not isinstance(exc, Interrupted):
            status = _stopped()  # a query stopped by the signal, told as a fault of the index
        else:
            err.print(f"krq: {exc}", markup=False)
            status = exc.status
    except Terminated:
        err.print("krq: terminated", markup=False)
        status = ExitStatus.TERMINATED
    except KeyboardInterrupt:
        err.print("krq: interrupted", markup=False)
        status = ExitStatus.INTERRUPTED
    except UnicodeEncodeError as exc:
        _traceback()
        if "surrogates" in str(exc.reason):  # argv bytes that are not UTF-8 (surrogateescape)
            err.print("krq: an argument or file name is not valid UTF-8 text", markup=False)
            status = ExitStatus.USAGE
        else:
            err.print(
                f"krq: cannot write text in the {exc.encoding} encoding; "
                "set PYTHONIOENCODING=utf-8",
                markup=False,
            )
            status = ExitStatus.ERROR
    except sqlite3.DatabaseError as exc:  # found damaged, locked or full while in use
        _traceback()
        if Received.signal is not None:  # SQLite says "interrupted": the signal stopped it
            status = _stopped()
        else:
            err.print(f"krq: {describe_error(exc)}", markup=False)
            status = ExitStatus.INDEX
    except BrokenPipeError:
        status = _quiet_stdout()
    except Exception as exc:
        if Flags.debug:
            raise
        err.print(
            f"krq: unexpected error: {exc!r} (run with --debug for a traceback)", markup=False
        )
        status = ExitStatus.ERROR
    if Received.signal is not None:
        # Stopped workers may leave a queue's feeder thread that Python would wait for at exit.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(status))
    sys.exit(int(status))


def _stopped() -> int:
    if Received.signal == signal.SIGTERM:
        err.print("krq: terminated", markup=False)
        return ExitStatus.TERMINATED
    err.print("krq: interrupted", markup=False)
    return ExitStatus.INTERRUPTED


def _traceback() -> None:
    if Flags.debug:
        err.print_exception()


def _pipe_closed(exc: BaseException | None) -> bool:
    return isinstance(exc, OSError) and exc.errno == errno.EPIPE


def _quiet_stdout() -> int:
    """The reader went away (krq ... | head): a normal end, not an error worth a message.
    Later writes and the flush at exit go nowhere instead of failing again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return ExitStatus.SUCCESS
