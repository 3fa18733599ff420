"""krq show: one entity, its aliases and why each is its."""

from __future__ import annotations

import sys

from kyrgyz_ru.cli.console import emit, out_console, output_format
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
    """One entity: its name, type, aliases and why each is its, documents, event counterparts."""
    from kyrgyz_ru.output.events import COUNTERPART_COLUMNS, counterpart_record
    from kyrgyz_ru.output.formats import write_object
    from kyrgyz_ru.output.views import ALIAS_COLUMNS, detail_record
    from kyrgyz_ru.query.entities import resolve, show
    from kyrgyz_ru.query.events import counterparts

    index = open_index(db, model)
    detail = show(index.db, resolve(index.db, entity, type_))
    record = detail_record(detail)
    partners = counterparts(index.db, detail.entity.id)
    record["counterparts"] = [counterpart_record(c) for c in partners]
    fmt = output_format(fmt, as_json)
    if fmt is Format.json:
        write_object(record, sys.stdout)
        return
    if fmt is Format.table:
        e = detail.entity
        out = out_console()
        out.print(f"[bold]{e.name}[/bold]  {e.label.lower()}  id {e.id}", markup=True)
        if detail.description or e.wikidata:
            out.print(f"{detail.description}  {e.wikidata or ''}".strip(), markup=False)
        docs = ", ".join(f"{d} ({n})" for d, n in detail.documents)
        out.print(f"{e.mentions} mentions in {e.docs} documents: {docs}", markup=False)
    emit(record["aliases"], fmt, ALIAS_COLUMNS)
    if record["counterparts"] and fmt is Format.table:
        emit(record["counterparts"], fmt, COUNTERPART_COLUMNS, "Counterparts in events")
