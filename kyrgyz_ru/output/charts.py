"""SVG and PNG pictures drawn with matplotlib: the network of entities and the trend chart.

matplotlib is imported here, and this module only by `krq network` and `krq trend` when they
draw. The Agg backend draws without a display; text stays text in the SVG."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import IO

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from kyrgyz_ru.output.graph import Placed
from kyrgyz_ru.output.pictures import (
    SERIES_COLOURS,
    TYPE_COLOURS,
    TYPE_NAMES,
    edge_width,
    name_lines,
    node_radius,
    write_whole,
)
from kyrgyz_ru.query.trend import Trend, period_start

plt.rcParams.update(
    {
        "date.epoch": "1970-01-01T00:00:00",
        "svg.fonttype": "none",
        "font.family": "DejaVu Sans",
        "font.size": 10,
    }
)
PNG_DPI = 150
EPOCH = dt.date(1970, 1, 1)
MOST_LABELLED = 45  # names beyond these would cover each other; the HTML shows all on hover


def _save(figure: Figure, path: Path) -> None:
    kind = path.suffix.casefold().lstrip(".")

    def write(out: IO[bytes]) -> None:
        figure.savefig(
            out,
            format=kind,
            dpi=PNG_DPI,
            bbox_inches="tight",
            metadata={"Date": None} if kind == "svg" else None,
        )

    try:
        write_whole(path, write)
    finally:
        plt.close(figure)


def draw_network(placed: Placed, title: str, path: Path) -> None:
    graph = placed.graph
    count = len(graph.nodes)
    side = 11.0 if count <= 60 else 15.0 if count <= 150 else 19.0
    figure, axes = plt.subplots(figsize=(side, side * 0.75))
    axes.set_axis_off()
    pos = placed.positions
    heaviest = max((e.weight for e in graph.edges), default=1)
    lines = LineCollection(
        [[pos[e.source], pos[e.target]] for e in graph.edges],
        linewidths=[edge_width(e.weight, heaviest, 0.6, 7.0) for e in graph.edges],
        colors="#8a8a8a",
        alpha=0.55,
        zorder=1,
    )
    axes.add_collection(lines)
    most = max((n.mentions for n in graph.nodes), default=1)
    big = 30.0 if count <= 60 else 20.0
    axes.scatter(
        [pos[n.id][0] for n in graph.nodes],
        [pos[n.id][1] for n in graph.nodes],
        s=[node_radius(n.mentions, most, 5.0, big) ** 2 for n in graph.nodes],
        c=[TYPE_COLOURS[n.label] for n in graph.nodes],
        edgecolors="white",
        linewidths=1.2,
        zorder=2,
    )
    # A pale box behind each name keeps it legible over lines; an outline (path effect) would
    # turn SVG text into shapes that cannot be searched or edited.
    backing = {
        "boxstyle": "round,pad=0.12",
        "facecolor": "white",
        "edgecolor": "none",
        "alpha": 0.75,
    }
    for n in graph.nodes[:MOST_LABELLED]:
        x, y = pos[n.id]
        axes.annotate(
            "\n".join(name_lines(n.name)),
            (x, y),
            xytext=(0, -node_radius(n.mentions, most, 5.0, big) - 3),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=10 if count <= 60 else 8,
            bbox=backing,
            zorder=3,
        )
    axes.set_aspect("equal")
    axes.set_xlim(-0.08, 1.08)
    axes.set_ylim(-0.1, 1.05)
    present = [t for t in TYPE_COLOURS if any(n.label == t for n in graph.nodes)]
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=10,
            color=TYPE_COLOURS[t],
            label=TYPE_NAMES[t],
        )
        for t in present
    ]
    handles.append(Line2D([], [], color="#8a8a8a", linewidth=4, label=f"line: shared {graph.by}"))
    handles.append(
        Line2D(
            [], [], marker="o", linestyle="", markersize=6, color="#bbbbbb", label="size: mentions"
        )
    )
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    shown = f"{count} entities, {len(graph.edges)} ties"
    if placed.left_out:
        shown += f" ({placed.left_out} smaller entities left out; the graph files hold all)"
    unlabelled = count - min(count, MOST_LABELLED)
    if unlabelled:
        shown += f"; names of the {MOST_LABELLED} most mentioned"
    axes.set_title(f"{title}\n{shown}", loc="left", fontsize=13)
    _save(figure, path)


def draw_trend(trend: Trend, path: Path) -> None:
    figure, axes = plt.subplots(figsize=(11, 5.5))
    length = {"day": 1.0, "week": 7.0, "month": 30.4, "year": 365.2}[trend.by]
    # Days since matplotlib's date epoch (1970-01-01 unless changed), each period at its middle.
    days = [(period_start(p, trend.by) - EPOCH).days + length / 2 for p in trend.periods]
    # Bars read best for a few periods; a line keeps many periods (and series) apart.
    bars = len(trend.periods) <= 40
    for i, series in enumerate(trend.series):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        label = f"{series.name} ({sum(series.counts)})"
        if bars:
            share = length * 0.8 / len(trend.series)
            offset = (i - (len(trend.series) - 1) / 2) * share
            xs = [d + offset for d in days]
            axes.bar(xs, series.counts, width=share, color=colour, label=label)
        else:
            axes.plot(days, series.counts, color=colour, linewidth=1.6, label=label)
            marked = [(d, c) for d, c in zip(days, series.counts, strict=True) if c]
            axes.scatter(
                [d for d, _ in marked], [c for _, c in marked], color=colour, s=18, zorder=3
            )
    axes.xaxis_date()
    counted = {"mentions": "Mentions", "events": "Events", "paragraphs": "Paragraphs"}
    axes.set_ylabel(f"{counted[trend.what]} per {trend.by}")
    axes.set_xlabel(f"{trend.by.capitalize()}, {trend.dated_by()}")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", color="#e0e0e0")
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axes.set_title("\n".join(textwrap.wrap(trend.title(), 90)), loc="left", fontsize=12)
    figure.autofmt_xdate()
    _save(figure, path)
