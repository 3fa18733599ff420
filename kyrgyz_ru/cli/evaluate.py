"""krq eval: score the index against gold annotations."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from kyrgyz_ru.cli.console import emit, output_format
from kyrgyz_ru.cli.opening import open_index
from kyrgyz_ru.cli.options import DbOption, FormatOption, JsonOption, ModelOption
from kyrgyz_ru.output.formats import Format


def evaluate_cli(
    gold: Annotated[
        Path, typer.Option("--gold", help="Entity gold: JSON lines of {doc, mentions}.")
    ],
    topics_gold: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--topics-gold", help="Paragraph topic gold (JSON lines of doc, paragraphs)."),
    ] = None,
    errors: Annotated[
        bool, typer.Option("--errors", help="List every missed, spurious or mislinked mention.")
    ] = False,
    fmt: FormatOption = Format.table,
    as_json: JsonOption = False,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """Score the index against gold annotations: spans, canonical names, date values, topics."""
    from kyrgyz_ru.evaluate.scoring import (
        read_entity_gold,
        read_topic_gold,
        score_entities,
        score_topics,
    )
    from kyrgyz_ru.output.formats import write_object
    from kyrgyz_ru.output.views import ERROR_COLUMNS, EVAL_COLUMNS, error_record, eval_rows
    from kyrgyz_ru.query.entities import all_mentions, paragraph_records

    index = open_index(db, model)
    predicted = ({**r.record(), "entity": r.entity_id} for r in all_mentions(index.db))
    report = score_entities(predicted, read_entity_gold(gold))
    topic_report = (
        score_topics(paragraph_records(index.db), read_topic_gold(topics_gold))
        if topics_gold
        else None
    )
    fmt = output_format(fmt, as_json)
    if fmt is Format.json:
        result: dict[str, Any] = {"entities": report.to_dict()}
        if topic_report:
            result["topics"] = topic_report.to_dict()
        if not errors:
            result["entities"].pop("errors", None)
        write_object(result, sys.stdout)
        return
    emit(eval_rows(report, topic_report), fmt, EVAL_COLUMNS)
    if errors:
        emit((error_record(e) for e in report.errors), fmt, ERROR_COLUMNS)
