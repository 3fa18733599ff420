"""krq mentions: every mention of an entity, with the sentence it stands in."""

from __future__ import annotations

from kyrgyz_ru.cli.console import ask, cut, emit, note_scope, output_format
from kyrgyz_ru.cli.opening import open_index
from kyrgyz_ru.cli.options import (
    DEFAULT_LIMIT,
    AllCopiesOption,
    DbOption,
    DocOption,
    EntityArgument,
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


def mentions_cli(
    entity: EntityArgument,
    type_: TypeOption = None,
    doc: DocOption = None,
    source: SourceOption = None,
    lang: LangOption = None,
    all_copies: AllCopiesOption = False,
    limit: LimitOption = DEFAULT_LIMIT,
    fmt: FormatOption = Format.table,
    as_json: JsonOption = False,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """Every mention of an entity: document, offsets, and the sentence it stands in."""
    from kyrgyz_ru.output.views import MENTION_COLUMNS, mention_record
    from kyrgyz_ru.query.entities import count_mentions, mentions, resolve

    index = open_index(db, model)
    found = resolve(index.db, entity, type_)
    fmt = output_format(fmt, as_json)
    counted = scope(index, source, all_copies, lang)
    rows = mentions(index.db, found.id, doc, ask(limit), counted)
    default = doc is None and counted.default
    total = found.mentions if default else count_mentions(index.db, found.id, doc, counted)
    note_scope(index.db, counted)
    rows = cut(rows, limit, total)
    where = f" in {doc}" if doc is not None else ""
    title = f"{found.name} ({found.label.lower()}): {total} mentions{where}"
    emit((mention_record(r, fmt is Format.table) for r in rows), fmt, MENTION_COLUMNS, title)
