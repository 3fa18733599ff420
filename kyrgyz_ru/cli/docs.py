"""krq docs: the documents in the index."""

from __future__ import annotations

from kyrgyz_ru.cli.console import ask, cut, emit, output_format
from kyrgyz_ru.cli.opening import open_index
from kyrgyz_ru.cli.options import (
    DEFAULT_LIMIT,
    DbOption,
    FormatOption,
    JsonOption,
    LimitOption,
    ModelOption,
)
from kyrgyz_ru.output.formats import Format


def docs_cli(
    limit: LimitOption = DEFAULT_LIMIT,
    fmt: FormatOption = Format.table,
    as_json: JsonOption = False,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """The documents in the index: id, date and where it came from, title, size, entities."""
    from kyrgyz_ru.output.views import DOCUMENT_COLUMNS, document_record
    from kyrgyz_ru.query.entities import documents

    index = open_index(db, model)
    rows = cut(documents(index.db, ask(limit)), limit, index.document_count())
    emit((document_record(r) for r in rows), output_format(fmt, as_json), DOCUMENT_COLUMNS)
