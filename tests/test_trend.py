"""krq trend on the bundled articles: counts per period that add up, the dating said in the
output, charts that decode, and bad input refused."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import Runner


def test_terminal_bars_name_what_was_counted(krq: Runner, seeds_db: Path) -> None:
    result = krq("trend", "--db", seeds_db, "--org", "CSTO", "--by", "year")
    assert result.status == 0, result.err
    words = " ".join(result.out.split())  # the title wraps to the table's width
    assert "Mentions of CSTO per year" in words
    assert "by the dates the text refers to" in words
    assert "█" in result.out


def test_counts_add_up_to_the_mentions(krq: Runner, seeds_db: Path) -> None:
    with sqlite3.connect(seeds_db) as db:
        (mentions,) = db.execute(
            "SELECT count(*) FROM mentions"
            " WHERE entity = (SELECT key FROM entities WHERE id = 'csto')"
        ).fetchone()
    rows = json.loads(
        krq("trend", "--db", seeds_db, "--org", "CSTO", "--by", "year", "--date-of", "document",
            "--json").out
    )  # fmt: skip
    total = sum(r["CSTO"] for r in rows)
    assert total == mentions > 0
    # Every period from the first to the last is there, empty ones included.
    years = [int(r["period"]) for r in rows]
    assert years == list(range(years[0], years[-1] + 1))


def test_date_of_changes_the_dating(krq: Runner, seeds_db: Path) -> None:
    text = krq("trend", "--db", seeds_db, "--person", "Lavrov", "--by", "year", "-f", "csv")
    document = krq("trend", "--db", seeds_db, "--person", "Lavrov", "--by", "year",
                   "--date-of", "document", "-f", "csv")  # fmt: skip
    assert "the dates the text refers to" in text.err
    assert "the articles' dates" in document.err
    by_text = {r["period"]: int(r["Sergey Lavrov"]) for r in csv.DictReader(io.StringIO(text.out))}
    by_doc = {
        r["period"]: int(r["Sergey Lavrov"]) for r in csv.DictReader(io.StringIO(document.out))
    }
    assert sum(by_text.values()) == sum(by_doc.values())
    assert by_text != by_doc  # some sentences date what they tell, not the day of the article


def test_events_and_topics(krq: Runner, seeds_db: Path) -> None:
    events = json.loads(krq("trend", "--db", seeds_db, "--events", "--by", "year", "--json").out)
    assert sum(r["events"] for r in events) > 0
    topic = json.loads(krq("trend", "--db", seeds_db, "--topic", "migration", "--json").out)
    assert sum(r["migration"] for r in topic) > 0
    assert all(len(r["period"]) == 7 for r in topic)  # months


def test_charts_decode(krq: Runner, seeds_db: Path, tmp_path: Path) -> None:
    svg, png, page = tmp_path / "t.svg", tmp_path / "t.png", tmp_path / "t.html"
    args = ("trend", "--db", seeds_db, "--person", "Lavrov", "--person", "Kazakbaev", "--by",
            "year")  # fmt: skip
    assert krq(*args, "--output", svg).status == 0
    root = ET.parse(svg).getroot()
    words = " ".join(root.itertext())
    assert "Sergey Lavrov" in words and "Ruslan Kazakbaev" in words
    assert "Mentions per year" in words
    assert krq(*args, "--output", png).status == 0
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 600 and height > 300
    assert krq(*args, "--output", page).status == 0
    html = page.read_text(encoding="utf-8")
    assert "Sergey Lavrov" in html and "https://" not in html and 'data-tip="' in html


def test_nothing_counted_draws_nothing(krq: Runner, seeds_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "t.png"
    result = krq("trend", "--db", seeds_db, "--org", "CSTO", "--since", "1990", "--until",
                 "1991", "--output", target)  # fmt: skip
    assert result.status == 0 and "nothing to count" in result.err
    assert not target.exists()


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (("--org", "Qwxzvbn Plkjhg"), 3),
        (("--topic", "nosuchtopic"), 3),
        ((), 2),
        (("--org", "CSTO", "--by", "fortnight"), 2),
        (("--org", "CSTO", "--date-of", "moon"), 2),
        (("--org", "CSTO", "--output", "t.gif"), 2),
    ],
)
def test_bad_input(krq: Runner, seeds_db: Path, args: tuple[str, ...], status: int) -> None:
    result = krq("trend", "--db", seeds_db, *args)
    assert result.status == status
    assert len(result.err.strip().splitlines()) == 1
