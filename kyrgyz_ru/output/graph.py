"""The network as files other tools read (GraphML, GEXF, networkx node-link JSON, CSV edges,
Graphviz dot), as table records, and laid out for a picture.

networkx is imported here, and this module only by `krq network`: other commands keep their
start-up time."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

import networkx as nx

from kyrgyz_ru.output.formats import Column
from kyrgyz_ru.query.network import Network

# A picture of more nodes is a blot: the strongest ties' nodes are drawn, the files hold all.
MOST_DRAWN = 250
UNIT_HEADERS = {"events": "Events", "sentences": "Sentences", "paragraphs": "Paragraphs"}


def to_networkx(graph: Network) -> nx.Graph[str]:
    """An undirected networkx graph: node `label` is the name (Gephi shows it), `type` the kind."""
    found: nx.Graph[str] = nx.Graph(by=graph.by)
    for node in graph.nodes:
        found.add_node(
            node.id, label=node.name, type=node.label, mentions=node.mentions, count=node.count
        )
    for edge in graph.edges:
        extra = {k: v for k, v in (("first", edge.first), ("last", edge.last)) if v is not None}
        found.add_edge(
            edge.source, edge.target, weight=edge.weight, types=";".join(edge.types), **extra
        )
    return found


def write_graphml(graph: Network, out: IO[bytes]) -> None:
    nx.write_graphml(to_networkx(graph), out, encoding="utf-8")


def write_gexf(graph: Network, out: IO[bytes]) -> None:
    nx.write_gexf(to_networkx(graph), out, encoding="utf-8")


def write_node_link(graph: Network, out: IO[str]) -> None:
    data = nx.node_link_data(to_networkx(graph), edges="edges")
    out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def write_edges_csv(graph: Network, out: IO[str]) -> None:
    names = {n.id: n for n in graph.nodes}
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "source",
            "target",
            "source_name",
            "target_name",
            "source_type",
            "target_type",
            "weight",
            "types",
            "first",
            "last",
        ]
    )
    for e in graph.edges:
        a, b = names[e.source], names[e.target]
        writer.writerow(
            [
                e.source,
                e.target,
                a.name,
                b.name,
                a.label,
                b.label,
                e.weight,
                ";".join(e.types),
                e.first or "",
                e.last or "",
            ]
        )


def _dot_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def write_dot(graph: Network, out: IO[str]) -> None:
    """Graphviz dot, written directly: networkx's writer needs pydot or pygraphviz."""
    from kyrgyz_ru.output.pictures import TYPE_COLOURS

    out.write(f"graph krq {{\n  // edges join entities by shared {graph.by}\n")
    out.write('  node [style=filled, fontname="Helvetica", fontcolor=white];\n')
    for n in graph.nodes:
        out.write(
            f"  {_dot_text(n.id)} [label={_dot_text(n.name)}, type={n.label},"
            f" mentions={n.mentions}, fillcolor={_dot_text(TYPE_COLOURS[n.label])}];\n"
        )
    for e in graph.edges:
        out.write(
            f"  {_dot_text(e.source)} -- {_dot_text(e.target)} [weight={e.weight},"
            f" penwidth={1 + math.log2(e.weight):.2f},"
            f" label={_dot_text(str(e.weight))}, types={_dot_text(';'.join(e.types))}];\n"
        )
    out.write("}\n")


def edge_columns(by: str) -> list[Column]:
    return [
        Column("Pair", "pair"),
        Column(UNIT_HEADERS[by], "weight", justify="right"),
        Column("Types", "types"),
        Column("First", "first"),
        Column("Last", "last"),
    ]


def edge_records(graph: Network) -> Iterator[Mapping[str, Any]]:
    """The ties of the table (and `--format jsonl`): strongest first."""
    names = {n.id: n.name for n in graph.nodes}
    for e in graph.edges:
        yield {
            "pair": f"{names[e.source]} — {names[e.target]}",
            "source": e.source,
            "target": e.target,
            "weight": e.weight,
            "types": list(e.types),
            "first": e.first,
            "last": e.last,
        }


@dataclass(frozen=True)
class Placed:
    """A network cut to what a picture can show, with each node's place in the unit square."""

    graph: Network
    positions: dict[str, tuple[float, float]]
    left_out: int  # nodes not drawn


