"""The network of entities: who takes part in events together, or who is named in the same
sentence or paragraph, as typed nodes and weighted edges. Co-occurrence is counted in SQL over
the mentions; event ties are counted over the events `query.events` selects, so that how an
actor resolves to an entity is decided in one place.

Only the standard library here: drawing and graph formats (networkx, matplotlib) belong to
`output/` and are imported by `krq network` alone."""

from __future__ import annotations

import sqlite3
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from itertools import combinations

from kyrgyz_ru.errors import UsageError
from kyrgyz_ru.query.events import EventFilter, events
from kyrgyz_ru.query.selection import Selection

UNITS = ("events", "sentences", "paragraphs")
# Nodes are actors: people, organisations and states (places); dates never are.
NODE_LABELS = ("PERSON", "ORG", "PLACE")
EVENTS_PER_NODE = 20  # what clicking a node in the HTML picture lists: the newest ones


@dataclass(frozen=True)
class NetworkFilter:
    by: str = "events"  # what joins two entities: an event, a sentence or a paragraph
    chosen: EventFilter = field(default_factory=EventFilter)
    min_weight: int = 1
    center: str | None = None  # entity id of an ego network
    depth: int = 1


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    label: str
    mentions: int  # in the whole index, as `krq entities` counts them
    count: int  # events (or sentences, paragraphs) of this network that name it


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    weight: int  # shared events (or sentences, paragraphs)
    types: tuple[str, ...]  # event types; empty for co-occurrence
    first: str | None  # the earliest and latest date of what joins them
    last: str | None


@dataclass(frozen=True)
class NodeEvent:
    date: str | None
    event_type: str
    mode: str | None
    doc: str
    sentence: str


@dataclass
class Network:
    by: str
    nodes: list[Node]
    edges: list[Edge]  # strongest first
    events: dict[str, list[NodeEvent]] = field(default_factory=dict)  # node id -> its events

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)


def check_by(by: str, chosen: EventFilter) -> str:
    by = by.casefold()
    if by not in UNITS:
        raise UsageError(f"unknown --by '{by[:40]}'; choose from {', '.join(UNITS)}")
    if by != "events" and (chosen.types or chosen.modes or chosen.actors):
        raise UsageError("--type, --mode and --actor filters apply to --by events only")
    return by


def network(db: sqlite3.Connection, wanted: NetworkFilter) -> Network:
    """Nodes and edges of the filter's network: strongest edges first, only nodes with an edge."""
    if wanted.by == "events":
        edges, counts = _event_edges(db, wanted.chosen)
    else:
        edges, counts = _cooccurrence_edges(db, wanted)
    edges = [e for e in edges if e.weight >= wanted.min_weight]
    if wanted.center is not None:
        edges = _ego(edges, wanted.center, wanted.depth)
    ids = sorted({e.source for e in edges} | {e.target for e in edges})
    nodes = _nodes(db, ids, counts)
    edges.sort(key=lambda e: (-e.weight, e.first or "", e.source, e.target))
    return Network(wanted.by, nodes, edges)


_LABELS_SQL = ",".join(f"'{label}'" for label in NODE_LABELS)


def _event_edges(db: sqlite3.Connection, chosen: EventFilter) -> tuple[list[Edge], dict[str, int]]:
    """Edges between the resolved actors of each selected event. The events come from
    `query.events`, which alone knows how an actor resolves to an entity."""
    weights: Counter[tuple[str, str]] = Counter()
    types: dict[tuple[str, str], set[str]] = {}
    spans: dict[tuple[str, str], tuple[str, str]] = {}
    counts: Counter[str] = Counter()
    for row in events(db, chosen):
        # Two references to one entity in an event ("Lavrov ... he") make it one actor.
        ids = sorted({a.entity for a in row.actors if a.entity and a.label in NODE_LABELS})
        counts.update(ids)
        when = row.date or row.document_date
        for pair in combinations(ids, 2):
            weights[pair] += 1
            types.setdefault(pair, set()).add(row.event_type)
            if when is not None:
                first, last = spans.get(pair, (when, when))
                spans[pair] = (min(first, when), max(last, when))
    edges = [
        Edge(a, b, n, tuple(sorted(types[a, b])), *spans.get((a, b), (None, None)))
        for (a, b), n in weights.items()
    ]
    return edges, dict(counts)


