"""The krq command line: thin typer wrappers over the library, and the one error boundary."""

import os
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console

from kyrgyz_ru import __version__
from kyrgyz_ru.errors import ExitStatus, KrqError, NotFoundError, UsageError
from kyrgyz_ru.index import Index, default_path, describe_error
from kyrgyz_ru.render import Column, Format, write

_SETTINGS: dict[str, Any] = {
    "name": "krq",
    "help": "Entities, dates and topics of news articles, each answer traced to its source.",
    "no_args_is_help": True,
    "add_completion": False,
    "pretty_exceptions_enable": False,
}
app = typer.Typer(**_SETTINGS)
# name -> function of every command, so that a run builds only the command it invokes.
COMMANDS: dict[str, Callable[..., None]] = {}


def command(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def register(function: Callable[..., None]) -> Callable[..., None]:
        COMMANDS[name] = function
        return app.command(name)(function)

    return register


err = Console(stderr=True, highlight=False, soft_wrap=True)

# -- shared options ------------------------------------------------------------------------

DbOption = Annotated[
    Optional[Path],  # noqa: UP045 - typer reads the annotation at run time
    typer.Option("--db", help="Index file. [default: $KRQ_DB or $XDG_CACHE_HOME/krq/index.db]"),
]
ModelOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--model",
        help="spaCy pipeline for extraction. [default: $KRQ_MODEL or en_core_web_sm]",
    ),
]
FormatOption = Annotated[
    Format, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
]
JsonOption = Annotated[bool, typer.Option("--json", help="Shorthand for --format json.")]
LimitOption = Annotated[
    int,
    typer.Option("--limit", "-n", min=0, help="Show at most this many rows; 0 shows all."),
]
DEFAULT_LIMIT = 100  # a listing of a large corpus is a screenful, not the corpus: see export
TypeOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--type", "-t", help="Only this type: person, org, place or date."),
]
DocOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--doc", "-d", help="Only this document (its id, the file stem)."),
]


def _ask(limit: int) -> int | None:
    """How many rows to fetch: one more than shown tells whether there were more."""
    return limit + 1 if limit else None


def _cut(rows: list[Any], limit: int, total: int | None = None) -> list[Any]:
    if limit and len(rows) > limit:
        of = f" of {total}" if total else ""
        err.print(f"krq: showing the first {limit}{of}; --limit 0 shows all", markup=False)
        return rows[:limit]
    return rows


def _format(fmt: Format, as_json: bool) -> Format:
    return Format.json if as_json else fmt


def _emit(
    records: Iterable[Mapping[str, Any]],
    fmt: Format,
    columns: Sequence[Column],
    title: str | None = None,
) -> int:
    return write(records, fmt, columns, sys.stdout, Console(highlight=False), title)


# -- opening the index ---------------------------------------------------------------------


def _index(db: Path | None, model: str | None = None) -> Index:
    """The index for a query; built from the bundled articles the first time."""
    path = db or default_path()
    index = Index.open(path)
    if index.document_count() == 0 and index.meta("stale") is None:
        from kyrgyz_ru.corpus import bundled_seeds

        err.print(f"krq: building the index at {path} from the bundled articles…")
        _run_ingest(index, [bundled_seeds()], model=model)
    return index


def _run_ingest(index: Index, paths: Sequence[Path], model: str | None, **kwargs: Any) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from kyrgyz_ru.ingest import IngestOptions, ingest
    from kyrgyz_ru.pipeline import model_name

    options = IngestOptions(model=model_name(model), **kwargs)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("extracting", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return ingest(index, paths, options, progress)


# -- commands ------------------------------------------------------------------------------


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of unexpected errors.")
    ] = False,
) -> None:
    """krq reads English news articles, extracts the people, organisations, places and dates
    in them, groups what they talk about into topics, and answers questions about them."""
    if version:
        typer.echo(f"krq {__version__}")
        raise typer.Exit()


@command("entities")
def entities_cli(
    type_: TypeOption = None,
    doc: DocOption = None,
    search: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--search", "-s", help="Only entities whose name or an alias is like this."),
    ] = None,
    min_count: Annotated[
        int, typer.Option("--min-count", min=1, help="Only entities with this many mentions.")
    ] = 1,
    limit: LimitOption = DEFAULT_LIMIT,
    fmt: FormatOption = Format.table,
    as_json: JsonOption = False,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """People, organisations, places and dates, by number of mentions."""
    from kyrgyz_ru.query import entities
    from kyrgyz_ru.views import ENTITY_COLUMNS, entity_record

    index = _index(db, model)
    rows = _cut(entities(index.db, type_, doc, search, min_count, _ask(limit)), limit)
    _emit((entity_record(r) for r in rows), _format(fmt, as_json), ENTITY_COLUMNS)


