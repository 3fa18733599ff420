"""krq eval: score the index against gold annotations."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from kyrgyz_ru.cli.console import emit, output_format
from kyrgyz_ru.cli.opening import open_index
from kyrgyz_ru.cli.options import DbOption, FormatOption, JsonOption, ModelOption
from kyrgyz_ru.errors import UsageError
from kyrgyz_ru.output.formats import Format

if TYPE_CHECKING:
    pass

GoldOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--gold", help="Entity gold: JSON lines of {doc, mentions}."),
]


def evaluate_cli(
    gold: GoldOption = None,
    topics_gold: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--topics-gold", help="Paragraph topic gold (JSON lines of doc, paragraphs)."),
    ] = None,
    events_gold: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--events-gold", help="Event gold (JSON lines of doc, events)."),
    ] = None,
    errors: Annotated[
        bool, typer.Option("--errors", help="List every miss, spurious find or wrong field.")
    ] = False,
    fmt: FormatOption = Format.table,
    as_json: JsonOption = False,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """Score the index against gold: spans, canonical names, date values, topics, events."""
    from kyrgyz_ru.evaluate.events import read_event_gold, score_index
    from kyrgyz_ru.evaluate.scoring import (
        read_entity_gold,
        read_topic_gold,
        score_entities,
        score_topics,
    )
    from kyrgyz_ru.output.events import event_error_record, event_eval_rows
    from kyrgyz_ru.output.formats import write_object
    from kyrgyz_ru.output.views import ERROR_COLUMNS, EVAL_COLUMNS, error_record, eval_rows
    from kyrgyz_ru.query.entities import all_mentions, paragraph_records

    if gold is None and topics_gold is None and events_gold is None:
        raise UsageError("give at least one of --gold, --topics-gold, --events-gold")
    index = open_index(db, model)
    report = topic_report = event_report = None
    if gold is not None:
        predicted = ({**r.record(), "entity": r.entity_id} for r in all_mentions(index.db))
        report = score_entities(predicted, read_entity_gold(gold))
    if topics_gold is not None:
        topic_report = score_topics(paragraph_records(index.db), read_topic_gold(topics_gold))
    if events_gold is not None:
        event_report = score_index(index.db, read_event_gold(events_gold))
    fmt = output_format(fmt, as_json)
    if fmt is Format.json:
        result: dict[str, Any] = {}
        if report:
            result["entities"] = report.to_dict()
            if not errors:
                result["entities"].pop("errors", None)
        if topic_report:
            result["topics"] = topic_report.to_dict()
        if event_report:
            result["events"] = event_report.to_dict()
            if not errors:
                result["events"].pop("errors", None)
        write_object(result, sys.stdout)
        return
    rows = eval_rows(report, topic_report) + (event_eval_rows(event_report) if event_report else [])
    emit(rows, fmt, EVAL_COLUMNS)
    if errors:
        found = [error_record(e) for e in (report.errors if report else [])]
        found += [event_error_record(e) for e in (event_report.errors if event_report else [])]
        emit(found, fmt, ERROR_COLUMNS)
