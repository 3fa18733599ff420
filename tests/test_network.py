"""krq network on the bundled articles: graph files that networkx reads back, pictures that
decode and show the names, bad input refused before any work, and no graph library imported by
other commands."""

from __future__ import annotations

import io
import json
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import networkx as nx
import pytest

from tests.conftest import ROOT, Runner

LAVROV, KAZAKBAEV = "sergey-lavrov", "ruslan-kazakbaev"


def test_table_lists_the_strongest_tie_first(krq: Runner, seeds_db: Path) -> None:
    result = krq("network", "--db", seeds_db)
    assert result.status == 0, result.err
    first = next(line for line in result.out.splitlines() if "—" in line)
    assert "Ruslan Kazakbaev — Sergey Lavrov" in first
    assert "CONSULT" in first


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graph_files_load_in_networkx(krq: Runner, seeds_db: Path, fmt: str) -> None:
    result = krq("network", "--db", seeds_db, "--format", fmt)
    assert result.status == 0, result.err
    data = io.BytesIO(result.out.encode("utf-8"))
    graph = nx.read_graphml(data) if fmt == "graphml" else nx.read_gexf(data)
    assert graph.has_edge(LAVROV, KAZAKBAEV)
    assert int(graph.edges[LAVROV, KAZAKBAEV]["weight"]) >= 2
    assert graph.nodes[LAVROV]["label"] == "Sergey Lavrov"
    assert graph.nodes[LAVROV]["type"] == "PERSON"
    assert all(graph.nodes[n]["type"] in ("PERSON", "ORG", "PLACE") for n in graph)


def test_node_link_json_csv_and_dot(krq: Runner, seeds_db: Path) -> None:
    data = json.loads(krq("network", "--db", seeds_db, "-f", "json").out)
    graph = nx.node_link_graph(data, edges="edges")
    assert graph.has_edge(LAVROV, KAZAKBAEV)
    csv_out = krq("network", "--db", seeds_db, "-f", "csv").out.splitlines()
    assert csv_out[0].startswith("source,target,source_name")
    assert any(LAVROV in line and KAZAKBAEV in line for line in csv_out[1:])
    dot = krq("network", "--db", seeds_db, "-f", "dot").out
    assert dot.startswith("graph krq {") and f'"{KAZAKBAEV}" -- "{LAVROV}"' in dot


def test_cooccurrence_and_ego_network(krq: Runner, seeds_db: Path) -> None:
    by_events = nx.read_graphml(
        io.BytesIO(krq("network", "--db", seeds_db, "-f", "graphml").out.encode())
    )
    sentences = krq("network", "--db", seeds_db, "--by", "sentences", "-f", "graphml")
    cooc = nx.read_graphml(io.BytesIO(sentences.out.encode()))
    assert cooc.has_edge(LAVROV, KAZAKBAEV)
    assert cooc.graph["by"] == "sentences"
    assert cooc.number_of_edges() != by_events.number_of_edges()
    ego = krq("network", "--db", seeds_db, "--actor", "Lavrov", "-f", "graphml")
    near = nx.read_graphml(io.BytesIO(ego.out.encode()))
    # Depth 1: every node is Lavrov or one of those he shares an event with.
    assert all(n == LAVROV or near.has_edge(n, LAVROV) for n in near)
    assert set(near) < set(by_events)


def test_min_weight_drops_weak_ties(krq: Runner, seeds_db: Path) -> None:
    out = krq("network", "--db", seeds_db, "--min-weight", "10", "-f", "csv").out.splitlines()
    weights = [int(line.split(",")[6]) for line in out[1:]]
    assert weights and min(weights) >= 10


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_svg_and_png_pictures(krq: Runner, seeds_db: Path, tmp_path: Path) -> None:
    svg, png = tmp_path / "net.svg", tmp_path / "net.png"
    assert krq("network", "--db", seeds_db, "--output", svg).status == 0
    root = ET.parse(svg).getroot()
    texts = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "Sergey Lavrov" in texts and "Ruslan Kazakbaev" in texts
    assert krq("network", "--db", seeds_db, "--output", png).status == 0
    width, height = _png_size(png.read_bytes())
    assert width > 600 and height > 400
    from PIL import Image

    with Image.open(png) as image:
        image.load()
        assert len(image.getcolors(1 << 20) or ()) > 10  # many colours: not a blank page