@command("mentions")
def mentions_cli(
    entity: Annotated[str, typer.Argument(help="An entity's name, alias or id (fuzzy).")],
    type_: TypeOption = None,
    doc: DocOption = None,
    limit: LimitOption = DEFAULT_LIMIT,
    fmt: FormatOption = Format.table,
    as_json: JsonOption = False,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """Every mention of an entity: document, offsets, and the sentence it stands in."""
    from kyrgyz_ru.query import mentions, resolve
    from kyrgyz_ru.views import MENTION_COLUMNS, mention_record

    index = _index(db, model)
    found = resolve(index.db, entity, type_)
    fmt = _format(fmt, as_json)
    rows = _cut(mentions(index.db, found.id, doc, _ask(limit)), limit, found.mentions)
    title = f"{found.name} ({found.label.lower()}): {found.mentions} mentions"
    _emit((mention_record(r, fmt is Format.table) for r in rows), fmt, MENTION_COLUMNS, title)


@command("show")
def show_cli(
    entity: Annotated[str, typer.Argument(help="An entity's name, alias or id (fuzzy).")],
    type_: TypeOption = None,
    fmt: FormatOption = Format.table,
    as_json: JsonOption = False,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """One entity: its canonical name, type, aliases, documents, and why each alias is its."""
    from kyrgyz_ru.query import resolve, show
    from kyrgyz_ru.render import write_object
    from kyrgyz_ru.views import ALIAS_COLUMNS, detail_record

    index = _index(db, model)
    detail = show(index.db, resolve(index.db, entity, type_))
    record = detail_record(detail)
    fmt = _format(fmt, as_json)
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
    _emit(record["aliases"], fmt, ALIAS_COLUMNS)


@command("docs")
def docs_cli(
    limit: LimitOption = DEFAULT_LIMIT,
    fmt: FormatOption = Format.table,
    as_json: JsonOption = False,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """The documents in the index: id, date and where it came from, title, size, entities."""
    from kyrgyz_ru.query import documents
    from kyrgyz_ru.views import DOCUMENT_COLUMNS, document_record

    index = _index(db, model)
    rows = _cut(documents(index.db, _ask(limit)), limit, index.document_count())
    _emit((document_record(r) for r in rows), _format(fmt, as_json), DOCUMENT_COLUMNS)


@command("ingest")
def ingest_cli(
    paths: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Argument(help="Article files (.txt) or folders of them, searched recursively."),
    ] = None,
    rebuild: Annotated[
        bool,
        typer.Option("--rebuild", help="Start a new index (with no paths: the bundled articles)."),
    ] = False,
    workers: Annotated[
        int, typer.Option("--workers", "-w", min=1, max=32, help="Processes running spaCy.")
    ] = 1,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Documents per batch and transaction.")
    ] = 32,
    date: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--date", help="Publication date (YYYY[-MM[-DD]]) of articles without one."),
    ] = None,
    knowledge: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Option("--knowledge", "-k", help="Extra knowledge base file (JSON lines)."),
    ] = None,
    taxonomy: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--taxonomy", help="Topic taxonomy file instead of the default."),
    ] = None,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """Add articles to the index; unchanged ones are skipped, changed ones replaced."""
    from kyrgyz_ru.corpus import bundled_seeds
    from kyrgyz_ru.selection import check_date

    check_date(date, "--date")
    path = db or default_path()
    if rebuild:
        _remove_index(path)
    targets = list(paths or []) or [bundled_seeds()]
    # Born "stale": a query meanwhile must not take it for an empty index to fill with seeds.
    index = Index.open(path, new_meta={"stale": "1"})
    report = _run_ingest(
        index,
        targets,
        model,
        workers=workers,
        batch_size=batch_size,
        date=date,
        knowledge_files=tuple(knowledge or ()),
        taxonomy=taxonomy,
    )
    done = len(report.added) + len(report.updated)
    err.print(
        f"krq: {len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped "
        f"({report.mentions} mentions, {report.seconds:.1f} s); index: {path}",
        markup=False,
    )
    for where, note in report.notes:
        err.print(f"krq: {where}: {note}", markup=False)
    for where, why in report.skipped:
        err.print(f"krq: skipped {where}: {why}", markup=False)
    if report.skipped:
        if done == 0 and not report.unchanged:
            raise typer.Exit(ExitStatus.BAD_INPUT)
        raise typer.Exit(ExitStatus.PARTIAL)