def laid_out(graph: Network) -> Placed:
    """Positions in the unit square: each connected part laid out by force, the parts packed in
    rows (largest first) rather than flung to the corners, then nodes pushed apart until none
    covers another.

    Edge weights are left out of the layout: heavy ties would pull their ends onto one spot,
    and the width of the line already shows them."""
    keep = {n.id for n in graph.nodes[:MOST_DRAWN]}
    edges = [e for e in graph.edges if e.source in keep and e.target in keep]
    ends = {e.source for e in edges} | {e.target for e in edges}
    drawn = Network(graph.by, [n for n in graph.nodes if n.id in ends], edges, graph.events)
    shape: nx.Graph[str] = nx.Graph()
    shape.add_nodes_from(n.id for n in drawn.nodes)
    shape.add_edges_from((e.source, e.target) for e in edges)
    parts = sorted((sorted(c) for c in nx.connected_components(shape)), key=lambda c: -len(c))
    boxes = [_part(shape.subgraph(part)) for part in parts]
    positions = _normalised(_packed(boxes))
    return Placed(drawn, positions, len(graph.nodes) - len(drawn.nodes))


Box = dict[str, tuple[float, float]]
SPACING = 1.0  # the distance the layout keeps between neighbours, in layout units
NEAREST = 0.85  # no two nodes closer than this: room for a node and its name


def _part(part: nx.Graph[str]) -> Box:
    """One connected part laid out around (0, 0), its size growing with its nodes."""
    if len(part) == 1:
        return {next(iter(part.nodes)): (0.0, 0.0)}
    raw = nx.spring_layout(part, iterations=200, seed=13, weight=None, method="force")
    radius = SPACING * math.sqrt(len(part)) * 0.8
    placed = {str(k): (float(p[0]) * radius, float(p[1]) * radius) for k, p in raw.items()}
    return _spread(placed)


def _spread(placed: Box) -> Box:
    """Push apart nodes closer than NEAREST, a little at a time, until none are."""
    keys = list(placed)
    xs = [placed[k][0] for k in keys]
    ys = [placed[k][1] for k in keys]
    for _ in range(100):
        moved = False
        for i in range(len(keys)):
            for j in range(i + 1, len(keys)):
                dx, dy = xs[j] - xs[i], ys[j] - ys[i]
                apart = math.hypot(dx, dy)
                if apart >= NEAREST:
                    continue
                moved = True
                if apart < 1e-9:  # on one spot: part them along a fixed direction
                    dx, dy, apart = math.cos(i + j), math.sin(i + j), 1.0
                push = (NEAREST - apart) / 2 / apart
                xs[i] -= dx * push
                ys[i] -= dy * push
                xs[j] += dx * push
                ys[j] += dy * push
        if not moved:
            break
    return {k: (x, y) for k, x, y in zip(keys, xs, ys, strict=True)}


def _packed(boxes: list[Box]) -> Box:
    """Parts side by side in rows about as wide as the whole is tall, each row under the last."""
    sizes = []
    for box in boxes:
        xs = [p[0] for p in box.values()]
        ys = [p[1] for p in box.values()]
        sizes.append((min(xs), max(xs) - min(xs) + SPACING, min(ys), max(ys) - min(ys) + SPACING))
    area = sum(w * h for _, w, _, h in sizes)
    row_width = max(max((w for _, w, _, _ in sizes), default=1.0), math.sqrt(area) * 1.33)
    placed: Box = {}
    x = y = row_height = 0.0
    for box, (left, width, low, height) in zip(boxes, sizes, strict=True):
        if x > 0 and x + width > row_width:
            x, y, row_height = 0.0, y - row_height, 0.0
        for key, (px, py) in box.items():
            placed[key] = (x + px - left, y - height + (py - low) + SPACING / 2)
        x += width
        row_height = max(row_height, height)
    return placed


def _normalised(placed: Box) -> Box:
    """The picture in the unit square, its proportions kept and centred."""
    if not placed:
        return {}
    xs = [p[0] for p in placed.values()]
    ys = [p[1] for p in placed.values()]
    side = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    dx = (1 - (max(xs) - min(xs)) / side) / 2
    dy = (1 - (max(ys) - min(ys)) / side) / 2
    return {
        k: ((x - min(xs)) / side + dx, (y - min(ys)) / side + dy) for k, (x, y) in placed.items()
    }
