"""krq show: one entity, its aliases and why each is its."""

from __future__ import annotations

import sys

from rich.console import Console

from kyrgyz_ru.cli.console import emit, output_format
from kyrgyz_ru.cli.opening import open_index
from kyrgyz_ru.cli.options import (
    DbOption,
    EntityArgument,
    FormatOption,
    JsonOption,
    ModelOption,
    TypeOption,
)
from kyrgyz_ru.output.formats import Format


def show_cli(
    entity: EntityArgument,
    type_: TypeOption = None,
    fmt: FormatOption = Format.table,
    as_json: JsonOption = False,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """One entity: its canonical name, type, aliases, documents, and why each alias is its."""
    from kyrgyz_ru.output.formats import write_object
    from kyrgyz_ru.output.views import ALIAS_COLUMNS, detail_record
    from kyrgyz_ru.query.entities import resolve, show

    index = open_index(db, model)
    detail = show(index.db, resolve(index.db, entity, type_))
    record = detail_record(detail)
    fmt = output_format(fmt, as_json)
    if fmt is Format.json:
        write_object(record, sys.stdout)
        return
    if fmt is Format.table:
        e = detail.entity
        out = Console(highlight=False)
        out.print(f"[bold]{e.name}[/bold]  {e.label.lower()}  id {e.id}", markup=True)
        if detail.description or e.wikidata:
            out.print(f"{detail.description}  {e.wikidata or ''}".strip(), markup=False)
        docs = ", ".join(f"{d} ({n})" for d, n in detail.documents)
        out.print(f"{e.mentions} mentions in {e.docs} documents: {docs}", markup=False)
    emit(record["aliases"], fmt, ALIAS_COLUMNS)