def _remove_index(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        target = Path(str(path) + suffix)
        try:
            target.unlink(missing_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot remove the old index {target}: {exc.strerror}") from None


@command("export")
def export_cli(
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
    ] = Format.jsonl,
    paragraphs: Annotated[
        bool, typer.Option("--paragraphs", help="Export paragraphs with their topics instead.")
    ] = False,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """Every mention (or paragraph) in the index, streamed."""
    from kyrgyz_ru.query import all_mentions, paragraph_records
    from kyrgyz_ru.views import MENTION_COLUMNS, PARAGRAPH_COLUMNS, mention_record

    index = _index(db, model)
    if paragraphs:
        _emit(paragraph_records(index.db), fmt, PARAGRAPH_COLUMNS)
    else:
        rows: Iterator[Mapping[str, Any]] = (
            mention_record(r, fmt is Format.table) for r in all_mentions(index.db)
        )
        _emit(rows, fmt, MENTION_COLUMNS)


@command("eval")
def eval_cli(
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
    from kyrgyz_ru.evaluate import read_entity_gold, read_topic_gold, score_entities, score_topics
    from kyrgyz_ru.query import all_mentions, paragraph_records
    from kyrgyz_ru.render import write_object
    from kyrgyz_ru.views import ERROR_COLUMNS, EVAL_COLUMNS, eval_rows

    index = _index(db, model)
    predicted = ({**r.record(), "entity": r.entity_id} for r in all_mentions(index.db))
    report = score_entities(predicted, read_entity_gold(gold))
    topic_report = (
        score_topics(paragraph_records(index.db), read_topic_gold(topics_gold))
        if topics_gold
        else None
    )
    fmt = _format(fmt, as_json)
    if fmt is Format.json:
        result: dict[str, Any] = {"entities": report.to_dict()}
        if topic_report:
            result["topics"] = topic_report.to_dict()
        if not errors:
            result["entities"].pop("errors", None)
        write_object(result, sys.stdout)
        return
    _emit(eval_rows(report, topic_report), fmt, EVAL_COLUMNS)
    if errors:
        _emit(
            ({"kind": e.kind, "doc": e.doc, "start": e.start, "end": e.end, "label": e.label,
              "text": e.text, "detail": e.detail} for e in report.errors),
            fmt,
            ERROR_COLUMNS,
        )  # fmt: skip


OrgOption = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--org", help="Only where this organisation is named (fuzzy)."),
]
PersonOption = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--person", help="Only where this person is named (fuzzy)."),
]
PlaceOption = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--place", help="Only where this place is named (fuzzy)."),
]
EntityOption = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--entity", help="Only where this entity of any type is named (fuzzy)."),
]
SinceOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--since", help="From this date on (YYYY[-MM[-DD]])."),
]
UntilOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--until", help="Up to and including this date (YYYY[-MM[-DD]])."),
]


def _selection(
    index: Index,
    org: list[str] | None,
    person: list[str] | None,
    place: list[str] | None,
    entity: list[str] | None,
    doc: str | None,
    since: str | None,
    until: str | None,
) -> Any:
    from kyrgyz_ru.query import check_doc, resolve
    from kyrgyz_ru.selection import Selection, check_date

    wanted: list[tuple[str | None, str]] = [("ORG", n) for n in org or ()]
    wanted += [("PERSON", n) for n in person or ()]
    wanted += [("PLACE", n) for n in place or ()] + [(None, n) for n in entity or ()]
    found = [resolve(index.db, name, label) for label, name in wanted]
    if doc is not None:
        check_doc(index.db, doc)
    return Selection(
        entities=tuple(e.id for e in found),
        doc=doc,
        since=check_date(since, "--since"),
        until=check_date(until, "--until"),
        described=tuple(e.name for e in found),
    )


