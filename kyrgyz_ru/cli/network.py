"""krq network: who takes part in events together (or is named in the same sentence or
paragraph), as a table, as files for Gephi, Cytoscape and networkx, or as a picture.

networkx and matplotlib are imported inside the command, only when it runs."""

from __future__ import annotations

import io
import sys
from enum import Enum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Optional

import typer

from kyrgyz_ru.cli.console import cut, emit, err, note_scope
from kyrgyz_ru.cli.opening import open_index
from kyrgyz_ru.cli.options import (
    DEFAULT_LIMIT,
    AllCopiesOption,
    DbOption,
    DocOption,
    EntityOption,
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

if TYPE_CHECKING:
    from kyrgyz_ru.query.network import NetworkFilter


class GraphFormat(str, Enum):
    table = "table"
    graphml = "graphml"
    gexf = "gexf"
    json = "json"
    csv = "csv"
    dot = "dot"


OutputOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--output", "-o", help="Draw a picture to this file: .html, .svg or .png."),
]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace the --output file.")]


def network_cli(
    by: Annotated[
        str,
        typer.Option("--by", help="What joins two entities: events, sentences or paragraphs."),
    ] = "events",
    type_: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--type", "-t", help="Only events of this category (CONSULT, AGREE...)."),
    ] = None,
    mode: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--mode", help="Only events of this mode: visit, meet, call, summit..."),
    ] = None,
    actor: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--actor", "-a", help="Only the network around this entity (see --depth)."),
    ] = None,
    depth: Annotated[
        int, typer.Option("--depth", min=1, max=10, help="Steps from --actor to include.")
    ] = 1,
    min_weight: Annotated[
        int, typer.Option("--min-weight", min=1, help="Only ties of at least this weight.")
    ] = 1,
    org: OrgOption = None,
    person: PersonOption = None,
    place: PlaceOption = None,
    entity: EntityOption = None,
    doc: DocOption = None,
    topic: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--topic", help="Only events (or sentences) in paragraphs of this topic."),
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    source: SourceOption = None,
    lang: LangOption = None,
    all_copies: AllCopiesOption = False,
    fmt: Annotated[
        GraphFormat,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="table, graphml, gexf, json (networkx node-link), csv (edges) or dot.",
        ),
    ] = GraphFormat.table,
    output: OutputOption = None,
    force: ForceOption = False,
    limit: LimitOption = DEFAULT_LIMIT,
    db: DbOption = None,
    model: ModelOption = None,
) -> None:
    """The network of people, organisations and states: ties by shared events (or sentences,
    paragraphs), as a table, graph files, or a picture (--output net.html|svg|png)."""
    from kyrgyz_ru.errors import UsageError
    from kyrgyz_ru.output.pictures import check_target
    from kyrgyz_ru.query.documents import check_doc
    from kyrgyz_ru.query.entities import resolve
    from kyrgyz_ru.query.events import EVENT_TYPES, MODES, EventFilter, check_choices
    from kyrgyz_ru.query.network import NetworkFilter, check_by, network, with_events
    from kyrgyz_ru.query.selection import check_date, check_range
    from kyrgyz_ru.query.topics import topic_labels
    from kyrgyz_ru.query.trend import check_topic

    # Everything about the command line is checked before the index is opened.
    target = check_target(output, force) if output is not None else None
    if target is not None and fmt is not GraphFormat.table:
        raise UsageError("--output draws a picture; --format writes data to stdout: use one")
    types = check_choices(type_ or (), EVENT_TYPES, "--type")
    modes = check_choices(mode or (), MODES, "--mode")
    check_range(check_date(since, "--since"), check_date(until, "--until"))
    index = open_index(db, model)
    if doc is not None:
        check_doc(index.db, doc)
    if topic is not None:
        topic = check_topic(topic_labels(index), topic)
    named = involved(index, org=org, person=person, place=place, entity=entity)
    center = resolve(index.db, actor) if actor is not None else None
    chosen = EventFilter(
        types=types,
        modes=modes,
        involved=named,
        doc=doc,
        topic=topic,
        since=since,
        until=until,
        scope=scope(index, source, all_copies, lang),
    )
    note_scope(index.db, chosen.scope)
    wanted = NetworkFilter(
        by=check_by(by, chosen),
        chosen=chosen,
        min_weight=min_weight,
        center=center.id if center else None,
        depth=depth,
    )
    graph = network(index.db, wanted)
    if not graph.edges:
        around = f" around {center.name}" if center else ""
        err.print(f"krq: no ties{around} match these filters; nothing to draw", markup=False)
        if target is not None or fmt is GraphFormat.table:
            return
    if target is not None:
        from kyrgyz_ru.output.graph import laid_out

        placed = laid_out(with_events(index.db, graph, wanted))
        title = _title(wanted, center.name if center else None)
        if target.suffix.casefold() == ".html":
            from kyrgyz_ru.output.html import network_page
            from kyrgyz_ru.output.pictures import write_whole

            page = network_page(placed, title).encode("utf-8")

            def write(out: IO[bytes]) -> None:
                out.write(page)

            write_whole(target, write)
        else:
            from kyrgyz_ru.output.charts import draw_network

            draw_network(placed, title, target)
        err.print(
            f"krq: drew {len(placed.graph.nodes)} entities and "
            f"{len(placed.graph.edges)} ties to {target}",
            markup=False,
        )
        return
    from kyrgyz_ru.output import graph as files

    if fmt is GraphFormat.table:
        rows = cut(list(files.edge_records(graph)), limit, len(graph.edges))
        emit(rows, Format.table, files.edge_columns(graph.by))
        return
    text = io.StringIO()
    if fmt in (GraphFormat.graphml, GraphFormat.gexf):
        raw = io.BytesIO()
        (files.write_graphml if fmt is GraphFormat.graphml else files.write_gexf)(graph, raw)
        text.write(raw.getvalue().decode("utf-8").rstrip("\n") + "\n")
    elif fmt is GraphFormat.json:
        files.write_node_link(graph, text)
    elif fmt is GraphFormat.csv:
        files.write_edges_csv(graph, text)
    else:
        files.write_dot(graph, text)
    sys.stdout.write(text.getvalue())


def _title(wanted: NetworkFilter, center: str | None) -> str:
    chosen = wanted.chosen
    joined = {
        "events": "taking part in the same events",
        "sentences": "named in the same sentence",
        "paragraphs": "named in the same paragraph",
    }[wanted.by]
    title = f"Who is tied to whom: entities {joined}"
    bounds = []
    if center:
        bounds.append(f"around {center}" + (f", {wanted.depth} steps" if wanted.depth > 1 else ""))
    if chosen.types:
        bounds.append("types " + ", ".join(chosen.types))
    if chosen.topic:
        bounds.append(f"topic {chosen.topic}")
    if chosen.since or chosen.until:
        bounds.append(f"{chosen.since or '…'} to {chosen.until or '…'}")
    if wanted.min_weight > 1:
        bounds.append(f"ties of {wanted.min_weight} or more")
    return title + (f" ({'; '.join(bounds)})" if bounds else "")
