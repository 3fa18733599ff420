"""krq timeline: dated mentions (or events) in time order."""

from __future__ import annotations

from typing import Annotated

import typer

from kyrgyz_ru.cli.console import ask, cut, emit, note_scope, output_format
from kyrgyz_ru.cli.opening import open_index
from kyrgyz_ru.cli.options import (
    DEFAULT_LIMIT,
    AllCopiesOption,
    DbOption,
    DocOption,
    EntityOption,
    FormatOption,
    JsonOption,
    LangOption,
    LimitOption,
    ModelOption,
    OrgOption,
    PersonOption,
    PlaceOption,
    SinceOption,
    SourceOption,
    UntilOption,
    selection,
)
from kyrgyz_ru.output.formats import Format


def timeline_cli(
    events: Annotated[
        bool, typer.Option("--events", help="List events in date order instead of dates.")
    ] = False,
    org: OrgOption = None,
    person: PersonOption = None,
    place: PlaceOption = None,
    entity: EntityOption = None,
    doc: DocOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    source: SourceOption = None,
    lang: LangOption = None,
    all_copies: AllCopiesOption = False,
    limit: LimitOption = DEFAULT_LIMIT,
    fmt: FormatOption = Format.table,
    as_json: JsonOption = False,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """Dated mentions in time order, with their sentence and who is named in it (or events)."""
    from kyrgyz_ru.output.views import TIMELINE_COLUMNS, dated_record
    from kyrgyz_ru.query.timeline import timeline

    index = open_index(db, model)
    chosen = selection(
        index, org=org, person=person, place=place, entity=entity, doc=doc, since=since,
        until=until, source=source, all_copies=all_copies, lang=lang,
    )  # fmt: skip
    note_scope(index.db, chosen.scope)
    fmt = output_format(fmt, as_json)
    if events:
        from kyrgyz_ru.output.events import EVENT_COLUMNS, event_record
        from kyrgyz_ru.query.events import EventFilter
        from kyrgyz_ru.query.events import events as select_events

        wanted = EventFilter(
            involved=chosen.entities, doc=doc, since=since, until=until, oldest_first=True,
            scope=chosen.scope,
        )  # fmt: skip
        found = cut(select_events(index.db, wanted, ask(limit)), limit)
        emit((event_record(r) for r in found), fmt, EVENT_COLUMNS)
        return
    rows = cut(timeline(index.db, chosen, ask(limit)), limit)
    emit((dated_record(r, fmt is Format.table) for r in rows), fmt, TIMELINE_COLUMNS)