@command("topics")
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
    limit: LimitOption = DEFAULT_LIMIT,
    fmt: FormatOption = Format.table,
    as_json: JsonOption = False,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """What the corpus (or the paragraphs naming an entity) talks about, with the evidence."""
    from kyrgyz_ru.topicquery import evidence, topic_labels, topics
    from kyrgyz_ru.views import EVIDENCE_COLUMNS, TOPIC_COLUMNS, evidence_record, topic_record

    index = _index(db, model)
    if taxonomy is not None:
        from kyrgyz_ru.ingest import retopic

        count = retopic(index, taxonomy)
        err.print(f"krq: assigned topics to {count} paragraphs with {taxonomy}", markup=False)
    labels = topic_labels(index)
    selection = _selection(index, org, person, place, entity, doc, since, until)
    fmt = _format(fmt, as_json)
    scope = " and ".join(selection.described) or (doc or "the corpus")
    if show is not None:
        if show not in labels:
            raise NotFoundError(f"no topic '{show[:40]}'; topics: {', '.join(labels)}")
        rows = _cut(evidence(index.db, selection, show, _ask(limit)), limit)
        _emit(
            (evidence_record(r, fmt is Format.table) for r in rows),
            fmt,
            EVIDENCE_COLUMNS,
            f"{labels[show]}: {len(rows)} paragraphs in {scope}",
        )
        return
    rows_ = _cut(topics(index.db, selection, labels, _ask(limit)), limit)
    _emit((topic_record(r) for r in rows_), fmt, TOPIC_COLUMNS, f"Topics of {scope}")


@command("timeline")
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
    from kyrgyz_ru.timeline import timeline
    from kyrgyz_ru.views import TIMELINE_COLUMNS, event_record

    index = _index(db, model)
    selection = _selection(index, org, person, place, entity, doc, since, until)
    fmt = _format(fmt, as_json)
    rows = _cut(timeline(index.db, selection, _ask(limit)), limit)
    _emit((event_record(r, fmt is Format.table) for r in rows), fmt, TIMELINE_COLUMNS)


# -- the error boundary --------------------------------------------------------------------


def _app_for(args: Sequence[str]) -> typer.Typer:
    """An app with just the command being run: typer builds every command's parameters on each
    start, and a query should not pay for the eight commands it does not run."""
    name = next((a for a in args if not a.startswith("-")), None)
    if name not in COMMANDS:
        return app  # help, --version, a typo: the full app answers
    lean = typer.Typer(**_SETTINGS)
    lean.callback(invoke_without_command=True)(_root)
    lean.command(name)(COMMANDS[name])
    return lean


def main(argv: Sequence[str] | None = None) -> None:
    """Run krq: library errors become one line on stderr and an exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or bool(os.environ.get("KRQ_DEBUG"))
    if "--debug" in args[1:]:  # accepted after the command too
        args = [a for a in args if a != "--debug"]
    try:
        # Standalone mode: typer reports its own usage errors (status 2) and exits itself.
        _app_for(args)(args=args, prog_name="krq")
        status: int = ExitStatus.SUCCESS
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KrqError as exc:
        if debug:
            err.print_exception()
        err.print(f"krq: {exc}", markup=False)
        status = exc.status
    except KeyboardInterrupt:
        err.print("krq: interrupted", markup=False)
        status = ExitStatus.INTERRUPTED
    except UnicodeEncodeError as exc:
        if debug:
            err.print_exception()
        if "surrogates" in str(exc.reason):  # argv bytes that are not UTF-8 (surrogateescape)
            err.print("krq: an argument or file name is not valid UTF-8 text", markup=False)
            status = ExitStatus.USAGE
        else:
            err.print(
                f"krq: cannot write text in the {exc.encoding} encoding; "
                "set PYTHONIOENCODING=utf-8",
                markup=False,
            )
            status = ExitStatus.ERROR
    except sqlite3.DatabaseError as exc:  # found damaged, locked or full while in use
        if debug:
            err.print_exception()
        err.print(f"krq: {describe_error(exc)}", markup=False)
        status = ExitStatus.INDEX
    except BrokenPipeError:
        # The reader went away (krq ... | head): not an error worth a message.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        status = ExitStatus.SUCCESS
    except Exception as exc:
        if debug:
            raise
        err.print(
            f"krq: unexpected error: {exc!r} (run with --debug for a traceback)", markup=False
        )
        status = ExitStatus.ERROR
    sys.exit(int(status))