def _png_colours(data: bytes) -> set[bytes]:
    """The distinct pixels of an 8-bit RGB(A) PNG, decoded with zlib: the screenshot test needs
    no image library."""
    width, height = _png_size(data)
    depth, kind = data[24], data[25]
    assert depth == 8 and kind in (2, 6)
    step = 3 if kind == 2 else 4
    raw = b""
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        if data[at + 4 : at + 8] == b"IDAT":
            raw += data[at + 8 : at + 8 + length]
        at += 12 + length
    pixels = zlib.decompress(raw)
    stride = width * step
    previous = bytearray(stride)
    colours: set[bytes] = set()
    for row in range(height):
        start = row * (stride + 1)
        kind_filter, line = pixels[start], bytearray(pixels[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up = previous[i]
            corner = previous[i - step] if i >= step else 0
            if kind_filter == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind_filter == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind_filter == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind_filter == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                guess = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + guess) & 0xFF
        if row % 4 == 0:
            colours.update(bytes(line[i : i + 3]) for i in range(0, stride, step * 4))
        previous = line
    return colours


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium)")
    try:
        return subprocess.run(
            [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"chromium cannot be run: {exc}")


def test_html_opens_in_chromium_with_names(krq: Runner, seeds_db: Path, tmp_path: Path) -> None:
    page = tmp_path / "net.html"
    result = krq("network", "--db", seeds_db, "--output", page)
    assert result.status == 0, result.err
    html = page.read_text(encoding="utf-8")
    # Offline: nothing is loaded from elsewhere.
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html and "src=" not in html
    shot = tmp_path / "shot.png"
    run = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,900", page.as_uri())
    if not shot.exists():
        pytest.skip(f"chromium ran but made no screenshot: {run.stderr[-300:]}")
    colours = _png_colours(shot.read_bytes())
    assert len(colours) > 20, "the screenshot is blank"
    # The three type colours of the nodes are on the screen.
    assert {bytes.fromhex("0072B2"), bytes.fromhex("009E73")} <= colours
    dom = _chromium(tmp_path, "--virtual-time-budget=3000", "--dump-dom", page.as_uri()).stdout
    for name in ("Sergey Lavrov", "Ruslan Kazakbaev", "Kyrgyzstan", "Russia"):
        assert name in dom
    # The script ran: the details panel holds its hint.
    assert "click it for its events" in dom


def test_empty_selection_draws_nothing(krq: Runner, seeds_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "none.svg"
    result = krq("network", "--db", seeds_db, "--since", "1990", "--until", "1991", "-o", target)
    assert result.status == 0
    assert "no ties" in result.err
    assert not target.exists()


def test_unknown_actor_is_not_found(krq: Runner, seeds_db: Path) -> None:
    result = krq("network", "--db", seeds_db, "--actor", "Qwxzvbn Plkjhg")
    assert result.status == 3
    assert "no entity" in result.err


@pytest.mark.parametrize(
    ("name", "message"),
    [("net.pdf", "unknown picture type"), ("missing/net.svg", "no folder")],
)
def test_bad_output_is_refused_first(krq: Runner, tmp_path: Path, name: str, message: str) -> None:
    # No --db index exists at this path: the error comes before the index is opened or built.
    db = tmp_path / "never.db"
    result = krq("network", "--db", db, "--output", tmp_path / name)
    assert result.status == 2
    assert message in result.err and len(result.err.strip().splitlines()) == 1
    assert not db.exists()


def test_existing_output_needs_force(krq: Runner, seeds_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "net.svg"
    target.write_text("mine", encoding="utf-8")
    result = krq("network", "--db", seeds_db, "--output", target)
    assert result.status == 2 and "--force" in result.err
    assert target.read_text(encoding="utf-8") == "mine"
    assert krq("network", "--db", seeds_db, "--output", target, "--force").status == 0
    assert target.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_layout_spreads_two_hundred_nodes() -> None:
    from kyrgyz_ru.output.graph import NEAREST, laid_out
    from kyrgyz_ru.query.network import Edge, Network, Node

    shape = nx.barabasi_albert_graph(200, 2, seed=1)
    nodes = [Node(str(i), f"entity {i}", "ORG", 200 - i, 1) for i in shape]
    edges = [Edge(str(a), str(b), 1 + (a + b) % 5, (), None, None) for a, b in shape.edges]
    placed = laid_out(Network("events", nodes, edges))
    assert len(placed.positions) == 200
    points = list(placed.positions.values())
    side = max(max(p[0] for p in points), max(p[1] for p in points))
    closest = min(
        ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5
        for i, a in enumerate(points)
        for b in points[i + 1 :]
    )
    # In layout units no two nodes are nearer than NEAREST; in the unit square that is a share
    # of the picture that leaves room for a node.
    assert closest > 0.01 * side
    assert NEAREST > 0


def test_other_commands_import_no_drawing_library(seeds_db: Path) -> None:
    code = (
        "import sys\n"
        "import kyrgyz_ru.cli.network, kyrgyz_ru.cli.trend\n"
        "from kyrgyz_ru.cli import main\n"
        "try:\n"
        f"    main(['entities', '--db', {str(seeds_db)!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('networkx', 'matplotlib', 'plotly', 'PIL') if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert "HEAVY []" in run.stderr, run.stderr[-500:]
