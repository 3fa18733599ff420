"""krq entities: people, organisations, places and dates, by number of mentions."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from kyrgyz_ru.cli.console import ask, cut, emit, note_scope, output_format
from kyrgyz_ru.cli.opening import open_index
from kyrgyz_ru.cli.options import (
    DEFAULT_LIMIT,
    MAX_COUNT,
    AllCopiesOption,
    DbOption,
    DocOption,
    FormatOption,
    JsonOption,
    LangOption,
    LimitOption,
    ModelOption,
    SourceOption,
    TypeOption,
    scope,
)
from kyrgyz_ru.output.formats import Format


def entities_cli(
    type_: TypeOption = None,
    doc: DocOption = None,
    search: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--search", "-s", help="Only entities whose name or an alias is like this."),
    ] = None,
    min_count: Annotated[
        int,
        typer.Option(
            "--min-count", min=1, max=MAX_COUNT, help="Only entities with this many mentions."
        ),
    ] = 1,
    source: SourceOption = None,
    lang: LangOption = None,
    all_copies: AllCopiesOption = False,
    limit: LimitOption = DEFAULT_LIMIT,
    fmt: FormatOption = Format.table,
    as_json: JsonOption = False,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """People, organisations, places and dates, by number of mentions."""
    from kyrgyz_ru.output.views import ENTITY_COLUMNS, entity_record
    from kyrgyz_ru.query.entities import entities

    index = open_index(db, model)
    counted = scope(index, source, all_copies, lang)
    rows = cut(entities(index.db, type_, doc, search, min_count, ask(limit), counted), limit)
    note_scope(index.db, counted)
    emit((entity_record(r) for r in rows), output_format(fmt, as_json), ENTITY_COLUMNS)
