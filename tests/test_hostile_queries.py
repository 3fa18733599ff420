"""Hostile query arguments get a result or a one-line message, never a traceback, and leave
the index unchanged (issue 7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kyrgyz_ru.errors import ExitStatus

from .conftest import Runner
from .helpers import (
    counts,
    one_line_error,
)

# -- 2. bad queries -------------------------------------------------------------------------

NASTY = [
    "O'Brien", '"Putin"', "Put'in", "%", "_", "%_%", "a%b_c", "\\", "\\%",
    "'; DROP TABLE mentions; --", 'x"); DROP TABLE entities; --', "1 OR 1=1", "* FROM entities",
    "", " ", "\x00", "😀", "Жапаров", "x" * 10_000, "Putin " * 1_700,
]  # fmt: skip

QUERIES = [
    ["mentions", "{}"],
    ["show", "{}"],
    ["entities", "--search", "{}"],
    ["entities", "--doc", "{}"],
    ["entities", "--type", "{}"],
    ["entities", "--format", "{}"],
    ["mentions", "Putin", "--doc", "{}"],
    ["timeline", "--person", "{}"],
    ["timeline", "--since", "{}"],
    ["topics", "--org", "{}"],
    ["topics", "--show", "{}"],
    ["docs", "--format", "{}"],
]


def _nasty_cases() -> Iterator[Any]:
    for name in NASTY:
        for query in QUERIES:
            label = f"{' '.join(query[:-1])}={name[:12]!r}-{len(name)}"
            yield pytest.param(name, query, id=label)


@pytest.mark.parametrize("name, query", list(_nasty_cases()))
def test_nasty_query_arguments_get_a_message_never_a_traceback(
    krq: Runner, fresh_db: Path, name: str, query: list[str]
) -> None:
    before = counts(fresh_db)
    args = [a.replace("{}", name) for a in query]
    started = time.monotonic()
    result = krq(*args, "--db", fresh_db)
    assert time.monotonic() - started < 10
    assert "Traceback" not in result.err and "unexpected" not in result.err, result.err
    assert result.status in (0, ExitStatus.USAGE, ExitStatus.NOT_FOUND), result.err
    if result.err.startswith("krq:"):  # krq's own message, not typer's usage text
        line = one_line_error(result, result.status)
        assert len(line) < 400, "a message should not repeat a long value in full"
    assert counts(fresh_db) == before  # nothing was dropped, deleted or added


def test_sql_keywords_are_searched_for_not_run(krq: Runner, fresh_db: Path) -> None:
    result = krq("mentions", "'; DROP TABLE mentions; --", "--db", fresh_db)
    assert result.status == ExitStatus.NOT_FOUND
    assert "no entity matches ''; DROP TABLE mentions; --'" in result.err
    result = krq("entities", "--search", "%", "--db", fresh_db, "--json")
    assert result.status == 0 and json.loads(result.out) == []  # % is a character, no wildcard


def test_unknown_type_and_format_values(krq: Runner, seeds_db: Path) -> None:
    line = one_line_error(krq("entities", "--type", "planet", "--db", seeds_db), ExitStatus.USAGE)
    assert line == "krq: unknown type 'planet'; use one of: person, org, place, date"
    result = krq("entities", "--format", "xml", "--db", seeds_db)
    assert result.status == ExitStatus.USAGE
    assert "'xml' is not one of" in result.err and "Traceback" not in result.err


def test_an_argument_that_is_not_utf8(seeds_db: Path, tmp_path: Path) -> None:
    # A terminal in another encoding hands Python bytes it keeps as surrogates.
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "kyrgyz_ru", "mentions", b"\xff\xfeJaparov", "--db", seeds_db],
        capture_output=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == ExitStatus.USAGE
    assert done.stderr.decode() == "krq: an argument or file name is not valid UTF-8 text\n"
