"""krq docs: the documents in the index, or the groups of reprints of one story."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from kyrgyz_ru.cli.console import ask, cut, emit, output_format
from kyrgyz_ru.cli.opening import open_index
from kyrgyz_ru.cli.options import (
    DEFAULT_LIMIT,
    DbOption,
    FormatOption,
    JsonOption,
    LangOption,
    LimitOption,
    ModelOption,
)
from kyrgyz_ru.output.formats import Format


def docs_cli(
    limit: LimitOption = DEFAULT_LIMIT,
    source: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--source", help="Only documents from this source (site or agency)."),
    ] = None,
    lang: LangOption = None,
    duplicates: Annotated[
        bool,
        typer.Option("--duplicates", help="List each story's first copy with its reprints."),
    ] = False,
    fmt: FormatOption = Format.table,
    as_json: JsonOption = False,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """The documents in the index: id, date and where it came from, source, language, title,
    size, entities, and the first copy of the story when it is a reprint."""
    from kyrgyz_ru.output.views import (
        DOCUMENT_COLUMNS,
        DUPLICATE_COLUMNS,
        document_record,
        duplicate_record,
    )
    from kyrgyz_ru.query.documents import document_count, documents, duplicate_groups

    index = open_index(db, model)
    if duplicates:
        groups = cut(duplicate_groups(index.db, source), limit)
        emit((duplicate_record(g) for g in groups), output_format(fmt, as_json), DUPLICATE_COLUMNS)
        return
    rows = cut(
        documents(index.db, ask(limit), source, language=lang),
        limit,
        document_count(index.db, source, language=lang)
        if source or lang
        else index.document_count(),
    )
    emit((document_record(r) for r in rows), output_format(fmt, as_json), DOCUMENT_COLUMNS)
