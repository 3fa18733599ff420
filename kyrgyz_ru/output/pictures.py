"""What every picture of krq shares: where it goes (checked before any work, written whole or
not at all), the colour of each entity type and the size of a node.

Standard library only: `krq network` and `krq trend` check the target with it before they
import the drawing libraries.

Why these libraries draw (see also docs/pictures.md):
- networkx writes GraphML, GEXF and node-link JSON exactly as Gephi, Cytoscape and networkx
  read them, and its force-directed layout spreads a few hundred nodes in well under a second;
- matplotlib draws the SVG and PNG pictures: the standard in Python, offline, with text kept
  as text in the SVG (searchable, editable);
- the HTML pictures are krq's own inline SVG and about 60 lines of script (`output/html.py`):
  a page of tens of kilobytes that opens offline, where plotly would inline 3.5 MB of script
  and add a heavy import, and vis-network would have to be vendored into the package."""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from kyrgyz_ru.errors import UsageError

PICTURE_SUFFIXES = (".html", ".svg", ".png")
# Okabe and Ito's palette: told apart by readers with any common colour blindness.
TYPE_COLOURS = {"PERSON": "#0072B2", "ORG": "#E69F00", "PLACE": "#009E73"}
TYPE_NAMES = {"PERSON": "person", "ORG": "organisation", "PLACE": "place or state"}
SERIES_COLOURS = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#F0E442",
)


def check_target(path: Path, force: bool) -> Path:
    """The file a picture will be written to, or a one-line usage error saying why not."""
    suffix = path.suffix.casefold()
    if suffix not in PICTURE_SUFFIXES:
        raise UsageError(
            f"--output {path.name[:60]}: unknown picture type '{suffix or 'none'}';"
            f" use {', '.join(PICTURE_SUFFIXES)}"
        )
    if path.is_dir():
        raise UsageError(f"--output {path}: is a folder")
    if path.exists() and not force:
        raise UsageError(f"--output {path}: the file exists; --force replaces it")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"--output {path}: no folder {folder}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"--output {path}: the folder {folder} is not writable")
    return path


def write_whole(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write the file through a temporary one beside it: a failed drawing leaves no half file."""
    handle, temporary = tempfile.mkstemp(prefix=".krq-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def node_radius(mentions: int, most: int, smallest: float, largest: float) -> float:
    """A node's radius: its area grows with its mentions, between the two bounds."""
    if most <= 1:
        return smallest
    share = math.sqrt(max(mentions, 1) / most)
    return smallest + (largest - smallest) * share


def edge_width(weight: int, heaviest: int, thinnest: float, thickest: float) -> float:
    if heaviest <= 1:
        return thinnest
    return thinnest + (thickest - thinnest) * math.sqrt((weight - 1) / (heaviest - 1))


def name_lines(name: str, width: int = 22, most: int = 2) -> list[str]:
    """A node's name in at most `most` short lines: a long one would cover its neighbours."""
    import textwrap

    lines = textwrap.wrap(name, width) or [name]
    if len(lines) > most:
        lines = [
            *lines[: most - 1],
            textwrap.shorten(" ".join(lines[most - 1 :]), width, placeholder="…"),
        ]
    return lines
