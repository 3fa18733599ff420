"""krq topics: what the corpus, or the paragraphs naming an entity, talks about."""

from __future__ import annotations

from pathlib import Path
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
    selection,
)
from kyrgyz_ru.errors import NotFoundError
from kyrgyz_ru.output.formats import Format


def topics_cli(
    show: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--show", help="List the evidence paragraphs of this topic."),
    ] = None,
    org: OrgOption = None,
    person: PersonOption = None,
    place: PlaceOption = None,
    entity: EntityOption = None,
    doc: DocOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    taxonomy: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--taxonomy", help="Assign topics again with this taxonomy file first."),
    ] = None,
    source: SourceOption = None,
    lang: LangOption = None,
    all_copies: AllCopiesOption = False,
    limit: LimitOption = DEFAULT_LIMIT,
    fmt: FormatOption = Format.table,
    as_json: JsonOption = False,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """What the corpus (or the paragraphs naming an entity) talks about, with the evidence."""
    from kyrgyz_ru.output.views import (
        EVIDENCE_COLUMNS,
        TOPIC_COLUMNS,
        evidence_record,
        topic_record,
    )
    from kyrgyz_ru.query.topics import evidence, topic_labels, topics

    index = open_index(db, model)
    if taxonomy is not None:
        from kyrgyz_ru.extract.ingest import retopic

        count = retopic(index, taxonomy)
        err.print(f"krq: assigned topics to {count} paragraphs with {taxonomy}", markup=False)
    labels = topic_labels(index)
    chosen = selection(
        index, org=org, person=person, place=place, entity=entity, doc=doc, since=since,
        until=until, source=source, all_copies=all_copies, lang=lang,
    )  # fmt: skip
    note_scope(index.db, chosen.scope)
    fmt = output_format(fmt, as_json)
    scope = " and ".join(chosen.described) or (doc or "the corpus")
    if show is not None:
        show = next((t for t in labels if t.casefold() == show.casefold()), show)
        if show not in labels:
            raise NotFoundError(f"no topic '{show[:40]}'; topics: {', '.join(labels)}")
        rows = cut(evidence(index.db, chosen, show, ask(limit)), limit)
        emit(
            (evidence_record(r) for r in rows),
            fmt,
            EVIDENCE_COLUMNS,
            f"{labels[show]}: {len(rows)} paragraphs in {scope}",
        )
        return
    ranked = cut(topics(index.db, chosen, labels, ask(limit)), limit)
    emit((topic_record(r) for r in ranked), fmt, TOPIC_COLUMNS, f"Topics of {scope}")
