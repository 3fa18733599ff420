"""Formats (#14): web pages, JSON/JSON lines, CSV/TSV and gzip, read from files and folders,
with their metadata; bad records skipped alone. Every page and export is made up here."""

from __future__ import annotations

import csv
import gzip
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kyrgyz_ru.errors import ExitStatus, InputError
from kyrgyz_ru.extract.formats import kind_of, record_date
from kyrgyz_ru.extract.formats.html import read_page
from tests.conftest import Runner, loaded_once
from tests.helpers import copy_index, run_krq
from tests.pages import BOILERPLATE, page, story


@pytest.mark.parametrize("metadata", ["meta", "jsonld", "visible"])
def test_a_page_keeps_every_paragraph_and_no_boilerplate(metadata: str) -> None:
    rng = random.Random(5)
    for n in range(12):
        paragraphs = story(rng, rng.randint(2, 7))
        paragraphs.insert(1, "The meeting lasted two hours.")  # a short paragraph
        found = read_page(page(f"Talks number {n} resume", paragraphs, metadata=metadata), "p")
        assert all(p in found.text for p in paragraphs)
        assert [b for b in BOILERPLATE if b in found.text] == []
        assert "\n\n".join(paragraphs) in found.text  # paragraphs apart by blank lines
        assert found.title == f"Talks number {n} resume"
        assert found.language == "en"
        if metadata == "visible":
            assert found.date_source != "metadata"
            assert found.url is None
        else:
            assert (found.date, found.date_source) == ("2021-03-15", "metadata")
            assert found.url == "https://alatoo.example/news/2021/03/15/talks"
            assert found.site == "Ala-Too Daily"


def test_a_login_wall_has_no_article() -> None:
    wall = "<html><body><nav><a href='/'>Home</a></nav><form>Log in to read</form></body></html>"
    with pytest.raises(InputError, match="no article text"):
        read_page(wall, "wall.html")


def test_kinds_by_extension_and_content() -> None:
    assert kind_of("a.htm", b"") == "html"
    assert kind_of("a.txt", b"<!DOCTYPE html><html>") == "html"
    assert kind_of("dump", b'{"text": "x"}') == "jsonl"
    assert kind_of("dump", b'[{"text": "x"}]') == "json"
    assert kind_of("a.txt", b"plain words") == "txt"


def test_record_dates() -> None:
    assert record_date("2022-05-04T10:00:00Z") == "2022-05-04"
    assert record_date("Wed, 04 May 2022 10:00:00 +0000") == "2022-05-04"
    assert record_date("4 May 2022") == "2022-05-04"
    assert record_date("2022-13-40") is None
    assert record_date("yesterday") is None


@dataclass
class Ingested:
    folder: Path
    db: Path
    status: int
    err: str
    texts: dict[str, str]  # id -> the article text as written


WORDS = (
    "budget",
    "harvest",
    "railway",
    "council",
    "mountain",
    "river",
    "tariff",
    "school",
    "hospital",
    "election",
    "court",
    "border",
    "festival",
    "mine",
    "bridge",
    "airport",
    "reform",
    "museum",
    "license",
    "water",
    "customs",
    "bank",
    "winter",
    "farmers",
    "teachers",
    "doctors",
    "drivers",
    "miners",
    "pupils",
    "judges",
    "traders",
    "herders",
    "engineers",
)


