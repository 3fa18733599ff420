"""krq events: who met whom, when, where and about what, each event with its sentence."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from kyrgyz_ru.cli.console import ask, cut, emit, err, note_scope, output_format
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
    involved,
    scope,
)
from kyrgyz_ru.output.formats import Format


def events_cli(
    type_: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--type", "-t", help="Only this category (CONSULT, AGREE, SUPPORT, AID...)."),
    ] = None,
    mode: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--mode", help="Only this mode: visit, meet, call, summit, sign, agree."),
    ] = None,
    actor: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--actor", "-a", help="Only events this entity takes part in (all given)."),
    ] = None,
    org: OrgOption = None,
    person: PersonOption = None,
    place: PlaceOption = None,
    entity: EntityOption = None,
    doc: DocOption = None,
    topic: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--topic", help="Only events in paragraphs of this topic."),
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the trigger, rule and reasons behind each.")
    ] = False,
    source: SourceOption = None,
    lang: LangOption = None,
    all_copies: AllCopiesOption = False,
    limit: LimitOption = DEFAULT_LIMIT,
    fmt: FormatOption = Format.table,
    as_json: JsonOption = False,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """Events (meetings, visits, calls, agreements, aid...), newest first, with evidence."""
    from kyrgyz_ru.output.events import EVENT_COLUMNS, EXPLAINED_COLUMNS, event_record
    from kyrgyz_ru.query.documents import check_doc
    from kyrgyz_ru.query.entities import resolve
    from kyrgyz_ru.query.events import (
        COUNT_CAP,
        EVENT_TYPES,
        MODES,
        EventFilter,
        check_choices,
        count_events,
        events,
        frequent_entities,
    )
    from kyrgyz_ru.query.selection import check_date, check_range
    from kyrgyz_ru.query.topics import topic_labels
    from kyrgyz_ru.query.trend import check_topic

    types = check_choices(type_ or (), EVENT_TYPES, "--type")
    modes = check_choices(mode or (), MODES, "--mode")
    check_range(check_date(since, "--since"), check_date(until, "--until"))
    index = open_index(db, model)
    if doc is not None:
        check_doc(index.db, doc)
    if topic is not None:
        topic = check_topic(topic_labels(index), topic)
    named = involved(index, org=org, person=person, place=place, entity=entity)
    chosen = EventFilter(
        types=types,
        modes=modes,
        actors=tuple(resolve(index.db, n).id for n in actor or ()),
        involved=named,
        doc=doc,
        topic=topic,
        since=since,
        until=until,
        scope=scope(index, source, all_copies, lang),
    )
    note_scope(index.db, chosen.scope)
    fmt = output_format(fmt, as_json)
    # Which named entities are frequent decides how both the page and its count are read.
    frequent = frequent_entities(index.db, (*chosen.actors, *chosen.involved))
    found = events(index.db, chosen, ask(limit), frequent)
    if not found:
        err.print("krq: no event matches these filters", markup=False)
    total: int | str | None = None
    if limit and len(found) > limit:
        counted = count_events(index.db, chosen, frequent)
        total = f"more than {COUNT_CAP:,}" if counted and counted > COUNT_CAP else counted
    rows = cut(found, limit, total)
    columns = EXPLAINED_COLUMNS if explain else EVENT_COLUMNS
    emit((event_record(r) for r in rows), fmt, columns)
