"""krq timeline: dated mentions in time order."""

from __future__ import annotations

from kyrgyz_ru.cli.console import ask, cut, emit, output_format
from kyrgyz_ru.cli.opening import open_index
from kyrgyz_ru.cli.options import (
    DEFAULT_LIMIT,
    DbOption,
    DocOption,
    EntityOption,
    FormatOption,
    JsonOption,
    LimitOption,
    ModelOption,
    OrgOption,
    PersonOption,
    PlaceOption,
    SinceOption,
    UntilOption,
    selection,
)
from kyrgyz_ru.output.formats import Format


def timeline_cli(
    org: OrgOption = None,
    person: PersonOption = None,
    place: PlaceOption = None,
    entity: EntityOption = None,
    doc: DocOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: LimitOption = DEFAULT_LIMIT,
    fmt: FormatOption = Format.table,
    as_json: JsonOption = False,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """Dated mentions in time order, with their sentence and who is named in it."""
    from kyrgyz_ru.output.views import TIMELINE_COLUMNS, dated_record
    from kyrgyz_ru.query.timeline import timeline

    index = open_index(db, model)
    chosen = selection(
        index, org=org, person=person, place=place, entity=entity, doc=doc, since=since,
        until=until,
    )  # fmt: skip
    fmt = output_format(fmt, as_json)
    rows = cut(timeline(index.db, chosen, ask(limit)), limit)
    emit((dated_record(r, fmt is Format.table) for r in rows), fmt, TIMELINE_COLUMNS)