def _body(rng: random.Random) -> str:
    """Two paragraphs unlike any other body (never a reprint): a name or place, then words."""
    paragraphs = []
    for _ in range(2):
        sentences = [
            f"{rng.choice(['Sadyr Japarov', 'Sergei Lavrov', 'Bishkek officials'])} said "
            + " ".join(rng.choice(WORDS) for _ in range(14))
            + "."
            for _ in range(3)
        ]
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, nlp: Any) -> Ingested:
    root = tmp_path_factory.mktemp("formats")
    folder = root / "in"
    (folder / "sub").mkdir(parents=True)
    rng = random.Random(9)
    texts: dict[str, str] = {}
    for name, metadata in (("meta", "meta"), ("ld", "jsonld"), ("plain", "visible")):
        paragraphs = story(rng, 4)
        (folder / f"{name}.html").write_text(
            page(f"Story {name} of the day", paragraphs, metadata=metadata), "utf-8"
        )
        texts[name] = "\n\n".join(paragraphs)
    (folder / "wall.htm").write_text("<html><body><form>Log in</form></body></html>", "utf-8")
    lines = [
        json.dumps(
            {
                "id": "j1",
                "text": (t := _body(rng)),
                "title": "J one",
                "date": "2020-01-02",
                "url": "https://x.example/1",
                "source": "TASS",
                "language": "ru",
                "extra": [1, 2],
            }
        ),
        "{not json",
        json.dumps({"title": "no text here"}),
        json.dumps({"body": (u := _body(rng))}),  # only under another name: --field
        "[1, 2]",
    ]
    texts["j1"], texts["feed:4"] = t, u
    (folder / "feed.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    array = [{"text": (a := _body(rng)), "source": "Kabar"}, {"id": 7, "text": (b := _body(rng))}]
    (folder / "array.json").write_text(json.dumps(array, indent=1), "utf-8")
    texts["array:1"], texts["7"] = a, b
    huge = _body(rng) + "\n\n" + "Filler words of a very long appendix. " * 5000  # > 128 KiB
    with (folder / "table.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "body", "odd column", "source"])
        writer.writerow(["c1", huge, "x", "24.kg"])
        writer.writerow(["c2", "", "y", ""])  # no text
        writer.writerow(["c3", "too", "many", "fields", "here"])
        writer.writerow(["c4", (c := _body(rng)), "z", "AKIpress"])
    texts["c1"], texts["c4"] = huge, c
    with (folder / "sub" / "table.tsv").open("w", newline="", encoding="utf-8") as file:
        file.write("id\tbody\n" + "t1\t" + (d := story(rng, 1)[0]) + "\n")
    texts["t1"] = d
    with gzip.open(folder / "packed.jsonl.gz", "wt", encoding="utf-8") as packed:
        packed.write(json.dumps({"id": "g1", "text": (g := _body(rng))}) + "\n")
    texts["g1"] = g
    (folder / "fake.txt.gz").write_text("not gzip at all", "utf-8")
    (folder / "binary.txt.gz").write_bytes(gzip.compress(bytes(range(256)) * 20))
    db = root / "formats.db"
    with loaded_once(nlp):
        status, err = run_krq("ingest", "--db", db, folder, "--field", "text=body")
    return Ingested(folder, db, status, err, texts)


def _documents(krq: Runner, db: Path) -> dict[str, dict[str, Any]]:
    result = krq("export", "--documents", "--db", db)
    assert result.status == 0, result.err
    return {d["id"]: d for d in map(json.loads, result.out.splitlines())}


def test_every_format_is_ingested_with_its_metadata(ingested: Ingested, krq: Runner) -> None:
    assert ingested.status == ExitStatus.PARTIAL, ingested.err
    docs = _documents(krq, ingested.db)
    assert set(docs) == set(ingested.texts)
    for doc, text in ingested.texts.items():
        assert text.strip() in docs[doc]["text"], doc
    assert docs["meta"]["format"] == "html"
    assert (docs["meta"]["date"], docs["meta"]["date_source"]) == ("2021-03-15", "metadata")
    assert docs["ld"]["source"] == "Ala-Too Daily"
    assert docs["j1"] | {"text": ""} == {
        "id": "j1", "title": "J one", "date": "2020-01-02", "date_source": "record",
        # The text is English: its language is read from the text (#15), whatever the
        # record claims, so that it is never sent to the Russian pipeline.
        "url": "https://x.example/1", "source": "TASS", "language": "en", "format": "jsonl",
        "path": str(ingested.folder / "feed.jsonl"), "chars": len(docs["j1"]["text"]),
        "duplicate_of": None, "text": "",
    }  # fmt: skip
    assert docs["g1"]["format"] == "jsonl.gz"
    assert docs["c1"]["chars"] > 128 * 1024
    assert docs["c4"]["source"] == "AKIpress"


def test_bad_records_and_files_are_skipped_with_their_line(ingested: Ingested) -> None:
    err, folder = ingested.err, ingested.folder
    assert "Traceback" not in err
    feed = folder / "feed.jsonl"
    assert f"krq: skipped {feed}:2: record 2: malformed JSON" in err
    assert f"krq: skipped {feed}:3: record 3: no text" in err
    assert f"krq: skipped {feed}:5: record 5: not a JSON object" in err
    table = folder / "table.csv"
    assert f"krq: skipped {table}:7: record 2: no text"  # the huge field spans lines 2-6 in err
    assert f"krq: skipped {table}:8: record 3: 5 fields where the header has 4" in err
    assert f"skipped {folder / 'wall.htm'}: no article text in the page" in err
    assert f"skipped {folder / 'fake.txt.gz'}: not gzip data" in err
    assert f"skipped {folder / 'binary.txt.gz'}: in the gzip data: not a text file" in err
    for line in err.splitlines():
        if "skipped" in line and "added" not in line:
            assert line.count("krq:") == 1


def test_every_exported_mention_is_its_text(ingested: Ingested, krq: Runner) -> None:
    docs = _documents(krq, ingested.db)
    result = krq("export", "--db", ingested.db)
    mentions = [json.loads(line) for line in result.out.splitlines()]
    assert {m["doc"] for m in mentions} >= {"meta", "j1", "c4", "g1", "t1"}
    for m in mentions:
        assert docs[m["doc"]]["text"][m["start"] : m["end"]] == m["text"]


def test_the_same_ingest_again_changes_nothing(ingested: Ingested, nlp: Any) -> None:
    with loaded_once(nlp):
        status, err = run_krq("ingest", "--db", ingested.db, ingested.folder, "--field",
                              "text=body")  # fmt: skip
    assert status == ExitStatus.PARTIAL
    assert f"0 added, 0 updated, {len(ingested.texts)} unchanged" in err


def test_a_record_id_taken_elsewhere_gets_its_file_stem(
    ingested: Ingested, krq: Runner, tmp_path: Path, nlp: Any
) -> None:
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"id": "j1", "text": _body(random.Random(1))}) + "\n", "utf-8")
    db = tmp_path / "copy.db"
    copy_index(ingested.db, db)  # with what its WAL file still holds
    with loaded_once(nlp):
        result = krq("ingest", "--db", db, other)
    assert result.status == 0, result.err
    assert f"krq: {other}: id other/j1 (j1 is the id of another document)" in result.err
    assert {"j1", "other/j1"} <= set(_documents(krq, db))


def test_a_bad_field_option(krq: Runner, tmp_path: Path) -> None:
    result = krq("ingest", "--db", tmp_path / "x.db", tmp_path, "--field", "body")
    assert result.status == ExitStatus.USAGE
    assert "--field takes NAME=COLUMN" in result.err
