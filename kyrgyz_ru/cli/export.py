"""krq export: every mention, paragraph, event or document in the index, streamed, never
limited."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any

import typer

from kyrgyz_ru.cli.console import emit
from kyrgyz_ru.cli.opening import open_index
from kyrgyz_ru.cli.options import DbOption, ModelOption
from kyrgyz_ru.errors import UsageError
from kyrgyz_ru.output.formats import Format


def export_cli(
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
    ] = Format.jsonl,
    paragraphs: Annotated[
        bool, typer.Option("--paragraphs", help="Export paragraphs with their topics instead.")
    ] = False,
    events: Annotated[
        bool, typer.Option("--events", help="Export events with their actors instead.")
    ] = False,
    documents: Annotated[
        bool,
        typer.Option("--documents", help="Export documents with their metadata and text instead."),
    ] = False,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """Every mention (or paragraph, event or document) in the index, streamed."""
    from kyrgyz_ru.output.views import MENTION_COLUMNS, PARAGRAPH_COLUMNS, mention_record
    from kyrgyz_ru.query.entities import all_mentions, paragraph_records

    if paragraphs + events + documents > 1:
        raise UsageError("choose one of --paragraphs, --events and --documents")
    index = open_index(db, model)
    if documents:
        from kyrgyz_ru.output.views import EXPORT_DOCUMENT_COLUMNS, document_export_record
        from kyrgyz_ru.query.documents import export_documents

        records = (document_export_record(d) for d in export_documents(index.db))
        emit(records, fmt, EXPORT_DOCUMENT_COLUMNS)
    elif events:
        from kyrgyz_ru.output.events import EVENT_COLUMNS, event_record
        from kyrgyz_ru.query.events import all_events

        emit((event_record(r) for r in all_events(index.db)), fmt, EVENT_COLUMNS)
    elif paragraphs:
        emit(paragraph_records(index.db), fmt, PARAGRAPH_COLUMNS)
    else:
        rows: Iterator[Mapping[str, Any]] = (
            mention_record(r, fmt is Format.table) for r in all_mentions(index.db)
        )
        emit(rows, fmt, MENTION_COLUMNS)