def _cooccurrence_edges(
    db: sqlite3.Connection, wanted: NetworkFilter
) -> tuple[list[Edge], dict[str, int]]:
    chosen = wanted.chosen
    unit = "m.sent_start" if wanted.by == "sentences" else "m.paragraph"
    # The articles' dates bound a co-occurrence (a sentence has no date of its own): the
    # documents a Selection of the same document, dates and scope would take.
    articles = Selection(doc=chosen.doc, since=chosen.since, until=chosen.until, scope=chosen.scope)
    in_articles, args = articles.documents_condition("m.doc")
    conditions = [f"n.label IN ({_LABELS_SQL})", f"{unit} IS NOT NULL", in_articles]
    if chosen.topic is not None:
        # A sentence is in the topic of its paragraph.
        conditions.append(
            "EXISTS (SELECT 1 FROM topics t WHERE t.doc = m.doc AND t.paragraph = m.paragraph"
            " AND t.topic = ?)"
        )
        args.append(chosen.topic)
    units = (
        # The entity's text id: edges name (and order) their ends by it.
        f"SELECT DISTINCT m.doc, {unit} AS unit, n.id AS entity, d.date FROM mentions m"
        " JOIN entities n ON n.key = m.entity JOIN documents d ON d.key = m.doc"
        f" WHERE {' AND '.join(conditions)}"
    )
    # Each entity that must be named keeps only the units that name it, one step after another.
    steps = [f"u0 AS ({units})"]
    for i, entity in enumerate(chosen.involved):
        steps.append(
            f"u{i + 1} AS (SELECT * FROM u{i} WHERE (doc, unit) IN"
            f" (SELECT doc, unit FROM u{i} WHERE entity = ?))"
        )
        args.append(entity)
    ctes = "WITH " + ", ".join(steps)
    last = f"u{len(chosen.involved)}"
    rows = db.execute(
        f"{ctes} SELECT x.entity, y.entity, count(*), min(x.date), max(x.date)"
        f" FROM {last} x JOIN {last} y ON y.doc = x.doc AND y.unit = x.unit"
        " AND x.entity < y.entity GROUP BY x.entity, y.entity",
        args,
    ).fetchall()
    edges = [Edge(a, b, n, (), first, last_) for a, b, n, first, last_ in rows]
    counts = dict(db.execute(f"{ctes} SELECT entity, count(*) FROM {last} GROUP BY entity", args))
    return edges, counts


def _ego(edges: list[Edge], center: str, depth: int) -> list[Edge]:
    """The edges among the entities within `depth` steps of `center`."""
    near: dict[str, set[str]] = {}
    for e in edges:
        near.setdefault(e.source, set()).add(e.target)
        near.setdefault(e.target, set()).add(e.source)
    steps = {center: 0}
    queue = deque([center])
    while queue:
        here = queue.popleft()
        if steps[here] == depth:
            continue
        for other in sorted(near.get(here, ())):
            if other not in steps:
                steps[other] = steps[here] + 1
                queue.append(other)
    if len(steps) == 1:
        return []
    return [e for e in edges if e.source in steps and e.target in steps]


def _nodes(db: sqlite3.Connection, ids: list[str], counts: dict[str, int]) -> list[Node]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = db.execute(
        f"SELECT id, name, label, mentions FROM entities WHERE id IN ({marks})", ids
    ).fetchall()
    nodes = [Node(i, name, label, mentions, counts.get(i, 0)) for i, name, label, mentions in rows]
    nodes.sort(key=lambda n: (-n.mentions, n.name))
    return nodes


def with_events(db: sqlite3.Connection, graph: Network, wanted: NetworkFilter) -> Network:
    """The network with each node's newest events (in the filter's range): what a click shows."""
    ids = {n.id for n in graph.nodes}
    found: dict[str, list[NodeEvent]] = {i: [] for i in ids}
    chosen = wanted.chosen if wanted.by == "events" else replace(wanted.chosen, involved=())
    for row in events(db, chosen):
        item = NodeEvent(
            row.date or row.document_date, row.event_type, row.mode, row.doc, row.sentence
        )
        for actor in {a.entity for a in row.actors if a.entity in ids}:
            if actor is not None and len(found[actor]) < EVENTS_PER_NODE:
                found[actor].append(item)
    graph.events = found
    return graph
