"""Exports of many articles: JSON (an array, or one object a line) and CSV/TSV with a header
row. Each record is one article; `text` is required, `id`, `title`, `date`, `url`, `source`
and `language` are optional, and other names map onto them (`--field text=body`)."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from kyrgyz_ru.errors import InputError

FIELDS = ("id", "text", "title", "date", "url", "source", "language")
# csv refuses fields over 128 KiB by default; an article body can be megabytes.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class Record:
    """One article of an export, its fields under krq's names (absent ones are None)."""

    number: int  # 1-based, in the file's order
    line: int  # where it starts in the file, for messages
    id: str | None
    text: str | None
    title: str | None
    date: str | None
    url: str | None
    source: str | None
    language: str | None


@dataclass(frozen=True)
class BadRecord:
    """A record that cannot be read (malformed, not an object, no text): skipped alone."""

    number: int
    line: int
    why: str


def read_records(
    text: str, kind: str, name: str, mapping: Mapping[str, str]
) -> Iterator[Record | BadRecord]:
    """The records of an export in `kind` "json", "jsonl", "csv" or "tsv"; InputError when the
    file as a whole cannot be read (no text column, not JSON at all)."""
    if kind in ("csv", "tsv"):
        return _table_records(text, "\t" if kind == "tsv" else ",", name, mapping)
    stripped = text.lstrip()
    if kind == "json" and stripped.startswith("["):
        return _array_records(text, name, mapping)
    return _line_records(text, mapping)


def _record(
    number: int, line: int, row: Mapping[str, object], mapping: Mapping[str, str]
) -> Record | BadRecord:
    values: dict[str, str | None] = {}
    for key in FIELDS:
        value = row.get(mapping.get(key, key))
        if value is None and key in mapping:
            value = row.get(key)  # the mapped column missing from this record: krq's own name
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        values[key] = value.strip() or None if isinstance(value, str) else None
    if not values["text"]:
        column = mapping.get("text", "text")
        return BadRecord(number, line, f"no text (field '{column}' missing or empty)")
    return Record(number, line, **values)


def _line_records(text: str, mapping: Mapping[str, str]) -> Iterator[Record | BadRecord]:
    number = 0
    for line_number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        number += 1
        try:
            row = json.loads(line)
        except ValueError as exc:
            reason = str(exc).split(":")[0]
            yield BadRecord(number, line_number, f"malformed JSON ({reason})")
            continue
        if not isinstance(row, dict):
            yield BadRecord(number, line_number, "not a JSON object")
            continue
        yield _record(number, line_number, row, mapping)


def _array_records(
    text: str, name: str, mapping: Mapping[str, str]
) -> Iterator[Record | BadRecord]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(f"malformed JSON ({exc}): {name}") from None
    # A JSON array has no line per record: report where each starts as its position instead.
    decoder = json.JSONDecoder()
    starts = _array_starts(text, decoder)
    for number, row in enumerate(data, 1):
        line = text.count("\n", 0, starts[number - 1]) + 1 if number <= len(starts) else 0
        if not isinstance(row, dict):
            yield BadRecord(number, line, "not a JSON object")
            continue
        yield _record(number, line, row, mapping)


def _array_starts(text: str, decoder: json.JSONDecoder) -> list[int]:
    """Where each element of the top-level array starts (for line numbers in messages)."""
    starts: list[int] = []
    position = text.index("[") + 1
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            return starts
        starts.append(position)
        try:
            _, position = decoder.raw_decode(text, position)
        except ValueError:
            return starts


def _table_records(
    text: str, delimiter: str, name: str, mapping: Mapping[str, str]
) -> Iterator[Record | BadRecord]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError(f"empty table: {name}") from None
    except csv.Error as exc:
        raise InputError(f"malformed header row ({exc}): {name}") from None
    column = mapping.get("text", "text")
    if column not in header and "text" not in header:
        shown = ", ".join(h for h in header[:12] if h)
        raise InputError(
            f"no '{column}' column (columns: {shown}); name it with --field text=COLUMN: {name}"
        )
    return _rows(reader, header, mapping)


def _rows(
    reader: Iterator[list[str]], header: list[str], mapping: Mapping[str, str]
) -> Iterator[Record | BadRecord]:
    number = 0
    line = 2
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # strict: an unterminated quote or stray quote ends in csv.Error; the reader
            # goes on at the next line, so the rest of the file is still read.
            number += 1
            yield BadRecord(number, line, f"malformed row ({exc})")
            line = _line_of(reader) + 1
            continue
        start, line = line, _line_of(reader) + 1
        if not any(cell.strip() for cell in row):
            continue
        number += 1
        if len(row) != len(header):
            yield BadRecord(number, start, f"{len(row)} fields where the header has {len(header)}")
            continue
        yield _record(number, start, dict(zip(header, row, strict=True)), mapping)


def _line_of(reader: Iterator[list[str]]) -> int:
    return int(getattr(reader, "line_num", 0))
