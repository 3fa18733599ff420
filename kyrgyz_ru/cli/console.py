"""How commands write: data to stdout in the chosen format, messages to stderr."""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from rich.console import Console

from kyrgyz_ru.output.formats import Column, Format, write

if TYPE_CHECKING:
    from kyrgyz_ru.query.selection import Scope

err = Console(stderr=True, highlight=False, soft_wrap=True)
_Row = TypeVar("_Row")


def ask(limit: int) -> int | None:
    """How many rows to fetch: one more than shown tells whether there were more."""
    return limit + 1 if limit else None


def cut(rows: list[_Row], limit: int, total: int | str | None = None) -> list[_Row]:
    """The rows to show, with a note on stderr when some are left out."""
    if limit and len(rows) > limit:
        of = f" of {total}" if total else ""
        err.print(f"krq: showing the first {limit}{of}; --limit 0 shows all", markup=False)
        return rows[:limit]
    return rows


def output_format(fmt: Format, as_json: bool) -> Format:
    return Format.json if as_json else fmt


# A table piped to a file or a pager has no terminal width to fit; rich would assume 80
# columns and squeeze the sentence columns to a word a line. $COLUMNS still decides when set.
PIPED_WIDTH = 160


def out_console() -> Console:
    piped = not sys.stdout.isatty() and not os.environ.get("COLUMNS")
    return Console(highlight=False, width=PIPED_WIDTH if piped else None)


def emit(
    records: Iterable[Mapping[str, Any]],
    fmt: Format,
    columns: Sequence[Column],
    title: str | None = None,
) -> int:
    return write(records, fmt, columns, sys.stdout, out_console(), title)


def note_scope(db: sqlite3.Connection, scope: Scope) -> None:
    """Say on stderr when counts leave reprints out, so a count says what it counts."""
    if scope.all_copies:
        return
    from kyrgyz_ru.query.documents import reprint_count

    reprints = reprint_count(db)
    if reprints:
        err.print(
            f"krq: {reprints} reprint{'s' if reprints != 1 else ''} of stories counted once;"
            " --all-copies counts every copy",
            markup=False,
        )
