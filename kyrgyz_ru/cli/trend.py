"""krq trend: how often entities are mentioned, events happen or a topic comes up, per period,
as bars in the terminal, as data, or as a chart (--output trend.svg|png|html).

matplotlib is imported inside the command, only when it draws."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO, TYPE_CHECKING, Annotated, Any, Optional

import typer
from rich.text import Text

from kyrgyz_ru.cli.console import emit, err, note_scope, output_format
from kyrgyz_ru.cli.network import ForceOption, OutputOption
from kyrgyz_ru.cli.opening import open_index
from kyrgyz_ru.cli.options import (
    AllCopiesOption,
    DbOption,
    EntityOption,
    FormatOption,
    JsonOption,
    LangOption,
    ModelOption,
    OrgOption,
    PersonOption,
    PlaceOption,
    SinceOption,
    SourceOption,
    UntilOption,
    named,
    scope,
)
from kyrgyz_ru.output.formats import Column, Format

if TYPE_CHECKING:
    from kyrgyz_ru.query.trend import Trend

BAR_WIDTH = 40  # characters of the longest bar in the terminal
# Runs of this many empty periods or more show as one row: twenty years by month is a screen.
EMPTY_RUN = 3


def trend_cli(
    org: OrgOption = None,
    person: PersonOption = None,
    place: PlaceOption = None,
    entity: EntityOption = None,
    events: Annotated[
        bool,
        typer.Option("--events", help="Count events (those of each named entity, or all)."),
    ] = False,
    topic: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--topic", help="Count paragraphs of this topic (repeat for more)."),
    ] = None,
    type_: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--type", "-t", help="With --events: only this category (CONSULT...)."),
    ] = None,
    by: Annotated[str, typer.Option("--by", help="Period: day, week, month or year.")] = "month",
    date_of: Annotated[
        str,
        typer.Option(
            "--date-of",
            help="Date each count by the date the text refers to (text) or the article's"
            " (document).",
        ),
    ] = "text",
    since: SinceOption = None,
    until: UntilOption = None,
    source: SourceOption = None,
    lang: LangOption = None,
    all_copies: AllCopiesOption = False,
    fmt: FormatOption = Format.table,
    as_json: JsonOption = False,
    output: OutputOption = None,
    force: ForceOption = False,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """Counts per day, week, month or year of mentions of entities, of events (--events) or of
    a topic's paragraphs (--topic): bars in the terminal, data, or a chart (--output)."""
    from kyrgyz_ru.errors import UsageError
    from kyrgyz_ru.output.pictures import check_target
    from kyrgyz_ru.query.events import EVENT_TYPES, EventFilter, check_choices
    from kyrgyz_ru.query.selection import check_date, check_range
    from kyrgyz_ru.query.topics import topic_labels
    from kyrgyz_ru.query.trend import (
        DATE_OF,
        PERIODS,
        SeriesSpec,
        TrendFilter,
        check_choice,
        check_topic,
        trend,
    )

    target = check_target(output, force) if output is not None else None
    by = check_choice(by, PERIODS, "--by")
    date_of = check_choice(date_of, DATE_OF, "--date-of")
    check_range(check_date(since, "--since"), check_date(until, "--until"))
    types = check_choices(type_ or (), EVENT_TYPES, "--type")
    by_name = bool(org or person or place or entity)
    if topic and (by_name or events):
        raise UsageError("--topic counts a topic's paragraphs: give topics, or entities")
    if types and not events:
        raise UsageError("--type applies to --events only")
    if not (by_name or events or topic):
        raise UsageError(
            "say what to count: --org, --person, --place, --entity, --events or --topic"
        )
    index = open_index(db, model)
    found = named(index, org=org, person=person, place=place, entity=entity)
    specs = tuple(dict.fromkeys(SeriesSpec(e.name, entity=e.id) for e in found))
    counted_in = scope(index, source, all_copies, lang)
    note_scope(index.db, counted_in)
    if topic:
        labels = topic_labels(index)
        specs = tuple(
            dict.fromkeys(
                SeriesSpec(t, topic=t) for t in (check_topic(labels, name) for name in topic)
            )
        )
    what = "paragraphs" if topic else "events" if events else "mentions"
    if what == "events" and not specs:
        specs = (SeriesSpec("events"),)
    counted = trend(
        index.db,
        TrendFilter(
            what,
            specs,
            by=by,
            date_of=date_of,
            since=since,
            until=until,
            events=EventFilter(types=types, scope=counted_in),
            scope=counted_in,
        ),
    )
    if counted.empty:
        err.print(f"krq: nothing to count: {counted.title()} found none", markup=False)
        return
    unplaced = sum(s.unplaced for s in counted.series)
    if unplaced:
        err.print(f"krq: {unplaced} left out: their dates name no {by}", markup=False)
    if target is not None:
        if target.suffix.casefold() == ".html":
            from kyrgyz_ru.output.html import trend_page
            from kyrgyz_ru.output.pictures import write_whole

            page = trend_page(counted).encode("utf-8")

            def write(out: IO[bytes]) -> None:
                out.write(page)

            write_whole(target, write)
        else:
            from kyrgyz_ru.output.charts import draw_trend

            draw_trend(counted, target)
        err.print(f"krq: drew {counted.title()} to {target}", markup=False)
        return
    fmt = output_format(fmt, as_json)
    if fmt is Format.table:
        emit(_table_rows(counted), fmt, _columns(counted), title=counted.title())
        return
    err.print(f"krq: {counted.title()}", markup=False)
    emit(_records(counted), fmt, _columns(counted))


def _records(counted: Trend) -> Iterator[Mapping[str, Any]]:
    """One record per period, first to last, empty periods included (what pandas wants)."""
    from kyrgyz_ru.query.trend import period_start

    for i, name in enumerate(counted.periods):
        record: dict[str, Any] = {
            "period": name,
            "start": period_start(name, counted.by).isoformat(),
        }
        for series in counted.series:
            record[series.name] = series.counts[i]
        yield record


def _table_rows(counted: Trend) -> Iterator[Mapping[str, Any]]:
    """The records, with runs of empty periods folded into one row."""
    rows = list(_records(counted))
    i = 0
    while i < len(rows):
        j = i
        while j < len(rows) and not any(rows[j][s.name] for s in counted.series):
            j += 1
        if j - i >= EMPTY_RUN:
            note = f"… {j - i} {counted.by}s with none"
            yield {"period": note, **{s.name: 0 for s in counted.series}, "_empty": True}
            i = j
            continue
        yield rows[i]
        i += 1


def _columns(counted: Trend) -> list[Column]:
    highest = max(max(s.counts) for s in counted.series) or 1
    columns = [Column(counted.by.capitalize(), "period")]
    for k, series in enumerate(counted.series):
        columns.append(Column(series.name, series.name, _bar(series.name, highest, k)))
    return columns


def _bar(key: str, highest: int, k: int) -> Any:
    from kyrgyz_ru.output.pictures import SERIES_COLOURS

    colour = SERIES_COLOURS[k % len(SERIES_COLOURS)]

    def cell(record: Mapping[str, Any]) -> Text:
        if record.get("_empty"):
            return Text("")
        count = int(record[key])
        length = round(BAR_WIDTH * count / highest)
        bar = Text("█" * length + ("▏" if count and not length else ""), style=colour)
        return bar + Text(f" {count}")

    return cell
