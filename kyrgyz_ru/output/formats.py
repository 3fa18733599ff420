"""Rendering records as a rich table, JSON, JSON lines or CSV; data only, to the given stream."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import IO, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text


class Format(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


MIN_TEXT_WIDTH = 24
Cell = Callable[[Mapping[str, Any]], "str | Text"]


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    cell: Cell | None = None  # how the table shows it, when not the plain value
    justify: str = "left"
    ratio: int | None = None


def _plain(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def write(
    records: Iterable[Mapping[str, Any]],
    fmt: Format,
    columns: Sequence[Column],
    out: IO[str],
    console: Console | None = None,
    title: str | None = None,
) -> int:
    """Write records in `fmt`; returns how many were written. JSON lines and CSV stream."""
    if fmt is Format.jsonl:
        count = 0
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
        return count
    if fmt is Format.csv:
        # CSV carries the same fields as JSON (lists and objects as JSON text), header first.
        writer = csv.writer(out, lineterminator="\n")
        keys: list[str] | None = None
        count = 0
        for record in records:
            if keys is None:
                keys = [k for k in record if not k.startswith("_")]
                writer.writerow(keys)
            writer.writerow(
                [
                    json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else _plain(v)
                    for v in (record.get(k) for k in keys)
                ]
            )
            count += 1
        if keys is None:
            writer.writerow([c.key for c in columns])
        return count
    rows = list(records)
    if fmt is Format.json:
        out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return len(rows)
    # Ratios share out the width only in an expanded table: long text columns get the room.
    expand = any(c.ratio for c in columns)
    table = Table(title=title, header_style="bold", expand=expand, show_lines=False)
    for column in columns:
        # A text column keeps room for a few words however narrow the screen.
        table.add_column(
            column.header,
            justify=column.justify,  # type: ignore[arg-type]
            ratio=column.ratio,
            min_width=MIN_TEXT_WIDTH if column.ratio else None,
        )
    for record in rows:
        table.add_row(*[c.cell(record) if c.cell else _plain(record.get(c.key)) for c in columns])
    (console or Console(file=out)).print(table)
    return len(rows)


def highlighted(text: str, spans: Iterable[tuple[int, int]], style: str = "bold reverse") -> Text:
    """Text with the given character spans styled (mentions in a sentence, topic terms)."""
    rich = Text(text)
    for start, end in spans:
        if 0 <= start < end <= len(text):
            rich.stylize(style, start, end)
    return rich


def write_object(record: Mapping[str, Any], out: IO[str]) -> None:
    out.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
